// Q4_K decode at AVX2: the body of q4_k_simd.h with madd + add.
#include "engine/kernels/q4_k_simd.h"

namespace edt::kernels {

void q4_k_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  q4_k_rows_simd<Avx2Ops>(w, row_bytes, x, y, rows, n);
}

void q4_k_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  q4_k_tokens_simd<Avx2Ops, 4>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels

namespace edt::kernels {

// Bit-identical to the reference: (d·sc)·q − dmin·m per group of 32, the group factors formed in float first.
void dequantize_q4_k_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ4_K*>(src);
  const __m256i m4 = _mm256_set1_epi8(0x0f);
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = _cvtsh_ss(x[b].d), dmin = _cvtsh_ss(x[b].dmin);
    const KScales ks = unpack_k_scales(x[b].scales);
    for (int c = 0; c < 4; ++c, y += 64) {
      const __m256i q = load32(x[b].qs + 32 * c);
      store_scaled_bytes(_mm256_and_si256(q, m4), _mm256_set1_ps(d * static_cast<float>(ks.scale[2 * c])),
                         _mm256_set1_ps(dmin * static_cast<float>((ks.min >> (16 * c)) & 0xff)), y);
      store_scaled_bytes(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
                         _mm256_set1_ps(d * static_cast<float>(ks.scale[2 * c + 1])),
                         _mm256_set1_ps(dmin * static_cast<float>((ks.min >> (16 * c + 8)) & 0xff)), y + 32);
    }
  }
}

}  // namespace edt::kernels
