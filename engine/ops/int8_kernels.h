#pragma once
// Integer dot products for quantized weights, as llama.cpp does them: the activation vector is quantized once per
// matrix-vector product to Q8_0 blocks (32 int8 and an f16 scale), then each weight block's int8 values (Q8_0) or
// nibbles (Q4_0) multiply it in integer arithmetic, one float multiply-add per block. Quantizing the activations is
// part of the contract: results match the float reference within the activations' rounding (about 0.4% of a
// block's largest value), which the tests state.
#include <cstddef>
#include <cstdint>

#include "engine/ops/dot_kernels.h"
#include "weights/quant_blocks.h"

namespace edt {

// One activation vector in the forms the integer kernels read, all views into one scratch buffer.
struct ActivationsQ8 {
  const BlockQ8_0* blocks = nullptr;   // (n/32) the values quantized to Q8_0
  const float* scales = nullptr;       // (n/32) each block's scale d as float, so kernels skip one f16 conversion
  // (n/32, 16) per block, for each pair of bytes j: 8·(q[2j] + q[2j+1]). A Q4_0 nibble is its value + 8, so the
  // AVX2 kernel multiplies the raw nibbles (unsigned × signed is what maddubs takes) and subtracts these.
  const int16_t* q4_offsets = nullptr;
};

// Bytes of scratch quantize_activations needs for n values (n a multiple of 32).
size_t activations_q8_bytes(size_t n);
// x (n floats) -> the views above, laid out in scratch (activations_q8_bytes(n) bytes).
ActivationsQ8 quantize_activations(const float* x, void* scratch, size_t n, Isa isa);
void quantize_row_q8_0_avx2(const float* x, BlockQ8_0* y, size_t n);

// y[r] = (row r of w) · x for r in [0, rows): rows of n/32 weight blocks, row_bytes apart. The AVX2 versions take
// four rows per pass (one activation load for four weight rows, the four sums reduced together).
using QuantRowsKernel = void (*)(const uint8_t* w, size_t row_bytes, const ActivationsQ8& x, float* y, size_t rows,
                                 size_t n);
// nullptr for types without an integer kernel.
QuantRowsKernel quant_rows_kernel(GgmlType type, Isa isa);

// One row, plain integer arithmetic on x.blocks only (the references).
float dot_q8_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n);
float dot_q4_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n);
void q8_0_rows_avx2(const uint8_t* w, size_t row_bytes, const ActivationsQ8& x, float* y, size_t rows, size_t n);
void q4_0_rows_avx2(const uint8_t* w, size_t row_bytes, const ActivationsQ8& x, float* y, size_t rows, size_t n);

}  // namespace edt
