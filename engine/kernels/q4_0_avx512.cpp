// Q4_0 at AVX-512 VNNI: vpdpbusd multiplies the unsigned nibbles (value + 8) by x and adds into an accumulator
// that starts at -8 · (the four x values of each int32 lane), taken once per block from the activations'
// q8_0_offsets for all four rows: the exact integer Σ (q - 8) · x in one instruction per row and two blocks. The
// multi-token form unpacks each block's nibbles once for up to four tokens (AVX-512's 32 vector registers hold
// the 4 × 4 accumulators).
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/prompt_tiles.h"
#include "engine/kernels/row_helpers.h"
#include "engine/kernels/token_tiles.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {
namespace {

// Blocks in pairs: one 512-bit vector holds two consecutive blocks of a row (block k in the low 256 bits, k + 1 in
// the high), so unpacking, vpdpbusd, conversion and the multiply-add run once per two blocks; a row's sum is its
// 16 float lanes folded to 8 at the end. An odd last block takes the 256-bit step.
struct Body {
  template <int kRows, int kTok>
  static void group(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                    size_t blocks) {
    const __m512i low = _mm512_set1_epi8(0x0f);
    const __m512i high_half_by_4 = _mm512_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4, 0, 0, 0, 0, 4, 4, 4, 4);
    const __m512i minus_one = _mm512_set1_epi16(-1);
    // Lane selectors: row r's scale of block k in lanes 0-7 and of block k + 1 in lanes 8-15, from a vector holding
    // the kRows scales of block k in lanes 0-3 and those of block k + 1 in lanes 4-7.
    __m512i pick[kRows];
    for (int r = 0; r < kRows; ++r)
      pick[r] = _mm512_inserti64x4(_mm512_set1_epi32(r), _mm256_set1_epi32(4 + r), 1);
    __m512 acc[kTok][kRows];
    for (int t = 0; t < kTok; ++t)
      for (int r = 0; r < kRows; ++r) acc[t][r] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + 2 <= blocks; k += 2) {
      __m512i xv[kTok], start[kTok];  // per token: blocks k, k + 1's bytes, and -8·Σ of each 4 bytes (16 lanes)
      __m512 scale[kTok];             // per token: row scale × activation scale, blocks k (lanes 0-3), k + 1 (4-7)
      const __m128 d0 = block_d<BlockQ4_0, kRows>(w, row_bytes, k), d1 = block_d<BlockQ4_0, kRows>(w, row_bytes, k + 1);
      for (int t = 0; t < kTok; ++t) {
        xv[t] = _mm512_inserti64x4(_mm512_castsi256_si512(load32(x[t].q8_0[k].qs)), load32(x[t].q8_0[k + 1].qs), 1);
        start[t] = _mm512_madd_epi16(_mm512_loadu_si512(x[t].q8_0_offsets + 16 * k), minus_one);
        const __m256 s = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_mul_ps(d0, _mm_set1_ps(x[t].q8_0_scales[k]))),
                                              _mm_mul_ps(d1, _mm_set1_ps(x[t].q8_0_scales[k + 1])), 1);
        scale[t] = _mm512_castps256_ps512(s);
      }
      if constexpr (kRows == 4) {
        prefetch_next_group<BlockQ4_0>(w + 16 * row_bytes, k);
        prefetch_next_group<BlockQ4_0>(w + 16 * row_bytes, k + 1);
      }
      for (int r = 0; r < kRows; ++r) {
        const BlockQ4_0* b = reinterpret_cast<const BlockQ4_0*>(w + r * row_bytes) + k;
        // Low nibbles are elements 0..15, high nibbles 16..31 (see q4_0_avx2.cpp), per 256-bit half.
        const __m512i both = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[0].qs)))),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[1].qs))), 1);
        const __m512i nibbles = _mm512_and_si512(_mm512_srlv_epi32(both, high_half_by_4), low);
        for (int t = 0; t < kTok; ++t) {
          const __m512i dot = _mm512_dpbusd_epi32(start[t], nibbles, xv[t]);
          acc[t][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_permutexvar_ps(pick[r], scale[t]), acc[t][r]);
        }
      }
    }
    __m256 sum[kTok][kRows];  // the 16 lanes folded to the 256-bit step's 8
    for (int t = 0; t < kTok; ++t)
      for (int r = 0; r < kRows; ++r)
        sum[t][r] = _mm256_add_ps(_mm512_castps512_ps256(acc[t][r]), _mm512_extractf32x8_ps(acc[t][r], 1));
    if (k < blocks) {  // the odd last block
      const __m128 d = block_d<BlockQ4_0, kRows>(w, row_bytes, k);
      for (int t = 0; t < kTok; ++t) {
        const __m256i xk = load32(x[t].q8_0[k].qs);
        const __m256i st = _mm256_madd_epi16(load32(x[t].q8_0_offsets + 16 * k), _mm256_set1_epi16(-1));
        alignas(16) float sc[4];
        scales_times<kRows>(d, x[t].q8_0_scales[k], sc);
        for (int r = 0; r < kRows; ++r) {
          const __m256i nibbles = legacy_nibbles(reinterpret_cast<const BlockQ4_0*>(w + r * row_bytes)[k].qs);
          sum[t][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_dpbusd_epi32(st, nibbles, xk)), _mm256_broadcast_ss(sc + r),
                                      sum[t][r]);
        }
      }
    }
    for (int t = 0; t < kTok; ++t) store_sums(sum[t], y + static_cast<size_t>(t) * y_stride);
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
