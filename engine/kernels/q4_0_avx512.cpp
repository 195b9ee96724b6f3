// Q4_0 at AVX-512 VNNI: vpdpbusd multiplies the unsigned nibbles (value + 8) by x and adds into an accumulator
// that starts at -8 · (the four x values of each int32 lane), taken once per block from the activations'
// q8_0_offsets for all four rows: the exact integer Σ (q - 8) · x in one instruction per row and block. The
// multi-token form unpacks each block's nibbles once for up to four tokens (AVX-512's 32 vector registers hold
// the 4 × 4 accumulators).
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/prompt_tiles.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/token_tiles.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {
namespace {

struct Body {
  template <int kRows, int kTok>
  static void group(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                    size_t blocks) {
    const __m256i low = _mm256_set1_epi8(0x0f), high_half_by_4 = _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4);
    const __m256i minus_one = _mm256_set1_epi16(-1);
    __m256 acc[kTok][kRows];
    for (int t = 0; t < kTok; ++t)
      for (int r = 0; r < kRows; ++r) acc[t][r] = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      __m256i xv[kTok], start[kTok];  // per token: block k's bytes, and -8·Σ of each 4 bytes (8 lanes)
      const __m128 d = block_d<BlockQ4_0, kRows>(w, row_bytes, k);  // (kRows) the rows' scales, gathered once
      alignas(16) float scale[kTok][4];  // (kTok, kRows) row scale × activation scale for block k
      for (int t = 0; t < kTok; ++t) {
        xv[t] = load32(x[t].q8_0[k].qs);
        start[t] = _mm256_madd_epi16(load32(x[t].q8_0_offsets + 16 * k), minus_one);
        scales_times<kRows>(d, x[t].q8_0_scales[k], scale[t]);
      }
      if constexpr (kRows == 4) prefetch_next_group<BlockQ4_0>(w + 16 * row_bytes, k);
      for (int r = 0; r < kRows; ++r) {
        const BlockQ4_0& b = reinterpret_cast<const BlockQ4_0*>(w + r * row_bytes)[k];
        // Low nibbles are elements 0..15, high nibbles 16..31 (see q4_0_avx2.cpp).
        const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
        const __m256i nibbles = _mm256_and_si256(_mm256_srlv_epi32(both, high_half_by_4), low);
        for (int t = 0; t < kTok; ++t) {
          const __m256i dot = _mm256_dpbusd_epi32(start[t], nibbles, xv[t]);
          acc[t][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_broadcast_ss(scale[t] + r), acc[t][r]);
        }
      }
    }
    for (int t = 0; t < kTok; ++t) store_sums(acc[t], y + static_cast<size_t>(t) * y_stride);
  }
};

// The prompt form: eight rows per vector (prompt_tiles.h). Σ (q − 8)·x = Σ q·x − 8·Σ x: the second term is the
// activations' block sum (d·Σq, exact in float) × −8 × each row's d.
struct PromptTile {
  using Block = BlockQ4_0;
  using Interleaved = InterleavedBlock<4>;
  static constexpr uint8_t kFlip = 0;

  template <int kTok>
  static void run(const Interleaved* blocks, size_t k0, size_t count, const Activations* x, float* y, size_t y_stride,
                  bool first) {
    const __m256i low = _mm256_set1_epi8(0x0f);
    __m256 acc[kTok];  // (kTok) eight rows' sums per token
    load_row_sums(acc, y, y_stride, first);
    for (size_t i = 0; i < count; ++i) {
      const size_t k = k0 + i;
      __m256i u[8];  // chunk c: elements 4c..4c+3 of the block, for the eight rows (bytes 0..15)
      for (int p = 0; p < 4; ++p) {
        const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(blocks[i].v[p]));
        u[p] = _mm256_and_si256(v, low);
        u[p + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
      }
      const __m256 d = _mm256_load_ps(blocks[i].d);
      for (int t = 0; t < kTok; ++t) {
        const int8_t* xq = x[t].q8_0[k].qs;
        __m256i s0 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u[0], activation_word(xq, 0));
        __m256i s1 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u[1], activation_word(xq, 1));
        for (int c = 2; c < 8; c += 2) {
          s0 = _mm256_dpbusd_epi32(s0, u[c], activation_word(xq, c));
          s1 = _mm256_dpbusd_epi32(s1, u[c + 1], activation_word(xq, c + 1));
        }
        acc[t] = add_block(acc[t], _mm256_add_epi32(s0, s1), d, x[t], k, 8.0f);
      }
    }
    store_row_sums(acc, y, y_stride);
  }
};

}  // namespace


void q4_0_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  rows_in_groups<Body, 4, 1>(w, row_bytes, &x, y, 0, rows, n / kQuantBlock);
}

void q4_0_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  tokens_in_passes<Body, 4, 4>(w, row_bytes, x, tokens, y, y_stride, rows, n / kQuantBlock);
}

void q4_0_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  prompt_rows<PromptTile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q4_0_tokens_avx512);
}

}  // namespace edt::kernels
