#pragma once
// The Q3_K decode body over Q8_K activations, written once over Ops. The unsigned code u = low 2 bits + 4·(hmask
// bit) is level + 4, so per super-block Σ = dx·d·Σ_g s_g·(Σ_{i∈g} u_i·x_i − 4·Σ_{i∈g} x_i), s_g the signed 6-bit
// group scale. In each 128-half, run j (32 elements) holds bits 2j of qs and bit 4h + j of hmask.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q3_k.h"

namespace edt::kernels {

// The sixteen signed 6-bit group scales of a Q3_K scale field (weights/quant/q3_k.h's layout), four groups per
// 32-bit word: low 4 bits from the nibbles of bytes 0-7, top 2 bits from bit pair g/4 of byte 8 + g%4.
// Returns them as a vector and stores them to out (built in registers: bytes written one by one and then loaded as
// a vector would stall on store forwarding).
inline __m128i unpack_q3_k_scales(const uint8_t* q, int8_t* out) {
  uint32_t a, b, c;
  __builtin_memcpy(&a, q, 4);
  __builtin_memcpy(&b, q + 4, 4);
  __builtin_memcpy(&c, q + 8, 4);
  const __m128i low = _mm_setr_epi32(static_cast<int>(a & 0x0f0f0f0fu), static_cast<int>(b & 0x0f0f0f0fu),
                                     static_cast<int>((a >> 4) & 0x0f0f0f0fu), static_cast<int>((b >> 4) & 0x0f0f0f0fu));
  const __m128i high = _mm_setr_epi32(static_cast<int>(c & 0x03030303u), static_cast<int>((c >> 2) & 0x03030303u),
                                      static_cast<int>((c >> 4) & 0x03030303u), static_cast<int>((c >> 6) & 0x03030303u));
  const __m128i scales = _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi16(high, 4)), _mm_set1_epi8(32));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), scales);
  return scales;
}

template <class Ops>
void q3_k_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kSuperBlock;
  const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
  for (size_t r = 0; r < rows; ++r) {
    const auto* b = reinterpret_cast<const BlockQ3_K*>(w + r * row_bytes);
    __m256 acc = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const BlockQ8_K& q8 = x.q8_k[k];
      alignas(16) int8_t s[16];
      const __m128i s_vec = unpack_q3_k_scales(b[k].scales, s);
      // 4 · Σ_g s_g · bsums[g], as eight int32 lanes subtracted from the sums below.
      const __m256i offsets = _mm256_slli_epi32(
          _mm256_madd_epi16(_mm256_cvtepi8_epi16(s_vec),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8.bsums))), 2);
      __m256i hm = load32(b[k].hmask);  // shifted right by one per run: bit 0 of each byte is the current run's
      __m256i sumi = _mm256_setzero_si256();
      for (int h = 0; h < 2; ++h) {
        __m256i q = load32(b[k].qs + 32 * h);  // shifted right by two per run
        for (int j = 0; j < 4; ++j, q = _mm256_srli_epi16(q, 2), hm = _mm256_srli_epi16(hm, 1)) {
          const __m256i low = _mm256_and_si256(q, three);
          const __m256i high = _mm256_and_si256(hm, one);
          const __m256i u = _mm256_or_si256(low, _mm256_slli_epi16(high, 2));
          const int g = 8 * h + 2 * j;
          sumi = Ops::madd_acc(sumi, _mm256_maddubs_epi16(u, load32(q8.qs + 128 * h + 32 * j)), pair_scales(s[g], s[g + 1]));
        }
      }
      const __m256i total = _mm256_sub_epi32(sumi, offsets);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * _cvtsh_ss(b[k].d)), _mm256_cvtepi32_ps(total), acc);
    }
    y[r] = avx2::hsum(acc);
  }
}

}  // namespace edt::kernels
