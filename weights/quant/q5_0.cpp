#include "weights/quant/q5_0.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "weights/half.h"

namespace edt {

void quantize_row_q5_0(const float* x, BlockQ5_0* y, size_t n) {
  assert(n % 32 == 0);
  for (size_t b = 0; b < n / 32; ++b) {
    const float* xb = x + b * 32;
    // As Q4_0: the value of largest magnitude, with its sign, maps to -16.
    float amax = 0.0f, max = 0.0f;
    for (size_t j = 0; j < 32; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    uint32_t qh = 0;
    for (size_t j = 0; j < 16; ++j) {
      const uint32_t q0 = static_cast<uint32_t>(std::min(31, static_cast<int>(static_cast<int8_t>(xb[j] * id + 16.5f))));
      const uint32_t q1 =
          static_cast<uint32_t>(std::min(31, static_cast<int>(static_cast<int8_t>(xb[j + 16] * id + 16.5f))));
      y[b].qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= ((q0 >> 4) & 1u) << j;
      qh |= ((q1 >> 4) & 1u) << (j + 16);
    }
    std::memcpy(y[b].qh, &qh, 4);
  }
}

void dequantize_row_q5_0(const BlockQ5_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / 32; ++b) {
    const float d = f16_to_f32(x[b].d);
    uint32_t qh;
    std::memcpy(&qh, x[b].qh, 4);
    for (size_t j = 0; j < 16; ++j) {
      const int q0 = static_cast<int>((x[b].qs[j] & 0x0f) | (((qh >> j) & 1u) << 4)) - 16;
      const int q1 = static_cast<int>((x[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - 16;
      y[b * 32 + j] = static_cast<float>(q0) * d;
      y[b * 32 + j + 16] = static_cast<float>(q1) * d;
    }
  }
}

}  // namespace edt
