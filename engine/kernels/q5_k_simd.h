#pragma once
// The Q5_K decode body over Q8_K activations, written once over Ops: Q4_K's (q4_k_simd.h) with each nibble's
// fifth bit from qh (element 64c + l: bit 2c of qh[l]; 64c + 32 + l: bit 2c + 1) put in bit 4 of its byte.
// q ≤ 31 × |x| ≤ 127: maddubs pairs ≤ 7,874.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/q4_k_simd.h"
#include "weights/quant/q5_k.h"

namespace edt::kernels {

template <class Ops>
void q5_k_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kSuperBlock;
  const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
  for (size_t r = 0; r < rows; ++r) {
    const auto* b = reinterpret_cast<const BlockQ5_K*>(w + r * row_bytes);
    __m256 acc = _mm256_setzero_ps();
    float acc_min = 0;
    for (size_t k = 0; k < blocks; ++k) {
      const BlockQ8_K& q8 = x.q8_k[k];
      const KScales ks = unpack_k_scales(b[k].scales);
      const uint8_t* sc = ks.scale;
      const int min_sum = k_min_sum(ks, q8.bsums);
      __m256i qh = load32(b[k].qh);  // shifted right by two per chunk: bits 0 and 1 are the current chunk's
      __m256i sumi = _mm256_setzero_si256();
      for (int c = 0; c < 4; ++c, qh = _mm256_srli_epi16(qh, 2)) {
        const __m256i q = load32(b[k].qs + 32 * c);
        // Bits 0 and 1 of each qh byte, moved to bit 4 (within the byte: the value is 0 or 1 before the shift).
        const __m256i h_lo = _mm256_slli_epi16(_mm256_and_si256(qh, one), 4);
        const __m256i h_hi = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 1), one), 4);
        const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, m4), h_lo);
        const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), m4), h_hi);
        sumi = Ops::madd_acc(sumi, _mm256_maddubs_epi16(lo, load32(q8.qs + 64 * c)), _mm256_set1_epi16(sc[2 * c]));
        sumi = Ops::madd_acc(sumi, _mm256_maddubs_epi16(hi, load32(q8.qs + 64 * c + 32)), _mm256_set1_epi16(sc[2 * c + 1]));
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * _cvtsh_ss(b[k].d)), _mm256_cvtepi32_ps(sumi), acc);
      acc_min += q8.d * _cvtsh_ss(b[k].dmin) * static_cast<float>(min_sum);
    }
    y[r] = avx2::hsum(acc) - acc_min;
  }
}

}  // namespace edt::kernels
