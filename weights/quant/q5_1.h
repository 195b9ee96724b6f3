#pragma once
// Q5_1: 32 weights, f16 scale and f16 minimum, value = q * d + m with 5-bit q (fifth bits in qh as in Q5_0).
// 6 bits per weight.
#include <cstddef>
#include <cstdint>

namespace edt {

struct BlockQ5_1 {
  uint16_t d;      // f16 scale
  uint16_t m;      // f16 minimum
  uint8_t qh[4];   // little-endian uint32: bit j = high bit of element j
  uint8_t qs[16];  // low 4 bits, nibbles as in Q4_1
};
static_assert(sizeof(BlockQ5_1) == 24);

// n must be a multiple of 32.
void quantize_row_q5_1(const float* x, BlockQ5_1* y, size_t n);
void dequantize_row_q5_1(const BlockQ5_1* x, float* y, size_t n);

}  // namespace edt
