// Q5_K decode at AVX2: the body of q5_k_simd.h with madd + add.
#include "engine/kernels/q5_k_simd.h"

namespace edt::kernels {

void q5_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  q5_k_rows_simd<Avx2Ops>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels

namespace edt::kernels {

// Bit-identical to the reference: (d·sc)·(q + 16·h) − dmin·m per group of 32.
void dequantize_q5_k_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ5_K*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = _cvtsh_ss(x[b].d), dmin = _cvtsh_ss(x[b].dmin);
    const KScales ks = unpack_k_scales(x[b].scales);
    const __m256i qh = load32(x[b].qh);
    for (int c = 0; c < 4; ++c, y += 64) {
      const __m256i q = load32(x[b].qs + 32 * c);
      const __m256i h_lo = _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * c)), one), 4);
      const __m256i h_hi = _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * c + 1)), one), 4);
      store_scaled_bytes(_mm256_or_si256(_mm256_and_si256(q, m4), h_lo),
                         _mm256_set1_ps(d * static_cast<float>(ks.scale[2 * c])),
                         _mm256_set1_ps(dmin * static_cast<float>((ks.min >> (16 * c)) & 0xff)), y);
      store_scaled_bytes(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h_hi),
                         _mm256_set1_ps(d * static_cast<float>(ks.scale[2 * c + 1])),
                         _mm256_set1_ps(dmin * static_cast<float>((ks.min >> (16 * c + 8)) & 0xff)), y + 32);
    }
  }
}

}  // namespace edt::kernels
