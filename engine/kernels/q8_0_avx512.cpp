// Q8_0 at AVX-512 VNNI: vpdpbusd (unsigned × signed bytes, four products summed straight into int32) replaces
// AVX2's maddubs + madd pair; the sign trick is the same (|x| unsigned, w carrying x's sign, |x| ≤ 127). The
// multi-token form loads each weight block once for up to four tokens.
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/prompt_tiles.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/token_tiles.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels {
namespace {

struct Body {
  template <int kRows, int kTok>
  static void group(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                    size_t blocks) {
    __m256 acc[kTok][kRows];
    for (int t = 0; t < kTok; ++t)
      for (int r = 0; r < kRows; ++r) acc[t][r] = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      __m256i xv[kTok], x_abs[kTok];  // per token: block k's bytes and their magnitudes
      const __m128 d = block_d<BlockQ8_0, kRows>(w, row_bytes, k);  // (kRows) the rows' scales, gathered once
      alignas(16) float scale[kTok][4];  // (kTok, kRows) row scale × activation scale for block k
      for (int t = 0; t < kTok; ++t) {
        xv[t] = load32(x[t].q8_0[k].qs);
        x_abs[t] = _mm256_abs_epi8(xv[t]);
        scales_times<kRows>(d, x[t].q8_0_scales[k], scale[t]);
      }
      if constexpr (kRows == 4) prefetch_next_group<BlockQ8_0>(w + 16 * row_bytes, k);
      for (int r = 0; r < kRows; ++r) {
        const BlockQ8_0& b = reinterpret_cast<const BlockQ8_0*>(w + r * row_bytes)[k];
        const __m256i wv = load32(b.qs);
        for (int t = 0; t < kTok; ++t) {
          const __m256i w_signed = _mm256_sign_epi8(wv, xv[t]);
          const __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), x_abs[t], w_signed);
          acc[t][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_broadcast_ss(scale[t] + r), acc[t][r]);
        }
      }
    }
    for (int t = 0; t < kTok; ++t) store_sums(acc[t], y + static_cast<size_t>(t) * y_stride);
  }
};

// The prompt form: eight rows per vector (prompt_tiles.h). vpdpbusd wants unsigned weights: w + 128 (a sign-bit
// flip when interleaving), and Σ (w + 128)·x − 128·Σ x, the second term from the activations' block sum (d·Σq,
// exact in float) × each row's d.
struct PromptTile {
  using Block = BlockQ8_0;
  using Interleaved = InterleavedBlock<8>;
  static constexpr uint8_t kFlip = 0x80;

  template <int kTok>
  static void run(const Interleaved* blocks, size_t k0, size_t count, const Activations* x, float* y, size_t y_stride,
                  bool first) {
    __m256 acc[kTok];  // (kTok) eight rows' sums per token
    load_row_sums(acc, y, y_stride, first);
    for (size_t i = 0; i < count; ++i) {
      const size_t k = k0 + i;
      const __m256 d = _mm256_load_ps(blocks[i].d);
      const auto* v = reinterpret_cast<const __m256i*>(blocks[i].v);  // (8) the chunks' vectors
      for (int t = 0; t < kTok; ++t) {
        const int8_t* xq = x[t].q8_0[k].qs;
        __m256i s0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_load_si256(v), activation_word(xq, 0));
        __m256i s1 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_load_si256(v + 1), activation_word(xq, 1));
        for (int c = 2; c < 8; c += 2) {
          s0 = _mm256_dpbusd_epi32(s0, _mm256_load_si256(v + c), activation_word(xq, c));
          s1 = _mm256_dpbusd_epi32(s1, _mm256_load_si256(v + c + 1), activation_word(xq, c + 1));
        }
        acc[t] = add_block(acc[t], _mm256_add_epi32(s0, s1), d, x[t], k, 128.0f);
      }
    }
    store_row_sums(acc, y, y_stride);
  }
};

}  // namespace


void q8_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  rows_in_groups<Body, 4, 1>(w, row_bytes, &x, y, 0, rows, n / kQuantBlock);
}

void q8_0_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  tokens_in_passes<Body, 4, 4>(w, row_bytes, x, tokens, y, y_stride, rows, n / kQuantBlock);
}

void q8_0_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  prompt_rows<PromptTile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q8_0_tokens_avx512);
}

}  // namespace edt::kernels
