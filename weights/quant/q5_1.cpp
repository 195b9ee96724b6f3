#include "weights/quant/q5_1.h"

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cstring>

#include "weights/half.h"

namespace edt {

void quantize_row_q5_1(const float* x, BlockQ5_1* y, size_t n) {
  assert(n % 32 == 0);
  for (size_t b = 0; b < n / 32; ++b) {
    const float* xb = x + b * 32;
    float min = FLT_MAX, max = -FLT_MAX;
    for (size_t j = 0; j < 32; ++j) {
      min = std::min(min, xb[j]);
      max = std::max(max, xb[j]);
    }
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = f32_to_f16(d);
    y[b].m = f32_to_f16(min);
    uint32_t qh = 0;
    for (size_t j = 0; j < 16; ++j) {
      // (x - min) * id is at most 31 (+ rounding), so +0.5 and truncation stays within 5 bits.
      const uint32_t q0 = static_cast<uint8_t>((xb[j] - min) * id + 0.5f);
      const uint32_t q1 = static_cast<uint8_t>((xb[j + 16] - min) * id + 0.5f);
      y[b].qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= ((q0 >> 4) & 1u) << j;
      qh |= ((q1 >> 4) & 1u) << (j + 16);
    }
    std::memcpy(y[b].qh, &qh, 4);
  }
}

void dequantize_row_q5_1(const BlockQ5_1* x, float* y, size_t n) {
  for (size_t b = 0; b < n / 32; ++b) {
    const float d = f16_to_f32(x[b].d), m = f16_to_f32(x[b].m);
    uint32_t qh;
    std::memcpy(&qh, x[b].qh, 4);
    for (size_t j = 0; j < 16; ++j) {
      const uint32_t q0 = (x[b].qs[j] & 0x0fu) | (((qh >> j) & 1u) << 4);
      const uint32_t q1 = (x[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4);
      y[b * 32 + j] = static_cast<float>(q0) * d + m;
      y[b * 32 + j + 16] = static_cast<float>(q1) * d + m;
    }
  }
}

}  // namespace edt
