#pragma once
// Q5_0: 32 weights, one f16 scale, value = (q - 16) * d with 5-bit q: four low bits in nibbles as in Q4_0, the fifth
// bit of element j in bit j of the 32-bit qh. 5.5 bits per weight.
#include <cstddef>
#include <cstdint>

namespace edt {

struct BlockQ5_0 {
  uint16_t d;      // f16 scale
  uint8_t qh[4];   // little-endian uint32: bit j = high bit of element j
  uint8_t qs[16];  // low 4 bits: element j in the low nibble of qs[j], element j+16 in the high nibble
};
static_assert(sizeof(BlockQ5_0) == 22);

// n must be a multiple of 32.
void quantize_row_q5_0(const float* x, BlockQ5_0* y, size_t n);
void dequantize_row_q5_0(const BlockQ5_0* x, float* y, size_t n);

}  // namespace edt
