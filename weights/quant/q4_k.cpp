#include "weights/quant/q4_k.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "weights/half.h"
#include "weights/quant/k_scales.h"
#include "weights/quant/quant_math.h"
#include "weights/quant/scale_search.h"

namespace edt {

using quant::clamp_int;
using quant::nearest_int;

void quantize_row_q4_k(const float* x, BlockQ4_K* y, size_t n) {
  assert(n % kSuperBlock == 0);
  uint8_t L[kSuperBlock];  // (256) levels 0..15
  uint8_t Laux[32];        // (32) search scratch
  float weights[32];       // (32) per-element weights of one group
  float group_scale[8], group_min[8];
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float max_scale = 0.0f, max_min = 0.0f;
    for (int g = 0; g < 8; ++g) {
      const float* xg = x + 32 * g;
      // Weight each element by the group's RMS plus its own magnitude: large weights matter more, but small
      // ones are not ignored.
      float sum_x2 = 0.0f;
      for (int i = 0; i < 32; ++i) sum_x2 += xg[i] * xg[i];
      const float av_x = std::sqrt(sum_x2 / 32.0f);
      for (int i = 0; i < 32; ++i) weights[i] = av_x + std::fabs(xg[i]);
      group_scale[g] = quant::search_scale_and_min(32, 15, xg, weights, L + 32 * g, &group_min[g], Laux, -1.0f, 0.1f,
                                                   20, false);
      if (group_scale[g] > max_scale) max_scale = group_scale[g];
      if (group_min[g] > max_min) max_min = group_min[g];
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    for (int g = 0; g < 8; ++g) {
      const int ls = std::min(63, nearest_int(inv_scale * group_scale[g]));
      const int lm = std::min(63, nearest_int(inv_min * group_min[g]));
      quant::k_set_scale_min(g, y[b].scales, ls, lm);
    }
    y[b].d = f32_to_f16(max_scale / 63.0f);
    y[b].dmin = f32_to_f16(max_min / 63.0f);
    for (int g = 0; g < 8; ++g) {
      uint8_t sc, m;
      quant::k_scale_min(g, y[b].scales, &sc, &m);
      const float d = f16_to_f32(y[b].d) * static_cast<float>(sc);
      if (d == 0.0f) continue;
      const float dm = f16_to_f32(y[b].dmin) * static_cast<float>(m);
      for (int i = 0; i < 32; ++i) L[32 * g + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[32 * g + i] + dm) / d), 0, 15));
    }
    for (size_t c = 0; c < 4; ++c)
      for (size_t l = 0; l < 32; ++l) y[b].qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
  }
}

void dequantize_row_q4_k(const BlockQ4_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = f16_to_f32(x[b].d), dmin = f16_to_f32(x[b].dmin);
    const uint8_t* q = x[b].qs;
    for (int c = 0; c < 4; ++c, q += 32) {
      uint8_t sc, m;
      quant::k_scale_min(2 * c, x[b].scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
      quant::k_scale_min(2 * c + 1, x[b].scales, &sc, &m);
      const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

}  // namespace edt
