// Q2_K decode at AVX2: the body of q2_k_simd.h with madd + add.
#include "engine/kernels/q2_k_simd.h"

namespace edt::kernels {

void q2_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  q2_k_rows_simd<Avx2Ops>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels

namespace edt::kernels {

// Bit-identical to the reference: (d·sc_g)·q − dmin·m_g per group of 16, the factors formed in float first.
void dequantize_q2_k_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ2_K*>(src);
  const __m256i three = _mm256_set1_epi8(3);
  for (size_t b = 0; b < n / kSuperBlock; ++b, y += kSuperBlock) {
    const float d = _cvtsh_ss(x[b].d), dmin = _cvtsh_ss(x[b].dmin);
    const uint8_t* sc = x[b].scales;
    for (int h = 0; h < 2; ++h) {
      __m256i q = load32(x[b].qs + 32 * h);  // shifted right by two per run
      for (int j = 0; j < 4; ++j, q = _mm256_srli_epi16(q, 2)) {
        const int g = 8 * h + 2 * j;
        store_scaled_bytes2(_mm256_and_si256(q, three), _mm256_set1_ps(d * static_cast<float>(sc[g] & 0x0f)),
                            _mm256_set1_ps(dmin * static_cast<float>(sc[g] >> 4)),
                            _mm256_set1_ps(d * static_cast<float>(sc[g + 1] & 0x0f)),
                            _mm256_set1_ps(dmin * static_cast<float>(sc[g + 1] >> 4)), y + 128 * h + 32 * j);
      }
    }
  }
}

}  // namespace edt::kernels
