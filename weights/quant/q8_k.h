#pragma once
// Q8_K: the activation format the K-quant dot products multiply with (never a weight type in files): 256 int8
// values, one f32 scale, and the sum of each 16 values so the K types' minimum terms cost one multiply per group.
#include <cstddef>
#include <cstdint>

#include "weights/quant/q6_k.h"

namespace edt {

struct BlockQ8_K {
  float d;             // f32 scale, value = qs[j] * d
  int8_t qs[256];      // values in [-127, 127] (the largest magnitude maps to -127 with its sign flipped in d)
  int16_t bsums[16];   // sum of qs[16g .. 16g + 15]
};
static_assert(sizeof(BlockQ8_K) == 292);

// n must be a multiple of 256.
void quantize_row_q8_k(const float* x, BlockQ8_K* y, size_t n);
void dequantize_row_q8_k(const BlockQ8_K* x, float* y, size_t n);

}  // namespace edt
