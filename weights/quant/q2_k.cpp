#include "weights/quant/q2_k.h"

#include <cassert>
#include <cmath>

#include "weights/half.h"
#include "weights/quant/quant_math.h"
#include "weights/quant/scale_search.h"

namespace edt {

using quant::clamp_int;
using quant::nearest_int;

void quantize_row_q2_k(const float* x, BlockQ2_K* y, size_t n) {
  assert(n % kSuperBlock == 0);
  uint8_t L[kSuperBlock];  // (256) levels 0..3
  uint8_t Laux[16];        // (16) scratch for the search
  float weights[16];       // (16) per-element weights of one group
  float group_scale[16], group_min[16];
  constexpr float kLevels = 15.0f;  // 4-bit group scales and minimums
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float max_scale = 0.0f, max_min = 0.0f;
    for (int g = 0; g < 16; ++g) {
      for (int i = 0; i < 16; ++i) weights[i] = std::fabs(x[16 * g + i]);
      group_scale[g] = quant::search_scale_and_min(16, 3, x + 16 * g, weights, L + 16 * g, &group_min[g], Laux, -0.5f,
                                                   0.1f, 15, true);
      if (group_scale[g] > max_scale) max_scale = group_scale[g];
      if (group_min[g] > max_min) max_min = group_min[g];
    }
    if (max_scale > 0.0f) {
      const float iscale = kLevels / max_scale;
      for (int g = 0; g < 16; ++g) y[b].scales[g] = static_cast<uint8_t>(nearest_int(iscale * group_scale[g]));
      y[b].d = f32_to_f16(max_scale / kLevels);
    } else {
      for (int g = 0; g < 16; ++g) y[b].scales[g] = 0;
      y[b].d = 0;
    }
    if (max_min > 0.0f) {
      const float iscale = kLevels / max_min;
      for (int g = 0; g < 16; ++g)
        y[b].scales[g] = static_cast<uint8_t>(y[b].scales[g] | (nearest_int(iscale * group_min[g]) << 4));
      y[b].dmin = f32_to_f16(max_min / kLevels);
    } else {
      y[b].dmin = 0;
    }
    // Requantize with the stored (rounded) scales and minimums.
    for (int g = 0; g < 16; ++g) {
      const float d = f16_to_f32(y[b].d) * static_cast<float>(y[b].scales[g] & 0x0f);
      if (d == 0.0f) continue;
      const float dm = f16_to_f32(y[b].dmin) * static_cast<float>(y[b].scales[g] >> 4);
      for (int i = 0; i < 16; ++i) L[16 * g + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[16 * g + i] + dm) / d), 0, 3));
    }
    for (size_t h = 0; h < 2; ++h) {
      const uint8_t* Lh = L + 128 * h;
      for (size_t l = 0; l < 32; ++l)
        y[b].qs[32 * h + l] = static_cast<uint8_t>(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) | (Lh[l + 96] << 6));
    }
  }
}

void dequantize_row_q2_k(const BlockQ2_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = f16_to_f32(x[b].d), dmin = f16_to_f32(x[b].dmin);
    int g = 0;
    for (size_t h = 0; h < 2; ++h) {
      const uint8_t* q = x[b].qs + 32 * h;
      for (int shift = 0; shift < 8; shift += 2) {
        for (size_t half = 0; half < 2; ++half, ++g) {
          const uint8_t sc = x[b].scales[g];
          const float dl = d * static_cast<float>(sc & 0x0f), ml = dmin * static_cast<float>(sc >> 4);
          for (size_t l = 16 * half; l < 16 * half + 16; ++l) *y++ = dl * static_cast<float>((q[l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

}  // namespace edt
