#pragma once
// The Q2_K decode body over Q8_K activations, written once over Ops. Per super-block:
// Σ = dx·(d·Σ_g sc_g·Σ_{i∈g} q_i·x_i − dmin·Σ_g m_g·Σ_{i∈g} x_i), with 4-bit scale sc_g and minimum m_g. In each
// 128-half, run j (32 elements) is bits 2j of qs.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q2_k.h"

namespace edt::kernels {

template <class Ops>
void q2_k_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kSuperBlock;
  const __m256i three = _mm256_set1_epi8(3);
  for (size_t r = 0; r < rows; ++r) {
    const auto* b = reinterpret_cast<const BlockQ2_K*>(w + r * row_bytes);
    __m256 acc = _mm256_setzero_ps();
    float acc_min = 0;
    for (size_t k = 0; k < blocks; ++k) {
      const BlockQ8_K& q8 = x.q8_k[k];
      const uint8_t* sc = b[k].scales;
      // Σ_g m_g · bsums[g]: the minimums are the scale bytes' high nibbles.
      const __m128i sc_bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sc));
      const __m256i mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sc_bytes, 4), _mm_set1_epi8(0x0f)));
      const int min_sum = hsum_i32(_mm256_madd_epi16(mins, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8.bsums))));
      __m256i sumi = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        __m256i q = load32(b[k].qs + 32 * h);  // shifted right by two per run
        for (int j = 0; j < 4; ++j, q = _mm256_srli_epi16(q, 2)) {
          const __m256i u = _mm256_and_si256(q, three);
          const int g = 8 * h + 2 * j;
          sumi = Ops::madd_acc(sumi, _mm256_maddubs_epi16(u, load32(q8.qs + 128 * h + 32 * j)),
                               pair_scales(sc[g] & 0x0f, sc[g + 1] & 0x0f));
        }
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * _cvtsh_ss(b[k].d)), _mm256_cvtepi32_ps(sumi), acc);
      acc_min += q8.d * _cvtsh_ss(b[k].dmin) * static_cast<float>(min_sum);
    }
    y[r] = avx2::hsum(acc) - acc_min;
  }
}

}  // namespace edt::kernels
