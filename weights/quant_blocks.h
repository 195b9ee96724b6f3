#pragma once
// GGUF's Q8_0 and Q4_0 block layouts (bit-compatible with llama.cpp's files) and the reference conversions
// between them and float32. Rows are whole numbers of 32-element blocks.
#include <cstddef>
#include <cstdint>

#include "weights/tensor_type.h"

namespace edt {

inline constexpr size_t kQuantBlock = 32;  // elements per Q8_0 / Q4_0 block

struct BlockQ8_0 {
  uint16_t d;      // f16 scale
  int8_t qs[32];   // value = qs[j] * d
};
static_assert(sizeof(BlockQ8_0) == 34);

struct BlockQ4_0 {
  uint16_t d;      // f16 scale
  uint8_t qs[16];  // element j in the low nibble of qs[j], element j+16 in the high nibble; value = (q - 8) * d
};
static_assert(sizeof(BlockQ4_0) == 18);

// n must be a multiple of 32.
void quantize_row_q8_0(const float* x, BlockQ8_0* y, size_t n);
void quantize_row_q4_0(const float* x, BlockQ4_0* y, size_t n);
void dequantize_row_q8_0(const BlockQ8_0* x, float* y, size_t n);
void dequantize_row_q4_0(const BlockQ4_0* x, float* y, size_t n);

// Any computable type (F32, F16, BF16, Q8_0, Q4_0) -> float32, n elements of one row.
void dequantize_row(GgmlType type, const void* src, float* dst, size_t n);
// float32 -> any computable type; dst holds ggml_row_bytes(type, n) bytes.
void quantize_row(GgmlType type, const float* src, void* dst, size_t n);

}  // namespace edt
