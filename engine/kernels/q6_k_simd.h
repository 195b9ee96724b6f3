#pragma once
// The Q6_K decode body over Q8_K activations, written once over Ops. Per super-block and row:
// Σ = dx·d·Σ_g sc_g·(Σ_{i∈g} q_i·x_i − 32·Σ_{i∈g} x_i), q the unsigned 6-bit code (value + 32), the sums of x
// being the activations' bsums. In each 128-half the four 32-element runs are rebuilt from ql's nibbles and qh's
// bit pairs as whole bytes; maddubs (q ≤ 63 × |x| ≤ 127: pairs ≤ 16,002) covers two groups of 16 per run.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q6_k.h"

namespace edt::kernels {

template <class Ops>
void q6_k_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kSuperBlock;
  const __m256i m4 = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30);
  for (size_t r = 0; r < rows; ++r) {
    const auto* b = reinterpret_cast<const BlockQ6_K*>(w + r * row_bytes);
    __m256 acc = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const BlockQ8_K& q8 = x.q8_k[k];
      const int8_t* sc = b[k].scales;
      // 32 · Σ_g sc_g · bsums[g], as eight int32 lanes subtracted from the sums below.
      const __m256i offsets = _mm256_slli_epi32(
          _mm256_madd_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sc))),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8.bsums))), 5);
      __m256i sumi = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        const __m256i ql0 = load32(b[k].ql + 64 * h), ql1 = load32(b[k].ql + 64 * h + 32);
        const __m256i qh = load32(b[k].qh + 32 * h);
        __m256i q[4];
        q[0] = _mm256_or_si256(_mm256_and_si256(ql0, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30));
        q[1] = _mm256_or_si256(_mm256_and_si256(ql1, m4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30));
        q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), m4), _mm256_and_si256(qh, m30));
        q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), m4),
                               _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30));
        for (int j = 0; j < 4; ++j) {
          const int g = 8 * h + 2 * j;
          const __m256i p = _mm256_maddubs_epi16(q[j], load32(q8.qs + 128 * h + 32 * j));
          sumi = Ops::madd_acc(sumi, p, pair_scales(sc[g], sc[g + 1]));
        }
      }
      const __m256i total = _mm256_sub_epi32(sumi, offsets);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * _cvtsh_ss(b[k].d)), _mm256_cvtepi32_ps(total), acc);
    }
    y[r] = avx2::hsum(acc);
  }
}

}  // namespace edt::kernels
