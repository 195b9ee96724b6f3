// Q8_0 at AVX-512 VNNI: vpdpbusd (unsigned × signed bytes, four products summed straight into int32) replaces
// AVX2's maddubs + madd pair; the sign trick is the same (|x| unsigned, w carrying x's sign, |x| ≤ 127).
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {
namespace {

template <int kRows>
inline void row_group(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t blocks) {
  __m256 acc[kRows];
  for (int r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
  for (size_t k = 0; k < blocks; ++k) {
    const __m256i xv = load32(x.q8_0[k].qs);
    const __m256i x_abs = _mm256_abs_epi8(xv);
    alignas(16) float scale[kRows];  // (kRows) row scale × activation scale for block k
    block_scales<BlockQ8_0, kRows>(w, row_bytes, k, x.q8_0_scales[k], scale);
    if constexpr (kRows == 4) prefetch_next_group<BlockQ8_0>(w + 16 * row_bytes, k);
    for (int r = 0; r < kRows; ++r) {
      const BlockQ8_0& b = reinterpret_cast<const BlockQ8_0*>(w + r * row_bytes)[k];
      const __m256i w_signed = _mm256_sign_epi8(load32(b.qs), xv);
      const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), x_abs, w_signed);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_broadcast_ss(scale + r), acc[r]);
    }
  }
  store_sums(acc, y);
}

}  // namespace

void q8_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  const size_t blocks = n / kQuantBlock;
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) row_group<4>(w + r * row_bytes, row_bytes, x, y + r, blocks);
  for (; r < rows; ++r) row_group<1>(w + r * row_bytes, row_bytes, x, y + r, blocks);
}

}  // namespace edt::kernels
