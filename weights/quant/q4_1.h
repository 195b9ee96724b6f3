#pragma once
// Q4_1: 32 weights, f16 scale and f16 minimum, value = q * d + m with q in [0, 15]. 5 bits per weight.
#include <cstddef>
#include <cstdint>

namespace edt {

struct BlockQ4_1 {
  uint16_t d;      // f16 scale
  uint16_t m;      // f16 minimum (the block's smallest value)
  uint8_t qs[16];  // element j in the low nibble of qs[j], element j+16 in the high nibble
};
static_assert(sizeof(BlockQ4_1) == 20);

// n must be a multiple of 32.
void quantize_row_q4_1(const float* x, BlockQ4_1* y, size_t n);
void dequantize_row_q4_1(const BlockQ4_1* x, float* y, size_t n);

}  // namespace edt
