#pragma once
// IQ4_XS: 256-weight super-block of 8 groups of 32 on the IQ4 grid, value = d * (ls_g - 32) * grid[q] with a 6-bit
// group scale ls_g and one f16 d. 4.25 bits per weight.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q6_k.h"

namespace edt {

struct BlockIQ4_XS {
  uint16_t d;          // f16 super-block scale
  uint16_t scales_h;   // top 2 bits of group g's scale in bits 2g, 2g+1
  uint8_t scales_l[4]; // low 4 bits of group g's scale in nibble g%2 of byte g/2
  uint8_t qs[128];     // group g: element j in the low nibble of qs[16g + j], element j+16 in the high nibble
};
static_assert(sizeof(BlockIQ4_XS) == 136);

// n must be a multiple of 256. No importance matrix: each element is weighted by its square.
void quantize_row_iq4_xs(const float* x, BlockIQ4_XS* y, size_t n);
void dequantize_row_iq4_xs(const BlockIQ4_XS* x, float* y, size_t n);

}  // namespace edt
