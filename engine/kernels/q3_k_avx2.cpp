// Q3_K decode at AVX2: the body of q3_k_simd.h with madd + add.
#include "engine/kernels/q3_k_simd.h"

namespace edt::kernels {

void q3_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  q3_k_rows_simd<Avx2Ops>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels

namespace edt::kernels {

// Bit-identical to the reference: (d·s_g)·level per group of 16, the factor formed in float first.
void dequantize_q3_k_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ3_K*>(src);
  const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1), four = _mm256_set1_epi8(4);
  const __m256 zero = _mm256_setzero_ps();
  for (size_t b = 0; b < n / kSuperBlock; ++b, y += kSuperBlock) {
    const float d = _cvtsh_ss(x[b].d);
    alignas(16) int8_t s[16];
    unpack_q3_k_scales(x[b].scales, s);
    __m256i hm = load32(x[b].hmask);  // shifted right by one per run
    for (int h = 0; h < 2; ++h) {
      __m256i q = load32(x[b].qs + 32 * h);  // shifted right by two per run
      for (int j = 0; j < 4; ++j, q = _mm256_srli_epi16(q, 2), hm = _mm256_srli_epi16(hm, 1)) {
        const __m256i u = _mm256_or_si256(_mm256_and_si256(q, three), _mm256_slli_epi16(_mm256_and_si256(hm, one), 2));
        const int g = 8 * h + 2 * j;
        store_scaled_bytes2(_mm256_sub_epi8(u, four), _mm256_set1_ps(d * static_cast<float>(s[g])), zero,
                            _mm256_set1_ps(d * static_cast<float>(s[g + 1])), zero, y + 128 * h + 32 * j);
      }
    }
  }
}

}  // namespace edt::kernels
