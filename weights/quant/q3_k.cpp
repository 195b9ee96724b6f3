#include "weights/quant/q3_k.h"

#include <cassert>
#include <cmath>
#include <cstring>

#include "weights/half.h"
#include "weights/quant/quant_math.h"
#include "weights/quant/scale_search.h"

namespace edt {

using quant::clamp_int;
using quant::nearest_int;

int q3_k_group_scale(const uint8_t* scales, int g) {
  const int low = g < 8 ? (scales[g] & 0x0f) : (scales[g - 8] >> 4);
  const int high = (scales[8 + g % 4] >> (2 * (g / 4))) & 3;
  return (low | (high << 4)) - 32;
}

void quantize_row_q3_k(const float* x, BlockQ3_K* y, size_t n) {
  assert(n % kSuperBlock == 0);
  int8_t L[kSuperBlock];  // (256) level + 4 per element
  float group_scale[16];  // (16)
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float max_scale = 0.0f, amax = 0.0f;
    for (int g = 0; g < 16; ++g) {
      group_scale[g] = quant::search_symmetric_scale_refined(16, 4, x + 16 * g, L + 16 * g);
      if (std::fabs(group_scale[g]) > amax) {
        amax = std::fabs(group_scale[g]);
        max_scale = group_scale[g];
      }
    }
    std::memset(y[b].scales, 0, sizeof(y[b].scales));
    if (max_scale != 0.0f) {
      // Group scales become 6-bit multiples of the f16 scale; the largest maps to -32.
      const float iscale = -32.0f / max_scale;
      for (int g = 0; g < 16; ++g) {
        const int l = clamp_int(nearest_int(iscale * group_scale[g]), -32, 31) + 32;
        if (g < 8) y[b].scales[g] = static_cast<uint8_t>(l & 0x0f);
        else y[b].scales[g - 8] = static_cast<uint8_t>(y[b].scales[g - 8] | ((l & 0x0f) << 4));
        y[b].scales[8 + g % 4] = static_cast<uint8_t>(y[b].scales[8 + g % 4] | ((l >> 4) << (2 * (g / 4))));
      }
      y[b].d = f32_to_f16(1.0f / iscale);
    } else {
      y[b].d = 0;
    }
    for (int g = 0; g < 16; ++g) {
      const float d = f16_to_f32(y[b].d) * static_cast<float>(q3_k_group_scale(y[b].scales, g));
      if (d == 0.0f) continue;
      for (int i = 0; i < 16; ++i) L[16 * g + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * g + i] / d), -4, 3) + 4);
    }
    std::memset(y[b].hmask, 0, sizeof(y[b].hmask));
    for (size_t j = 0; j < kSuperBlock; ++j) {
      if (L[j] > 3) {
        y[b].hmask[j % 32] = static_cast<uint8_t>(y[b].hmask[j % 32] | (1u << (j / 32)));
        L[j] = static_cast<int8_t>(L[j] - 4);
      }
    }
    for (size_t h = 0; h < 2; ++h) {
      for (size_t l = 0; l < 32; ++l) {
        const int8_t* Lh = L + 128 * h;
        y[b].qs[32 * h + l] = static_cast<uint8_t>(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) | (Lh[l + 96] << 6));
      }
    }
  }
}

void dequantize_row_q3_k(const BlockQ3_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d_all = f16_to_f32(x[b].d);
    int g = 0;
    unsigned bit = 0;  // which hmask bit holds the third bit of the current 32 elements
    for (size_t h = 0; h < 2; ++h) {
      const uint8_t* q = x[b].qs + 32 * h;
      for (int shift = 0; shift < 8; shift += 2, ++bit) {
        for (size_t half = 0; half < 2; ++half, ++g) {
          const float dl = d_all * static_cast<float>(q3_k_group_scale(x[b].scales, g));
          for (size_t l = 16 * half; l < 16 * half + 16; ++l) {
            const int low = (q[l] >> shift) & 3;
            const int level = low - (((x[b].hmask[l] >> bit) & 1u) ? 0 : 4);
            *y++ = dl * static_cast<float>(level);
          }
        }
      }
    }
  }
}

}  // namespace edt
