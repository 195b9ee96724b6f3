// Q4_0 at AVX-512 VNNI: vpdpbusd multiplies the unsigned nibbles (value + 8) by x and adds into an accumulator
// that starts at -8 · (the four x values of each int32 lane), taken once per block from the activations'
// q8_0_offsets for all four rows: the exact integer Σ (q - 8) · x in one instruction per row and block.
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {
namespace {

template <int kRows>
inline void row_group(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t blocks) {
  const __m256i low = _mm256_set1_epi8(0x0f), high_half_by_4 = _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4);
  const __m256i minus_one = _mm256_set1_epi16(-1);
  __m256 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
  for (size_t k = 0; k < blocks; ++k) {
    const __m256i xv = load32(x.q8_0[k].qs);
    const __m256i start = _mm256_madd_epi16(load32(x.q8_0_offsets + 16 * k), minus_one);  // (8) -8·Σ of 4 bytes
    alignas(16) float scale[kRows];  // (kRows) row scale × activation scale for block k
    block_scales<BlockQ4_0, kRows>(w, row_bytes, k, x.q8_0_scales[k], scale);
    if constexpr (kRows == 4) prefetch_next_group<BlockQ4_0>(w + 16 * row_bytes, k);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ4_0& b = reinterpret_cast<const BlockQ4_0*>(w + r * row_bytes)[k];
      // Low nibbles are elements 0..15, high nibbles 16..31 (see q4_0_avx2.cpp).
      const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
      const __m256i nibbles = _mm256_and_si256(_mm256_srlv_epi32(both, high_half_by_4), low);
      const __m256i dot = _mm256_dpbusd_epi32(start, nibbles, xv);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_broadcast_ss(scale + r), acc[r]);
    }
  }
  store_sums(acc, y);
}

}  // namespace

void q4_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kQuantBlock;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) row_group<4>(w + r * row_bytes, row_bytes, x, y + r, blocks);
  for (; r < rows; ++r) row_group<1>(w + r * row_bytes, row_bytes, x, y + r, blocks);
}

}  // namespace edt::kernels
