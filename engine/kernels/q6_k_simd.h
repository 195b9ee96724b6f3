#pragma once
// The Q6_K decode body over Q8_K activations, written once over Ops. Per super-block and row:
// Σ = dx·d·Σ_g sc_g·(Σ_{i∈g} q_i·x_i − 32·Σ_{i∈g} x_i), q the unsigned 6-bit code (value + 32), the sums of x
// being the activations' bsums. In each 128-half the four 32-element runs are rebuilt from ql's nibbles and qh's
// bit pairs as whole bytes; maddubs (q ≤ 63 × |x| ≤ 127: pairs ≤ 16,002) covers two groups of 16 per run.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/token_tiles.h"
#include "weights/quant/q6_k.h"

namespace edt::kernels {

// One row against kTok tokens (the multi-token form rebuilds each run's 6-bit codes once for all of them); per
// token the operations of kTok = 1, so every value is the one-token kernel's.
template <class Ops>
struct Q6KBody {
  template <int kRows, int kTok>
  static void group(const uint8_t* w, size_t /*row_bytes*/, const Activations* x, float* y, size_t y_stride,
                    size_t blocks) {
    static_assert(kRows == 1, "one row per pass");
    const __m256i m4 = _mm256_set1_epi8(0x0f), m30 = _mm256_set1_epi8(0x30);
    const auto* b = reinterpret_cast<const BlockQ6_K*>(w);
    __m256 acc[kTok];
    for (int t = 0; t < kTok; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const int8_t* sc = b[k].scales;
      const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sc)));
      __m256i sumi[kTok];
      for (int t = 0; t < kTok; ++t) sumi[t] = _mm256_setzero_si256();
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
          const __m256i scales = pair_scales(sc[g], sc[g + 1]);
          for (int t = 0; t < kTok; ++t) {
            const __m256i p = _mm256_maddubs_epi16(q[j], load32(x[t].q8_k[k].qs + 128 * h + 32 * j));
            sumi[t] = Ops::madd_acc(sumi[t], p, scales);
          }
        }
      }
      const float d = _cvtsh_ss(b[k].d);
      for (int t = 0; t < kTok; ++t) {
        const BlockQ8_K& q8 = x[t].q8_k[k];
        // 32 · Σ_g sc_g · bsums[g], as eight int32 lanes subtracted from the sums above.
        const __m256i offsets =
            _mm256_slli_epi32(_mm256_madd_epi16(sc16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8.bsums))), 5);
        const __m256i total = _mm256_sub_epi32(sumi[t], offsets);
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * d), _mm256_cvtepi32_ps(total), acc[t]);
      }
    }
    for (int t = 0; t < kTok; ++t) y[static_cast<size_t>(t) * y_stride] = avx2::hsum(acc[t]);
  }
};

template <class Ops>
void q6_k_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  rows_in_groups<Q6KBody<Ops>, 1, 1>(w, row_bytes, &x, y, 0, rows, n / kSuperBlock);
}

template <class Ops, int kMaxTok>
void q6_k_tokens_simd(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  tokens_in_passes<Q6KBody<Ops>, 1, kMaxTok>(w, row_bytes, x, tokens, y, y_stride, rows, n / kSuperBlock);
}

}  // namespace edt::kernels
