#include "weights/quant/iq4_grid.h"

#include <cmath>

#include "weights/quant/quant_math.h"

namespace edt::quant {

int iq4_nearest_level(float v) {
  if (v <= kIq4Grid[0]) return 0;
  if (v >= kIq4Grid[15]) return 15;
  int lo = 0, hi = 15;  // invariant: grid[lo] <= v < grid[hi]
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < kIq4Grid[mid]) hi = mid;
    else lo = mid;
  }
  return v - kIq4Grid[hi - 1] < kIq4Grid[hi] - v ? hi - 1 : hi;
}

void iq4_fit_groups(const float* x, int n_groups, uint8_t* L, float* scales, int ntry) {
  float weight[32];  // (32) per-element weights of one group
  for (int g = 0; g < n_groups; ++g) {
    const float* xg = x + 32 * g;
    uint8_t* Lg = L + 32 * g;
    for (int j = 0; j < 32; ++j) weight[j] = xg[j] * xg[j];
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; ++j) {
      if (std::fabs(xg[j]) > amax) {
        amax = std::fabs(xg[j]);
        max = xg[j];
      }
    }
    if (amax < kGroupMaxEps) {
      scales[g] = 0.0f;
      for (int j = 0; j < 32; ++j) Lg[j] = 0;  // the callers re-derive L from the stored scale
      continue;
    }
    // First guess d = max / 127 (max lands beyond the top level 113); then the least-squares scale for the levels
    // it gives.
    float d = ntry > 0 ? -max / static_cast<float>(kIq4Grid[0]) : max / static_cast<float>(kIq4Grid[0]);
    float id = 1.0f / d;
    float sumqx = 0.0f, sumq2 = 0.0f;
    for (int j = 0; j < 32; ++j) {
      const int l = iq4_nearest_level(id * xg[j]);
      Lg[j] = static_cast<uint8_t>(l);
      const float q = kIq4Grid[l];
      sumqx += weight[j] * q * xg[j];
      sumq2 += weight[j] * q * q;
    }
    d = sumqx / sumq2;
    float best = d * sumqx;
    // Then scales that put max at -127 + k for k in [-ntry, ntry] (the other sign: the grid is asymmetric).
    for (int k = -ntry; k <= ntry; ++k) {
      id = (static_cast<float>(k) + static_cast<float>(kIq4Grid[0])) / max;
      sumqx = 0.0f;
      sumq2 = 0.0f;
      for (int j = 0; j < 32; ++j) {
        const float q = kIq4Grid[iq4_nearest_level(id * xg[j])];
        sumqx += weight[j] * q * xg[j];
        sumq2 += weight[j] * q * q;
      }
      if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
        d = sumqx / sumq2;
        best = d * sumqx;
      }
    }
    scales[g] = d;
  }
}

}  // namespace edt::quant
