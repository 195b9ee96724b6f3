#pragma once
// Integer dot products for quantized weights, as llama.cpp does them: the activation vector is quantized once per
// matrix-vector product to Q8_0 blocks (32 int8 and an f16 scale), then each weight block's int8 values (Q8_0) or
// nibbles (Q4_0) multiply it in integer arithmetic, one float multiply-add per block. Quantizing the activations is
// part of the contract: results match the float reference within the activations' rounding (about 0.4% of a
// block's largest value), which the tests state.
#include <cstddef>

#include "engine/ops/dot_kernels.h"
#include "weights/quant_blocks.h"

namespace edt {

// w: a row of n/32 weight blocks; xq: the activations as n/32 Q8_0 blocks.
using QuantDotKernel = float (*)(const void* w, const BlockQ8_0* xq, size_t n);

float dot_q8_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n);
float dot_q4_0_q8_0_ref(const void* w, const BlockQ8_0* xq, size_t n);
float dot_q8_0_q8_0_avx2(const void* w, const BlockQ8_0* xq, size_t n);
float dot_q4_0_q8_0_avx2(const void* w, const BlockQ8_0* xq, size_t n);

// nullptr for types without an integer kernel.
QuantDotKernel quant_dot_kernel(GgmlType type, Isa isa);

// x (n floats) -> n/32 Q8_0 blocks.
void quantize_activations_q8_0(const float* x, BlockQ8_0* y, size_t n, Isa isa);
void quantize_row_q8_0_avx2(const float* x, BlockQ8_0* y, size_t n);

}  // namespace edt
