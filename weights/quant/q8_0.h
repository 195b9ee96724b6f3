#pragma once
// Q8_0: 32 weights, one f16 scale, value = q * d with q in [-127, 127]. 8.5 bits per weight.
#include <cstddef>
#include <cstdint>

namespace edt {

inline constexpr size_t kQuantBlock = 32;  // elements per block of the legacy types (Q4_0 .. Q8_0, IQ4_NL)

struct BlockQ8_0 {
  uint16_t d;     // f16 scale
  int8_t qs[32];  // value = qs[j] * d
};
static_assert(sizeof(BlockQ8_0) == 34);

// n must be a multiple of 32.
void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n);
void dequantize_row_q8_0(const BlockQ8_0* x, float* y, size_t n);

}  // namespace edt
