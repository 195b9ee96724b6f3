#pragma once
// Weight rows to float32 for the batched (GEMM) path, which converts 128-row blocks of a non-F32 matrix per call:
// the scalar conversions in weights/ are references; these are the AVX2 versions, with bit-identical results
// (F16 by F16C, BF16 by a shift, Q8_0 / Q4_0 as q · d in float, as the references do).
#include <cstddef>

#include "engine/ops/dot_kernels.h"
#include "weights/tensor_type.h"

namespace edt {

// n elements of one row of a computable type (F32, F16, BF16, Q8_0, Q4_0) -> float32.
void dequantize_row_avx2(GgmlType type, const void* src, float* dst, size_t n);
// The AVX2 version when isa says so, else the reference (weights/quant_blocks.h).
void dequantize_row_for(Isa isa, GgmlType type, const void* src, float* dst, size_t n);

}  // namespace edt
