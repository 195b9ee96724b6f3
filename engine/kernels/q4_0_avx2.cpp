// Q4_0 at AVX2: the nibbles (value + 8, unsigned) multiply x directly in maddubs, and the +8 comes back out as the
// activations' q8_0_offsets, one int16 subtraction per block instead of re-signing the weights. The multi-token
// form unpacks each block's nibbles once for two tokens (4 × 2 accumulators fit AVX2's 16 registers).
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
    __m256 acc[kTok][kRows];
    for (int t = 0; t < kTok; ++t)
      for (int r = 0; r < kRows; ++r) acc[t][r] = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const __m128 d = block_d<BlockQ4_0, kRows>(w, row_bytes, k);  // (kRows) the rows' scales, gathered once
      alignas(16) float scale[kTok][4];  // (kTok, kRows) row scale × activation scale for block k
      for (int t = 0; t < kTok; ++t) scales_times<kRows>(d, x[t].q8_0_scales[k], scale[t]);
      if constexpr (kRows == 4) prefetch_next_group<BlockQ4_0>(w + 16 * row_bytes, k);
      for (int r = 0; r < kRows; ++r) {
        const BlockQ4_0& b = reinterpret_cast<const BlockQ4_0*>(w + r * row_bytes)[k];
        // Low nibbles are elements 0..15, high nibbles 16..31: the 16 bytes go to both halves, the upper half is
        // shifted right by 4 (per 32-bit lane: what shifts in from the next byte lands in the masked-off nibble).
        const __m256i both = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs)));
        const __m256i nibbles = _mm256_and_si256(_mm256_srlv_epi32(both, high_half_by_4), low);
        for (int t = 0; t < kTok; ++t) {
          const __m256i xv = load32(x[t].q8_0[k].qs), offset = load32(x[t].q8_0_offsets + 16 * k);
          const __m256 s = widen_to_float(_mm256_sub_epi16(_mm256_maddubs_epi16(nibbles, xv), offset));
          acc[t][r] = _mm256_fmadd_ps(s, _mm256_broadcast_ss(scale[t] + r), acc[t][r]);
        }
      }
    }
    for (int t = 0; t < kTok; ++t) store_sums(acc[t], y + static_cast<size_t>(t) * y_stride);
  }
};

// The prompt form: eight rows per vector (prompt_tiles.h). maddubs multiplies the unsigned nibbles by the signed
// activations into int16 pairs (≤ 2·15·127 = 3,810 each, so the eight chunks' pairs add in int16 without
// overflow: ≤ 30,480), one madd widens them to a row sum per int32 lane. Σ (q − 8)·x = Σ q·x − 8·Σ x as at AVX-512.
struct PromptTile {
  using Block = BlockQ4_0;
  using Interleaved = InterleavedBlock<4>;
  static constexpr uint8_t kFlip = 0;

  template <int kTok>
  static void run(const Interleaved* blocks, size_t k0, size_t count, const Activations* x, float* y, size_t y_stride,
                  bool first) {
    const __m256i low = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    __m256 acc[kTok];  // (kTok) eight rows' sums per token
    load_row_sums(acc, y, y_stride, first);
    for (size_t i = 0; i < count; ++i) {
      const size_t k = k0 + i;
      const __m256 d = _mm256_load_ps(blocks[i].d);
      for (int t = 0; t < kTok; ++t) {
        const int8_t* xq = x[t].q8_0[k].qs;
        __m256i pairs = _mm256_setzero_si256();  // (16) int16 pair sums, two per row
        for (int p = 0; p < 4; ++p) {
          const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(blocks[i].v[p]));
          pairs = _mm256_add_epi16(pairs, _mm256_maddubs_epi16(_mm256_and_si256(v, low), activation_word(xq, p)));
          pairs = _mm256_add_epi16(
              pairs, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), low), activation_word(xq, p + 4)));
        }
        acc[t] = add_block(acc[t], _mm256_madd_epi16(pairs, ones), d, x[t], k, 8.0f);
      }
    }
    store_row_sums(acc, y, y_stride);
  }
};

}  // namespace

void q4_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  rows_in_groups<Body, 4, 1>(w, row_bytes, &x, y, 0, rows, n / kQuantBlock);
}

void q4_0_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  tokens_in_passes<Body, 4, 2>(w, row_bytes, x, tokens, y, y_stride, rows, n / kQuantBlock);
}

void q4_0_prompt_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                      size_t y_stride, size_t rows, size_t n) {
  prompt_rows<PromptTile>(w, row_bytes, x, tokens, y, y_stride, rows, n, q4_0_tokens_avx2);
}

// Bit-identical to the reference: (q - 8) · d in float.
void dequantize_q4_0_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(src);
  const __m128i low = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(x[b].d));
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].qs));
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(packed, low), eight);                     // elements 0..15
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(packed, 4), low), eight);  // elements 16..31
    float* yb = y + b * kQuantBlock;
    _mm256_storeu_ps(yb, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), d));
    _mm256_storeu_ps(yb + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))), d));
    _mm256_storeu_ps(yb + 16, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), d));
    _mm256_storeu_ps(yb + 24, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))), d));
  }
}

}  // namespace edt::kernels
