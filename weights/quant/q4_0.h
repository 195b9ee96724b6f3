#pragma once
// Q4_0: 32 weights, one f16 scale, value = (q - 8) * d with q in [0, 15]. 4.5 bits per weight.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q8_0.h"

namespace edt {

struct BlockQ4_0 {
  uint16_t d;      // f16 scale
  uint8_t qs[16];  // element j in the low nibble of qs[j], element j+16 in the high nibble; value = (q - 8) * d
};
static_assert(sizeof(BlockQ4_0) == 18);

// n must be a multiple of 32.
void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, size_t n);

}  // namespace edt
