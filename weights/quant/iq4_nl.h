#pragma once
// IQ4_NL: 32 weights on the non-linear grid (weights/quant/iq4_grid.h), value = d * grid[q], one f16 scale.
// 4.5 bits per weight, like Q4_0, but lower error on bell-shaped weights.
#include <cstddef>
#include <cstdint>

namespace edt {

struct BlockIQ4_NL {
  uint16_t d;      // f16 scale
  uint8_t qs[16];  // grid indices: element j in the low nibble of qs[j], element j+16 in the high nibble
};
static_assert(sizeof(BlockIQ4_NL) == 18);

// n must be a multiple of 32. No importance matrix: each element is weighted by its square.
void quantize_row_iq4_nl(const float* x, BlockIQ4_NL* y, size_t n);
void dequantize_row_iq4_nl(const BlockIQ4_NL* x, float* y, size_t n);

}  // namespace edt
