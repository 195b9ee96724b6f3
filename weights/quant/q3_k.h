#pragma once
// Q3_K: 256-weight super-block of 16 groups of 16; 3-bit levels (value = d * (scale_g - 32) * (q - 4)), 6-bit group
// scales and one f16 scale. 3.4375 bits per weight.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q6_k.h"

namespace edt {

struct BlockQ3_K {
  uint8_t hmask[32];   // third bit of each level: element 32*k + l in bit k of hmask[l]; a SET bit means q >= 4
  uint8_t qs[64];      // low 2 bits: in each 128-half, elements l, l+32, l+64, l+96 in bits 0-1, 2-3, 4-5, 6-7 of qs[l]
  uint8_t scales[12];  // 16 6-bit scales: low 4 bits of scale g in bytes 0-7 (g < 8 low nibble, else byte g-8's
                       // high nibble), high 2 bits of scale g in bits 2*(g/4) of byte 8 + g%4
  uint16_t d;          // f16 super-block scale
};
static_assert(sizeof(BlockQ3_K) == 110);

// The signed 6-bit scale (-32..31) of group g (0..15).
int q3_k_group_scale(const uint8_t* scales, int g);

// n must be a multiple of 256.
void quantize_row_q3_k(const float* x, BlockQ3_K* y, size_t n);
void dequantize_row_q3_k(const BlockQ3_K* x, float* y, size_t n);

}  // namespace edt
