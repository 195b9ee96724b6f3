// F32, F16 and BF16: one row each, sharing one SIMD body per level over a per-type element loader
// (float_types_avx2.cpp, float_types_avx512.cpp). They multiply the f32 activations directly.
#include <cstring>

#include "engine/kernels/row_helpers.h"
#include "weights/half.h"
#include "weights/quant/quant_types.h"

namespace edt::kernels {

void dot_rows_f32_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dot_rows_f16_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dot_rows_bf16_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dot_rows_f32_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dot_rows_f16_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dot_rows_bf16_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n);
void dequantize_f16_avx2(const void* src, float* dst, size_t n);
void dequantize_bf16_avx2(const void* src, float* dst, size_t n);
void dequantize_f16_avx512(const void* src, float* dst, size_t n);
void dequantize_bf16_avx512(const void* src, float* dst, size_t n);
extern const TypeKernels kF32x16Kernels, kF16x16Kernels, kBf16x16Kernels;

namespace {

void copy_f32(const void* src, float* dst, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void dequantize_f16(const void* src, float* dst, size_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
}
void dequantize_bf16(const void* src, float* dst, size_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
}

}  // namespace

// Float sums in a different order than the double reference: 1e-5 of Σ|w·x| covers any order at these lengths.
extern const TypeKernels kF32Kernels{
    GgmlType::F32, ActFormat::F32,
    {reference_rows<copy_f32, ActFormat::F32>, dot_rows_f32_avx2, dot_rows_f32_avx512},
    {copy_f32, nullptr, nullptr}, 1e-5,
    {}, {},
    // Repacked from AVX-512 up (float_x16.cpp), as are F16 and BF16.
    {nullptr, nullptr, &kF32x16Kernels}};
extern const TypeKernels kF16Kernels{
    GgmlType::F16, ActFormat::F32,
    {reference_rows<dequantize_f16, ActFormat::F32>, dot_rows_f16_avx2, dot_rows_f16_avx512},
    {dequantize_f16, dequantize_f16_avx2, dequantize_f16_avx512}, 1e-5,
    {}, {},
    {nullptr, nullptr, &kF16x16Kernels}};
extern const TypeKernels kBf16Kernels{
    GgmlType::BF16, ActFormat::F32,
    {reference_rows<dequantize_bf16, ActFormat::F32>, dot_rows_bf16_avx2, dot_rows_bf16_avx512},
    {dequantize_bf16, dequantize_bf16_avx2, dequantize_bf16_avx512}, 1e-5,
    {}, {},
    {nullptr, nullptr, &kBf16x16Kernels}};

}  // namespace edt::kernels
