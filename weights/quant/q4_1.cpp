#include "weights/quant/q4_1.h"

#include <algorithm>
#include <cassert>
#include <cfloat>

#include "weights/half.h"

namespace edt {

void quantize_row_q4_1(const float* x, BlockQ4_1* y, size_t n) {
  assert(n % 32 == 0);
  for (size_t b = 0; b < n / 32; ++b) {
    const float* xb = x + b * 32;
    float min = FLT_MAX, max = -FLT_MAX;
    for (size_t j = 0; j < 32; ++j) {
      min = std::min(min, xb[j]);
      max = std::max(max, xb[j]);
    }
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    for (size_t j = 0; j < 16; ++j) {
      // Offset from the f32 minimum, truncated after +0.5: the deterministic rule the reference files follow.
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>((xb[j] - min) * id + 0.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>((xb[j + 16] - min) * id + 0.5f)));
      y[b].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void dequantize_row_q4_1(const BlockQ4_1* x, float* y, size_t n) {
  for (size_t b = 0; b < n / 32; ++b) {
    const float d = f16_to_f32(x[b].d), m = f16_to_f32(x[b].m);
    for (size_t j = 0; j < 16; ++j) {
      y[b * 32 + j] = static_cast<float>(x[b].qs[j] & 0x0f) * d + m;
      y[b * 32 + j + 16] = static_cast<float>(x[b].qs[j] >> 4) * d + m;
    }
  }
}

}  // namespace edt
