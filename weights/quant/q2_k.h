#pragma once
// Q2_K: 256-weight super-block of 16 groups of 16; 2-bit levels, value = d * sc_g * q - dmin * m_g with 4-bit group
// scale sc_g and minimum m_g, f16 d and dmin. 2.625 bits per weight.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q6_k.h"

namespace edt {

struct BlockQ2_K {
  uint8_t scales[16];  // group g: scale in the low nibble, minimum in the high nibble
  uint8_t qs[64];      // in each 128-half, elements l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7 of qs[l]
  uint16_t d;          // f16 scale of the group scales
  uint16_t dmin;       // f16 scale of the group minimums
};
static_assert(sizeof(BlockQ2_K) == 84);

// n must be a multiple of 256.
void quantize_row_q2_k(const float* x, BlockQ2_K* y, size_t n);
void dequantize_row_q2_k(const BlockQ2_K* x, float* y, size_t n);

}  // namespace edt
