#pragma once
// Q4_K: 256-weight super-block of 8 groups of 32; 4-bit levels, value = d * sc_g * q - dmin * m_g with 6-bit group
// scales and minimums (weights/quant/k_scales.h), f16 d and dmin. 4.5 bits per weight.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q6_k.h"

namespace edt {

struct BlockQ4_K {
  uint16_t d;           // f16 scale of the group scales
  uint16_t dmin;        // f16 scale of the group minimums
  uint8_t scales[12];   // 6-bit scales and minimums, packed
  uint8_t qs[128];      // in each 64-chunk c, element l in the low nibble of qs[32c + l], element 32 + l in the high
};
static_assert(sizeof(BlockQ4_K) == 144);

// n must be a multiple of 256.
void quantize_row_q4_k(const float* x, BlockQ4_K* y, size_t n);
void dequantize_row_q4_k(const BlockQ4_K* x, float* y, size_t n);

}  // namespace edt
