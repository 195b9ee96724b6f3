#include "weights/quant/q4_0.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "weights/half.h"

namespace edt {

void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n) {
  assert(n % kQuantBlock == 0);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const float* xb = x + b * kQuantBlock;
    // The scale maps the value of largest magnitude (with its sign) to -8, so the full 16-level range is used.
    float amax = 0.0f, max = 0.0f;
    for (size_t j = 0; j < kQuantBlock; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      // Truncation after +8.5 (not rounding) is what the reference files were written with.
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(xb[j] * id + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>(xb[j + 16] * id + 8.5f)));
      y[b].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void dequantize_row_q4_0(const BlockQ4_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const float d = f16_to_f32(x[b].d);
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      y[b * kQuantBlock + j] = static_cast<float>((x[b].qs[j] & 0x0f) - 8) * d;
      y[b * kQuantBlock + j + 16] = static_cast<float>((x[b].qs[j] >> 4) - 8) * d;
    }
  }
}

}  // namespace edt
