#include <immintrin.h>

#include <cstring>

#include "engine/ops/dequant.h"
#include "weights/half.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

void f16_row(const uint16_t* h, float* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
  for (; i < n; ++i) y[i] = f16_to_f32(h[i]);
}

void bf16_row(const uint16_t* h, float* y, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i)));
    _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16)));
  }
  for (; i < n; ++i) y[i] = bf16_to_f32(h[i]);
}

void q8_0_row(const BlockQ8_0* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d));
    for (int j = 0; j < 32; j += 8) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].qs + j));
      _mm256_storeu_ps(y + b * kQuantBlock + j, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
  }
}

void q4_0_row(const BlockQ4_0* x, float* y, size_t n) {
  const __m128i low = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d));
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].qs));
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(packed, low), eight);                     // elements 0..15
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(packed, 4), low), eight);  // elements 16..31
    float* yb = y + b * kQuantBlock;
    _mm256_storeu_ps(yb, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d));
    _mm256_storeu_ps(yb + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d));
    _mm256_storeu_ps(yb + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d));
    _mm256_storeu_ps(yb + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d));
  }
}

}  // namespace

void dequantize_row_avx2(GgmlType type, const void* src, float* dst, size_t n) {
  switch (type) {
    case GgmlType::F16: f16_row(static_cast<const uint16_t*>(src), dst, n); return;
    case GgmlType::BF16: bf16_row(static_cast<const uint16_t*>(src), dst, n); return;
    case GgmlType::Q8_0: q8_0_row(static_cast<const BlockQ8_0*>(src), dst, n); return;
    case GgmlType::Q4_0: q4_0_row(static_cast<const BlockQ4_0*>(src), dst, n); return;
    default: dequantize_row(type, src, dst, n); return;  // F32: a copy
  }
}

}  // namespace edt
