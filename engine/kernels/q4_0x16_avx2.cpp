// Q4_0x16 at AVX2 (x16_avx2.h): a half's four 32-byte loads give its 8 rows' nibbles as eight vectors; maddubs
// multiplies the unsigned codes (q) by the activation words into int16 pairs (≤ 2·15·127 = 3,810, so the eight
// element groups add in int16 without overflow: ≤ 30,480), one madd widens them to a row sum per int32 lane, and the
// activations' −8·Σx takes the offset out exactly.
#include "engine/kernels/x16_avx2.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {
namespace {

struct Quant {
  static constexpr size_t kBlockBytes = x16_avx2::kGroup * sizeof(BlockQ4_0);
  static constexpr size_t kScalesAt = 4 * 64;
  template <int kTok>
  static void block_sums(const uint8_t* b, int h, const Activations* x, size_t k, __m256i (&s)[kTok]) {
    const __m256i low = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    __m256i q[8];  // q[c]: elements 4c..4c+3 of the half's 8 rows
    for (int p = 0; p < 4; ++p) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 64 * p + 32 * h));
      q[p] = _mm256_and_si256(v, low);
      q[p + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    }
    for (int t = 0; t < kTok; ++t) {
      const BlockQ8_0& xb = x[t].q8_0[k];
      __m256i m = _mm256_maddubs_epi16(q[0], _mm256_set1_epi32(q8_0_word(xb, 0)));
      for (int c = 1; c < 8; ++c) m = _mm256_add_epi16(m, _mm256_maddubs_epi16(q[c], _mm256_set1_epi32(q8_0_word(xb, c))));
      s[t] = _mm256_add_epi32(_mm256_madd_epi16(m, ones), _mm256_set1_epi32(x[t].q8_0_offset_totals[k]));
    }
  }
};

}  // namespace

void q4_0x16_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  x16_avx2::rows<Quant>(w, row_bytes, x, y, rows, n);
}

void q4_0x16_tokens_avx2(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                         size_t y_stride, size_t rows, size_t n) {
  x16_avx2::tokens<Quant>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels
