#include "weights/quant/iq4_nl.h"

#include <cassert>

#include "weights/half.h"
#include "weights/quant/iq4_grid.h"

namespace edt {

void quantize_row_iq4_nl(const float* x, BlockIQ4_NL* y, size_t n) {
  assert(n % 32 == 0);
  uint8_t L[32];  // (32) grid indices
  for (size_t b = 0; b < n / 32; ++b, x += 32) {
    float scale;
    quant::iq4_fit_groups(x, 1, L, &scale, 7);
    y[b].d = f32_to_f16(scale);
    // Place the values again with the chosen f32 scale (the search only kept the scale).
    const float id = scale != 0.0f ? 1.0f / scale : 0.0f;
    for (int j = 0; j < 32; ++j) L[j] = static_cast<uint8_t>(quant::iq4_nearest_level(id * x[j]));
    for (int j = 0; j < 16; ++j) y[b].qs[j] = static_cast<uint8_t>(L[j] | (L[j + 16] << 4));
  }
}

void dequantize_row_iq4_nl(const BlockIQ4_NL* x, float* y, size_t n) {
  for (size_t b = 0; b < n / 32; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (int j = 0; j < 16; ++j) {
      y[b * 32 + j] = d * static_cast<float>(quant::kIq4Grid[x[b].qs[j] & 0x0f]);
      y[b * 32 + j + 16] = d * static_cast<float>(quant::kIq4Grid[x[b].qs[j] >> 4]);
    }
  }
}

}  // namespace edt
