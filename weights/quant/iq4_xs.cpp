#include "weights/quant/iq4_xs.h"

#include <cassert>
#include <cmath>

#include "weights/half.h"
#include "weights/quant/iq4_grid.h"
#include "weights/quant/quant_math.h"

namespace edt {

void quantize_row_iq4_xs(const float* x, BlockIQ4_XS* y, size_t n) {
  assert(n % kSuperBlock == 0);
  uint8_t L[kSuperBlock];  // (256) grid indices
  float scales[8];         // (8) per-group f32 scales from the search
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    quant::iq4_fit_groups(x, 8, L, scales, 7);
    float max_scale = 0.0f, amax_scale = 0.0f;
    for (int g = 0; g < 8; ++g) {
      if (std::fabs(scales[g]) > amax_scale) {
        amax_scale = std::fabs(scales[g]);
        max_scale = scales[g];
      }
    }
    // Group scales become 6-bit multiples of d; the largest maps to -32.
    const float d = -max_scale / 32.0f;
    y[b].d = f32_to_f16(d);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].scales_h = 0;
    for (int g = 0; g < 8; ++g) {
      int l = quant::clamp_int(quant::nearest_int(id * scales[g]), -32, 31);
      const float dl = d * static_cast<float>(l);
      const float idl = dl != 0.0f ? 1.0f / dl : 0.0f;
      for (int j = 0; j < 32; ++j) L[32 * g + j] = static_cast<uint8_t>(quant::iq4_nearest_level(idl * x[32 * g + j]));
      l += 32;
      if (g % 2 == 0) y[b].scales_l[g / 2] = static_cast<uint8_t>(l & 0x0f);
      else y[b].scales_l[g / 2] = static_cast<uint8_t>(y[b].scales_l[g / 2] | ((l & 0x0f) << 4));
      y[b].scales_h = static_cast<uint16_t>(y[b].scales_h | ((l >> 4) << (2 * g)));
    }
    for (int g = 0; g < 8; ++g)
      for (int j = 0; j < 16; ++j) y[b].qs[16 * g + j] = static_cast<uint8_t>(L[32 * g + j] | (L[32 * g + 16 + j] << 4));
  }
}

void dequantize_row_iq4_xs(const BlockIQ4_XS* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (int g = 0; g < 8; ++g) {
      const int ls = ((x[b].scales_l[g / 2] >> (4 * (g % 2))) & 0x0f) | (((x[b].scales_h >> (2 * g)) & 3) << 4);
      const float dl = d * static_cast<float>(ls - 32);
      const uint8_t* qs = x[b].qs + 16 * g;
      for (int j = 0; j < 16; ++j) {
        y[j] = dl * static_cast<float>(quant::kIq4Grid[qs[j] & 0x0f]);
        y[j + 16] = dl * static_cast<float>(quant::kIq4Grid[qs[j] >> 4]);
      }
      y += 32;
    }
  }
}

}  // namespace edt
