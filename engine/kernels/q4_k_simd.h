#pragma once
// The Q4_K decode body over Q8_K activations, written once over Ops (engine/kernels/int8_ops.h). Per super-block
// and row: Σ = dx·(d·Σ_g sc_g·Σ_{i∈g} q_i·x_i − dmin·Σ_g m_g·Σ_{i∈g} x_i), the last sums being the activations'
// bsums. Each 32-byte chunk c of qs holds group 2c in its low nibbles and group 2c+1 in its high nibbles, against
// 64 consecutive activations; maddubs (nibble ≤ 15 × |x| ≤ 127: pairs ≤ 3,810) then the scale multiply into int32.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/token_tiles.h"
#include "weights/quant/q4_k.h"

namespace edt::kernels {

// The eight 6-bit scales and minimums of a Q4_K / Q5_K scale field (weights/quant/k_scales.h's layout), four
// groups per 32-bit word at once: groups 0-3 are the low 6 bits of bytes 0-3 (scales) and 4-7 (minimums); groups
// 4-7 take their low 4 bits from the nibbles of bytes 8-11 and their top 2 bits from bytes 0-3 / 4-7's top bits.
struct KScales {
  alignas(16) uint8_t scale[8];
  uint64_t min;  // the eight minimums, byte g = group g (kept in a register: see k_min_sum)
};
inline KScales unpack_k_scales(const uint8_t* q) {
  uint32_t a, b, c;
  __builtin_memcpy(&a, q, 4);
  __builtin_memcpy(&b, q + 4, 4);
  __builtin_memcpy(&c, q + 8, 4);
  const uint32_t scales[2] = {a & 0x3f3f3f3fu, (c & 0x0f0f0f0fu) | (((a >> 6) & 0x03030303u) << 4)};
  KScales k;
  __builtin_memcpy(k.scale, scales, 8);
  k.min = uint64_t{b & 0x3f3f3f3fu} | (uint64_t{((c >> 4) & 0x0f0f0f0fu) | (((b >> 6) & 0x03030303u) << 4)} << 32);
  return k;
}

// Σ_g min_g · (bsums[2g] + bsums[2g+1]) over the eight groups of 32. The minimums go to the vector unit from a
// general register, not through memory (bytes stored as words and reloaded as one vector stall store forwarding).
inline int k_min_sum(const KScales& k, const int16_t* bsums) {
  const __m128i b0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bsums));
  const __m128i b1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bsums + 8));
  const __m128i group_sums = _mm_hadd_epi16(b0, b1);  // (8) sums of 32 activations, |.| ≤ 4,064
  const __m128i mins = _mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(k.min)));
  __m128i p = _mm_madd_epi16(group_sums, mins);
  p = _mm_add_epi32(p, _mm_unpackhi_epi64(p, p));
  p = _mm_add_epi32(p, _mm_shuffle_epi32(p, 1));
  return _mm_cvtsi128_si32(p);
}

// One row against kTok tokens (the multi-token form unpacks each chunk's nibbles and the scales once for all of
// them); per token the operations of kTok = 1, so every value is the one-token kernel's.
template <class Ops>
struct Q4KBody {
  template <int kRows, int kTok>
  static void group(const uint8_t* w, size_t /*row_bytes*/, const Activations* x, float* y, size_t y_stride,
                    size_t blocks) {
    static_assert(kRows == 1, "one row per pass");
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    const auto* b = reinterpret_cast<const BlockQ4_K*>(w);
    __m256 acc[kTok];
    float acc_min[kTok];
    for (int t = 0; t < kTok; ++t) acc[t] = _mm256_setzero_ps(), acc_min[t] = 0;
    for (size_t k = 0; k < blocks; ++k) {
      const KScales ks = unpack_k_scales(b[k].scales);
      const uint8_t* sc = ks.scale;
      __m256i sumi[kTok];
      for (int t = 0; t < kTok; ++t) sumi[t] = _mm256_setzero_si256();
      for (int c = 0; c < 4; ++c) {
        const __m256i q = load32(b[k].qs + 32 * c);
        const __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        const __m256i s_lo = _mm256_set1_epi16(sc[2 * c]), s_hi = _mm256_set1_epi16(sc[2 * c + 1]);
        for (int t = 0; t < kTok; ++t) {
          const int8_t* xq = x[t].q8_k[k].qs;
          const __m256i p_lo = _mm256_maddubs_epi16(lo, load32(xq + 64 * c));
          const __m256i p_hi = _mm256_maddubs_epi16(hi, load32(xq + 64 * c + 32));
          sumi[t] = Ops::madd_acc(sumi[t], p_lo, s_lo);
          sumi[t] = Ops::madd_acc(sumi[t], p_hi, s_hi);
        }
      }
      const float d = _cvtsh_ss(b[k].d), dmin = _cvtsh_ss(b[k].dmin);
      for (int t = 0; t < kTok; ++t) {
        const BlockQ8_K& q8 = x[t].q8_k[k];
        acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * d), _mm256_cvtepi32_ps(sumi[t]), acc[t]);
        acc_min[t] += q8.d * dmin * static_cast<float>(k_min_sum(ks, q8.bsums));
      }
    }
    for (int t = 0; t < kTok; ++t) y[static_cast<size_t>(t) * y_stride] = avx2::hsum(acc[t]) - acc_min[t];
  }
};

template <class Ops>
void q4_k_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  rows_in_groups<Q4KBody<Ops>, 1, 1>(w, row_bytes, &x, y, 0, rows, n / kSuperBlock);
}

template <class Ops, int kMaxTok>
void q4_k_tokens_simd(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  tokens_in_passes<Q4KBody<Ops>, 1, kMaxTok>(w, row_bytes, x, tokens, y, y_stride, rows, n / kSuperBlock);
}

}  // namespace edt::kernels
