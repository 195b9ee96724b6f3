// Q4_0x16 at AVX-512 VNNI (layout in q4_0x16.cpp): per block of a 16-row group, four 64-byte loads give the 16 rows'
// nibbles as eight vectors of four elements each, and eight vpdpbusd against the broadcast activation words give
// the 16 rows' exact Σ q·x in the int32 lanes, started at the activations' −8·Σx (q8_0_offset_totals). One
// conversion and one multiply-add by the rows' scales × the token's scale per block and 16 rows: no horizontal sums
// and no per-row shuffles, so a group costs about a third of the stored layout's instructions, and the weights
// stream as one sequence per group.
#include <immintrin.h>

#include "engine/kernels/kernel_table.h"
#include "weights/quant/q4_0.h"

namespace edt::kernels {
namespace {

constexpr size_t kGroup = 16;
constexpr size_t kGroupBlockBytes = kGroup * sizeof(BlockQ4_0);

// kGroups consecutive groups (group_bytes apart) against kTok tokens: y[t · y_stride + 16g + j] for row j of group g.
// Every (row, token) value is the same operations in the same order whatever kGroups and kTok are, so the
// multi-token form gives decode's bits.
template <int kGroups, int kTok>
inline void groups_pass(const uint8_t* w, size_t group_bytes, const Activations* x, float* y, size_t y_stride,
                        size_t blocks) {
  const __m512i low = _mm512_set1_epi8(0x0f);
  __m512 acc[kGroups][kTok];  // (kGroups, kTok) 16 rows' sums each
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) acc[g][t] = _mm512_setzero_ps();
  for (size_t k = 0; k < blocks; ++k) {
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      const uint8_t* b = w + g * group_bytes + k * kGroupBlockBytes;
      __m512i q[8];  // q[c]: elements 4c..4c+3 of the block, for the 16 rows (word c % 4, low nibbles for c < 4)
      for (int p = 0; p < 4; ++p) {
        const __m512i v = _mm512_loadu_si512(b + 64 * p);
        q[p] = _mm512_and_si512(v, low);
        q[p + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
      }
      const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 4 * 64)));
#pragma GCC unroll 4
      for (int t = 0; t < kTok; ++t) {
        const auto* xw = reinterpret_cast<const int32_t*>(x[t].q8_0[k].qs);  // the block's 8 words of 4 int8
        // Two chains, so the eight vpdpbusd do not wait on each other one by one.
        __m512i s0 = _mm512_set1_epi32(x[t].q8_0_offset_totals[k]), s1 = _mm512_setzero_si512();
        for (int c = 0; c < 8; c += 2) {
          s0 = _mm512_dpbusd_epi32(s0, q[c], _mm512_set1_epi32(xw[c]));
          s1 = _mm512_dpbusd_epi32(s1, q[c + 1], _mm512_set1_epi32(xw[c + 1]));
        }
        acc[g][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)),
                                    _mm512_mul_ps(d, _mm512_set1_ps(x[t].q8_0_scales[k])), acc[g][t]);
      }
    }
  }
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) _mm512_storeu_ps(y + t * y_stride + kGroup * g, acc[g][t]);
}

// All groups of [0, rows) against kTok tokens, kGroups at a time while they last.
template <int kGroups, int kTok>
inline void all_groups(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                       size_t rows, size_t blocks) {
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup;
  size_t g = 0;
  for (; g + kGroups <= groups; g += kGroups)
    groups_pass<kGroups, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, blocks);
  for (; g < groups; ++g) groups_pass<1, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, blocks);
}

// Up to four tokens per pass: four groups for one token (four weight streams), two for more (the accumulators
// and a group's eight nibble vectors then fill the 32 registers).
inline void tokens_pass(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t blocks) {
  switch (tokens) {
    case 1: return all_groups<4, 1>(w, row_bytes, x, y, y_stride, rows, blocks);
    case 2: return all_groups<2, 2>(w, row_bytes, x, y, y_stride, rows, blocks);
    case 3: return all_groups<2, 3>(w, row_bytes, x, y, y_stride, rows, blocks);
    default: return all_groups<2, 4>(w, row_bytes, x, y, y_stride, rows, blocks);
  }
}

}  // namespace

void q4_0x16_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  all_groups<4, 1>(w, row_bytes, &x, y, 0, rows, n / kQuantBlock);
}

void q4_0x16_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n) {
  for (size_t t = 0; t < tokens; t += 4)
    tokens_pass(w, row_bytes, x + t, tokens - t < 4 ? tokens - t : 4, y + t * y_stride, y_stride, rows, n / kQuantBlock);
}

// A prompt chunk: group by group, every token against a group while its blocks are in L1/L2 (a group of the widest
// 1B-shape matrix is 50 KiB), four tokens per pass. The multi-token body, so the values are decode's bits.
void q4_0x16_prompt_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                           size_t y_stride, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; r += kGroup)
    q4_0x16_tokens_avx512(w + r * row_bytes, row_bytes, x, tokens, y + r, y_stride, kGroup, n);
}

}  // namespace edt::kernels
