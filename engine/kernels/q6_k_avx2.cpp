// Q6_K decode at AVX2: the body of q6_k_simd.h with madd + add.
#include "engine/kernels/q6_k_simd.h"

namespace edt::kernels {

void q6_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  q6_k_rows_simd<Avx2Ops>(w, row_bytes, x, y, rows, n);
}

void q6_k_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  q6_k_tokens_simd<Avx2Ops, 4>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels

namespace edt::kernels {

// Bit-identical to the reference: (d·sc_g)·(q − 32) per group of 16, the factor formed in float first. Each run of
// 32 covers two groups: the two factors sit in the 128-bit halves used for elements 0-15 and 16-31.
void dequantize_q6_k_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ6_K*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30), bias = _mm256_set1_epi8(32);
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = _cvtsh_ss(x[b].d);
    const int8_t* sc = x[b].scales;
    for (int h = 0; h < 2; ++h, y += 128) {
      const __m256i ql0 = load32(x[b].ql + 64 * h), ql1 = load32(x[b].ql + 64 * h + 32), qh = load32(x[b].qh + 32 * h);
      __m256i q[4];
      q[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30));
      q[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
      q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30));
      q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
      for (int j = 0; j < 4; ++j) {
        const int g = 8 * h + 2 * j;
        const __m256i v = _mm256_sub_epi8(q[j], bias);  // q − 32 in [-32, 31]
        const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
        const __m256 f0 = _mm256_set1_ps(d * static_cast<float>(sc[g])), f1 = _mm256_set1_ps(d * static_cast<float>(sc[g + 1]));
        float* yj = y + 32 * j;
        _mm256_storeu_ps(yj, _mm256_mul_ps(f0, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo))));
        _mm256_storeu_ps(yj + 8, _mm256_mul_ps(f0, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)))));
        _mm256_storeu_ps(yj + 16, _mm256_mul_ps(f1, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi))));
        _mm256_storeu_ps(yj + 24, _mm256_mul_ps(f1, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)))));
      }
    }
  }
}

}  // namespace edt::kernels
