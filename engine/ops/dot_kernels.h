#pragma once
// Dot products of one weight row (in its storage type) with a float32 activation vector: the inner loop of every
// matrix-vector product. A scalar reference per type, and SIMD versions chosen once at run time by CPU feature.
#include <cstddef>
#include <cstdint>

#include "cpu/isa.h"
#include "weights/tensor_type.h"

namespace edt {

// w: one row of n elements in the weight's storage type; x: n floats. n is a multiple of 32 for Q8_0/Q4_0.
using DotKernel = float (*)(const void* w, const float* x, size_t n);

// The kernel for a weight type on the given ISA (Scalar always exists). nullptr for types that cannot compute.
DotKernel dot_kernel(GgmlType type, Isa isa);

// A block of a matrix-vector product: y[r] = (row r of w) · x for r in [0, rows), rows row_bytes apart. The SIMD
// versions take four rows per pass so each activation load feeds four weight rows and the four sums are reduced
// together; the references call the one-row reference per row.
using DotRowsKernel = void (*)(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n);
DotRowsKernel dot_rows_kernel(GgmlType type, Isa isa);
void dot_rows_f32_avx2(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n);
void dot_rows_f16_avx2(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n);
void dot_rows_bf16_avx2(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n);

// y[i] += a * x[i], for attention's weighted sum of values.
using AxpyKernel = void (*)(float a, const float* x, float* y, size_t n);
AxpyKernel axpy_kernel(Isa isa);
void axpy_f32_ref(float a, const float* x, float* y, size_t n);
void axpy_f32_avx2(float a, const float* x, float* y, size_t n);

// Reference kernels (also the Scalar entries).
float dot_f32_ref(const void* w, const float* x, size_t n);
float dot_f16_ref(const void* w, const float* x, size_t n);
float dot_bf16_ref(const void* w, const float* x, size_t n);
float dot_q8_0_ref(const void* w, const float* x, size_t n);
float dot_q4_0_ref(const void* w, const float* x, size_t n);

// AVX2 + FMA + F16C kernels (dot_kernels_avx2.cpp); call only when isa_supported(Isa::Avx2).
float dot_f32_avx2(const void* w, const float* x, size_t n);
float dot_f16_avx2(const void* w, const float* x, size_t n);
float dot_bf16_avx2(const void* w, const float* x, size_t n);
float dot_q8_0_avx2(const void* w, const float* x, size_t n);
float dot_q4_0_avx2(const void* w, const float* x, size_t n);

}  // namespace edt
