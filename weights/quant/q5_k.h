#pragma once
// Q5_K: as Q4_K with a fifth bit per level (value = d * sc_g * q - dmin * m_g, q in [0, 31]). 5.5 bits per weight.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q6_k.h"

namespace edt {

struct BlockQ5_K {
  uint16_t d;          // f16 scale of the group scales
  uint16_t dmin;       // f16 scale of the group minimums
  uint8_t scales[12];  // 6-bit scales and minimums, packed as Q4_K's
  uint8_t qh[32];      // fifth bits: element 64c + l in bit 2c of qh[l], element 64c + 32 + l in bit 2c + 1
  uint8_t qs[128];     // low 4 bits, nibbles as in Q4_K
};
static_assert(sizeof(BlockQ5_K) == 176);

// n must be a multiple of 256.
void quantize_row_q5_k(const float* x, BlockQ5_K* y, size_t n);
void dequantize_row_q5_k(const BlockQ5_K* x, float* y, size_t n);

}  // namespace edt
