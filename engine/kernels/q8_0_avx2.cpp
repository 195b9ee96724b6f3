// Q8_0 at AVX2: maddubs (unsigned × signed bytes -> int16 pairs) over the Q8_0 activations, four rows per pass.
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/token_tiles.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {
namespace {

// maddubs needs one unsigned operand, so each block takes |x| (shared by the rows) and the weights carrying x's
// sign. |x| ≤ 127 and |w| ≤ 127 keep the int16 pair sums below 32,767. The multi-token form loads each weight
// block once for two tokens.
struct Body {
  template <int kRows, int kTok>
  static void group(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                    size_t blocks) {
    __m256 acc[kTok][kRows];
    for (int t = 0; t < kTok; ++t)
      for (int r = 0; r < kRows; ++r) acc[t][r] = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const __m128 d = block_d<BlockQ8_0, kRows>(w, row_bytes, k);  // (kRows) the rows' scales, gathered once
      alignas(16) float scale[kTok][4];  // (kTok, kRows) row scale × activation scale for block k
      for (int t = 0; t < kTok; ++t) scales_times<kRows>(d, x[t].q8_0_scales[k], scale[t]);
      if constexpr (kRows == 4) prefetch_next_group<BlockQ8_0>(w + 16 * row_bytes, k);
      for (int r = 0; r < kRows; ++r) {
        const BlockQ8_0& b = reinterpret_cast<const BlockQ8_0*>(w + r * row_bytes)[k];
        const __m256i wv = load32(b.qs);
        for (int t = 0; t < kTok; ++t) {
          const __m256i xv = load32(x[t].q8_0[k].qs);
          const __m256i w_signed = _mm256_sign_epi8(wv, xv);
          const __m256 s = widen_to_float(_mm256_maddubs_epi16(_mm256_sign_epi8(xv, xv), w_signed));
          acc[t][r] = _mm256_fmadd_ps(s, _mm256_broadcast_ss(scale[t] + r), acc[t][r]);
        }
      }
    }
    for (int t = 0; t < kTok; ++t) store_sums(acc[t], y + static_cast<size_t>(t) * y_stride);
  }
};

}  // namespace

void q8_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  rows_in_groups<Body, 4, 1>(w, row_bytes, &x, y, 0, rows, n / kQuantBlock);
}

void q8_0_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  tokens_in_passes<Body, 4, 2>(w, row_bytes, x, tokens, y, y_stride, rows, n / kQuantBlock);
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
