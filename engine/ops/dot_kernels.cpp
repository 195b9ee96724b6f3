// Reference dot kernels and run-time selection.
#include "engine/ops/dot_kernels.h"

#include <cstdint>

#include "weights/half.h"
#include "weights/quant_blocks.h"

namespace edt {

// The references accumulate in double so they are a trustworthy yardstick for the float SIMD versions.
float dot_f32_ref(const void* w, const float* x, size_t n) {
  const auto* a = static_cast<const float*>(w);
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * x[i];
  return static_cast<float>(s);
}

float dot_f16_ref(const void* w, const float* x, size_t n) {
  const auto* a = static_cast<const uint16_t*>(w);
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(f16_to_f32(a[i])) * x[i];
  return static_cast<float>(s);
}

float dot_bf16_ref(const void* w, const float* x, size_t n) {
  const auto* a = static_cast<const uint16_t*>(w);
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(bf16_to_f32(a[i])) * x[i];
  return static_cast<float>(s);
}

float dot_q8_0_ref(const void* w, const float* x, size_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(w);
  double s = 0;
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    double block = 0;
    for (size_t j = 0; j < kQuantBlock; ++j) block += static_cast<double>(b[k].qs[j]) * x[k * kQuantBlock + j];
    s += block * f16_to_f32(b[k].d);
  }
  return static_cast<float>(s);
}

float dot_q4_0_ref(const void* w, const float* x, size_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(w);
  double s = 0;
  for (size_t k = 0; k < n / kQuantBlock; ++k) {
    double block = 0;
    const float* xb = x + k * kQuantBlock;
    for (size_t j = 0; j < kQuantBlock / 2; ++j) {
      block += static_cast<double>((b[k].qs[j] & 0x0f) - 8) * xb[j];
      block += static_cast<double>((b[k].qs[j] >> 4) - 8) * xb[j + 16];
    }
    s += block * f16_to_f32(b[k].d);
  }
  return static_cast<float>(s);
}

void axpy_f32_ref(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

AxpyKernel axpy_kernel(Isa isa) { return isa >= Isa::Avx2 ? axpy_f32_avx2 : axpy_f32_ref; }

DotKernel dot_kernel(GgmlType type, Isa isa) {
  const bool avx2 = isa >= Isa::Avx2;
  switch (type) {
    case GgmlType::F32: return avx2 ? dot_f32_avx2 : dot_f32_ref;
    case GgmlType::F16: return avx2 ? dot_f16_avx2 : dot_f16_ref;
    case GgmlType::BF16: return avx2 ? dot_bf16_avx2 : dot_bf16_ref;
    case GgmlType::Q8_0: return avx2 ? dot_q8_0_avx2 : dot_q8_0_ref;
    case GgmlType::Q4_0: return avx2 ? dot_q4_0_avx2 : dot_q4_0_ref;
    default: return nullptr;
  }
}

namespace {

template <DotKernel kRowDot>
void dot_rows_ref(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) y[r] = kRowDot(w + r * row_bytes, x, n);
}

}  // namespace

DotRowsKernel dot_rows_kernel(GgmlType type, Isa isa) {
  const bool avx2 = isa >= Isa::Avx2;
  switch (type) {
    case GgmlType::F32: return avx2 ? dot_rows_f32_avx2 : dot_rows_ref<dot_f32_ref>;
    case GgmlType::F16: return avx2 ? dot_rows_f16_avx2 : dot_rows_ref<dot_f16_ref>;
    case GgmlType::BF16: return avx2 ? dot_rows_bf16_avx2 : dot_rows_ref<dot_bf16_ref>;
    // Q8_0 / Q4_0 weights go through the integer kernels (int8_kernels.h); these float ones are references.
    case GgmlType::Q8_0: return avx2 ? dot_rows_ref<dot_q8_0_avx2> : dot_rows_ref<dot_q8_0_ref>;
    case GgmlType::Q4_0: return avx2 ? dot_rows_ref<dot_q4_0_avx2> : dot_rows_ref<dot_q4_0_ref>;
    default: return nullptr;
  }
}

}  // namespace edt
