#include "weights/quant/q6_k.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "weights/half.h"
#include "weights/quant/quant_math.h"
#include "weights/quant/scale_search.h"

namespace edt {

using quant::clamp_int;
using quant::nearest_int;

void quantize_row_q6_k(const float* x, BlockQ6_K* y, size_t n) {
  assert(n % kSuperBlock == 0);
  int8_t L[kSuperBlock];     // (256) level + 32 per element
  float group_scale[16];     // (16) best f32 scale of each group of 16
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float max_scale = 0.0f, max_abs_scale = 0.0f;
    for (int g = 0; g < 16; ++g) {
      group_scale[g] = quant::search_symmetric_scale(16, 32, x + 16 * g, L + 16 * g);
      if (std::fabs(group_scale[g]) > max_abs_scale) {
        max_abs_scale = std::fabs(group_scale[g]);
        max_scale = group_scale[g];
      }
    }
    if (max_abs_scale < quant::kGroupMaxEps) {
      std::memset(&y[b], 0, sizeof(BlockQ6_K));
      continue;
    }
    // The group scales become int8 multiples of one f16 scale; the group of largest scale maps to -128.
    const float iscale = -128.0f / max_scale;
    y[b].d = f32_to_f16(1.0f / iscale);
    for (int g = 0; g < 16; ++g) y[b].scales[g] = static_cast<int8_t>(std::min(127, nearest_int(iscale * group_scale[g])));
    // Requantize every element with the scale as stored, so levels and rounded scales agree.
    for (int g = 0; g < 16; ++g) {
      const float d = f16_to_f32(y[b].d) * static_cast<float>(y[b].scales[g]);
      if (d == 0.0f) continue;
      for (int i = 0; i < 16; ++i) L[16 * g + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * g + i] / d), -32, 31) + 32);
    }
    uint8_t* ql = y[b].ql;
    uint8_t* qh = y[b].qh;
    for (size_t h = 0; h < kSuperBlock; h += 128, ql += 64, qh += 32) {
      for (size_t l = 0; l < 32; ++l) {
        const uint8_t q0 = static_cast<uint8_t>(L[h + l]), q1 = static_cast<uint8_t>(L[h + l + 32]);
        const uint8_t q2 = static_cast<uint8_t>(L[h + l + 64]), q3 = static_cast<uint8_t>(L[h + l + 96]);
        ql[l] = static_cast<uint8_t>((q0 & 0x0f) | ((q2 & 0x0f) << 4));
        ql[l + 32] = static_cast<uint8_t>((q1 & 0x0f) | ((q3 & 0x0f) << 4));
        qh[l] = static_cast<uint8_t>((q0 >> 4) | ((q1 >> 4) << 2) | ((q2 >> 4) << 4) | ((q3 >> 4) << 6));
      }
    }
  }
}

void dequantize_row_q6_k(const BlockQ6_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = f16_to_f32(x[b].d);
    const uint8_t* ql = x[b].ql;
    const uint8_t* qh = x[b].qh;
    const int8_t* sc = x[b].scales;
    for (size_t h = 0; h < 2; ++h, ql += 64, qh += 32, sc += 8, y += 128) {
      for (size_t l = 0; l < 32; ++l) {
        const size_t g = l / 16;
        const int q0 = static_cast<int>((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q1 = static_cast<int>((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q2 = static_cast<int>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q3 = static_cast<int>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // (d * scale) * q, in that order, as the reference dequantizer rounds it.
        y[l] = d * static_cast<float>(sc[g]) * static_cast<float>(q0);
        y[l + 32] = d * static_cast<float>(sc[g + 2]) * static_cast<float>(q1);
        y[l + 64] = d * static_cast<float>(sc[g + 4]) * static_cast<float>(q2);
        y[l + 96] = d * static_cast<float>(sc[g + 6]) * static_cast<float>(q3);
      }
    }
  }
}

}  // namespace edt
