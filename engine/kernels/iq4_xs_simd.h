#pragma once
// The IQ4_XS decode body over Q8_K activations, written once over Ops. The 4-bit indices become the grid's int8
// levels by one byte shuffle; signed × signed goes through maddubs as |level| × (x with the level's sign)
// (|level| ≤ 127: pairs ≤ 32,258). Two groups of 32 per 32-byte load: group g's low nibbles are its elements
// 0..15, high nibbles 16..31. Σ = dx·d·Σ_g (ls_g − 32)·Σ_{i∈g} level_i·x_i.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/iq4_grid.h"
#include "weights/quant/iq4_xs.h"

namespace edt::kernels {

inline __m256i iq4_grid_vector() {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(quant::kIq4Grid)));
}

// Σ pairs of level × x as int16, for 32 indices (nibbles) against 32 activations.
inline __m256i iq4_products(__m256i grid, __m256i nibbles, __m256i xv) {
  const __m256i levels = _mm256_shuffle_epi8(grid, nibbles);
  return _mm256_maddubs_epi16(_mm256_abs_epi8(levels), _mm256_sign_epi8(xv, levels));
}

inline __m256i load_two_halves(const int8_t* lo, const int8_t* hi) {
  return _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(hi)),
                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo)));
}

template <class Ops>
void iq4_xs_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kSuperBlock;
  const __m256i m4 = _mm256_set1_epi8(0x0f), grid = iq4_grid_vector();
  for (size_t r = 0; r < rows; ++r) {
    const auto* b = reinterpret_cast<const BlockIQ4_XS*>(w + r * row_bytes);
    __m256 acc = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const BlockQ8_K& q8 = x.q8_k[k];
      int ls[8];
      for (int g = 0; g < 8; ++g)
        ls[g] = (((b[k].scales_l[g / 2] >> (4 * (g % 2))) & 0x0f) | (((b[k].scales_h >> (2 * g)) & 3) << 4)) - 32;
      __m256i sumi = _mm256_setzero_si256();
      for (int g = 0; g < 8; g += 2) {
        const __m256i v = load32(b[k].qs + 16 * g);
        const int8_t* xg = q8.qs + 32 * g;
        const __m256i x_lo = load_two_halves(xg, xg + 32), x_hi = load_two_halves(xg + 16, xg + 48);
        const __m256i scales = pair_scales(ls[g], ls[g + 1]);
        sumi = Ops::madd_acc(sumi, iq4_products(grid, _mm256_and_si256(v, m4), x_lo), scales);
        sumi = Ops::madd_acc(sumi, iq4_products(grid, _mm256_and_si256(_mm256_srli_epi16(v, 4), m4), x_hi), scales);
      }
      acc = _mm256_fmadd_ps(_mm256_set1_ps(q8.d * _cvtsh_ss(b[k].d)), _mm256_cvtepi32_ps(sumi), acc);
    }
    y[r] = avx2::hsum(acc);
  }
}

}  // namespace edt::kernels
