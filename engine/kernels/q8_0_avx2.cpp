// Q8_0 at AVX2: maddubs (unsigned × signed bytes -> int16 pairs) over the Q8_0 activations, four rows per pass.
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {
namespace {

// maddubs needs one unsigned operand, so each block takes |x| (shared by the rows) and the weights carrying x's
// sign. |x| ≤ 127 and |w| ≤ 127 keep the int16 pair sums below 32,767.
template <int kRows>
inline void row_group(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t blocks) {
  __m256 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
  for (size_t k = 0; k < blocks; ++k) {
    const __m256i xv = load32(x.q8_0[k].qs);
    const __m256i x_abs = _mm256_sign_epi8(xv, xv);
    alignas(16) float scale[kRows];  // (kRows) row scale × activation scale for block k
    block_scales<BlockQ8_0, kRows>(w, row_bytes, k, x.q8_0_scales[k], scale);
    if constexpr (kRows == 4) prefetch_next_group<BlockQ8_0>(w + 16 * row_bytes, k);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& b = reinterpret_cast<const BlockQ8_0*>(w + r * row_bytes)[k];
      const __m256i w_signed = _mm256_sign_epi8(load32(b.qs), xv);
      const __m256 s = widen_to_float(_mm256_maddubs_epi16(x_abs, w_signed));
      acc[r] = _mm256_fmadd_ps(s, _mm256_broadcast_ss(scale + r), acc[r]);
    }
  }
  store_sums(acc, y);
}

}  // namespace

void q8_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kQuantBlock;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) row_group<4>(w + r * row_bytes, row_bytes, x, y + r, blocks);
  for (; r < rows; ++r) row_group<1>(w + r * row_bytes, row_bytes, x, y + r, blocks);
}

// Bit-identical to the reference: q · d in float.
void dequantize_q8_0_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ8_0*>(src);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d));
    for (int j = 0; j < 32; j += 8) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].qs + j));
      _mm256_storeu_ps(y + b * kQuantBlock + j, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
  }
}

}  // namespace edt::kernels
