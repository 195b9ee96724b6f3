#pragma once
// The x16 layouts' kernels at AVX-512 VNNI (layout in x16_layout.h), written once over a type's Quant policy and
// included only by the <type>x16_avx512.cpp files. Per block of a 16-row group, the policy's loads give eight vectors
// of four unsigned quant bytes for each of the 16 rows (element group c = elements 4c..4c+3), and eight vpdpbusd
// against the broadcast activation words give the 16 rows' exact integer sums in the int32 lanes, started at the
// activations' offset correction (q8_0_offset_totals = −8·Σx, times the policy's kOffsetTimes). One conversion and
// one multiply-add by the rows' scales × the token's scale per block and 16 rows: no horizontal sums and no per-row
// shuffles, and the weights stream as one sequence per group.
#include <immintrin.h>

#include "cpu/prefetch.h"
#include "engine/kernels/kernel_table.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels::x16 {

inline constexpr size_t kGroup = 16;
inline constexpr size_t kPrefetchBlocks = 4;  // how far ahead in a group's stream its lines are asked for

// kGroups consecutive groups (group_bytes apart) against kTok tokens: y[t · y_stride + 16g + j] for row j of group
// g. Every (row, token) value is the same operations in the same order whatever kGroups and kTok are, so the
// multi-token form gives decode's bits.
template <class Quant, int kGroups, int kTok>
inline void groups_pass(const uint8_t* w, size_t group_bytes, const Activations* x, float* y, size_t y_stride,
                        size_t blocks) {
  __m512 acc[kGroups][kTok];  // (kGroups, kTok) 16 rows' sums each
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) acc[g][t] = _mm512_setzero_ps();
  // The last kPrefetchBlocks blocks of a group prefetch the head of the group kGroups on, the same stream's in the
  // next pass (kPrefetchBlocks past a group's end is the next group's head, so the jump is the kGroups - 1 groups
  // between), so a pass does not start its streams cold.
  const size_t tail_from = blocks > kPrefetchBlocks ? blocks - kPrefetchBlocks : 0;
  for (size_t k = 0; k < blocks; ++k) {
    const size_t ahead = kPrefetchBlocks * Quant::kBlockBytes + (k >= tail_from ? (kGroups - 1) * group_bytes : 0);
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      const uint8_t* b = w + g * group_bytes + k * Quant::kBlockBytes;
      // Every line of the block kPrefetchBlocks ahead in this group's stream: measured 1.1-1.5x on the DRAM-bound
      // decode over none (the hardware prefetcher alone leaves four streams per thread short), and no better at 16.
      for (size_t off = 0; off < Quant::kBlockBytes; off += 64) prefetch_to_l2(b + ahead + off);
      __m512i q[8];  // q[c]: elements 4c..4c+3 of the block for the 16 rows, unsigned
      Quant::unpack(b, q);
      const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + Quant::kScalesAt)));
#pragma GCC unroll 4
      for (int t = 0; t < kTok; ++t) {
        const BlockQ8_0& xb = x[t].q8_0[k];  // the block's 8 words of 4 int8
        // Two chains, so the eight vpdpbusd do not wait on each other one by one.
        __m512i s0 = _mm512_set1_epi32(Quant::kOffsetTimes * x[t].q8_0_offset_totals[k]), s1 = _mm512_setzero_si512();
        for (int c = 0; c < 8; c += 2) {
          s0 = _mm512_dpbusd_epi32(s0, q[c], _mm512_set1_epi32(q8_0_word(xb, c)));
          s1 = _mm512_dpbusd_epi32(s1, q[c + 1], _mm512_set1_epi32(q8_0_word(xb, c + 1)));
        }
        acc[g][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1)),
                                    _mm512_mul_ps(d, _mm512_set1_ps(x[t].q8_0_scales[k])), acc[g][t]);
      }
    }
  }
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) _mm512_storeu_ps(y + t * y_stride + kGroup * g, acc[g][t]);
}

// All groups of [0, rows) (whole groups) against kTok tokens, kGroups at a time while they last.
template <class Quant, int kGroups, int kTok>
inline void all_groups(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                       size_t rows, size_t blocks) {
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup;
  size_t g = 0;
  for (; g + kGroups <= groups; g += kGroups)
    groups_pass<Quant, kGroups, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, blocks);
  for (; g < groups; ++g)
    groups_pass<Quant, 1, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, blocks);
}

// decode: four groups at a time (four weight streams).
template <class Quant>
inline void rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  all_groups<Quant, 4, 1>(w, row_bytes, &x, y, 0, rows, n / kQuantBlock);
}

// The multi-token form: up to four tokens per pass, four groups at a time as decode (four weight streams; 16
// accumulators beside one group's eight quant vectors at a time: KernelDecodeStep4 measured 1.1-1.3x over two
// groups).
template <class Quant>
inline void tokens(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                   size_t y_stride, size_t rows, size_t n) {
  const size_t blocks = n / kQuantBlock;
  for (size_t t = 0; t < tokens; t += 4) {
    const Activations* xt = x + t;
    float* yt = y + t * y_stride;
    switch (tokens - t) {
      case 1: all_groups<Quant, 4, 1>(w, row_bytes, xt, yt, y_stride, rows, blocks); break;
      case 2: all_groups<Quant, 4, 2>(w, row_bytes, xt, yt, y_stride, rows, blocks); break;
      case 3: all_groups<Quant, 4, 3>(w, row_bytes, xt, yt, y_stride, rows, blocks); break;
      default: all_groups<Quant, 4, 4>(w, row_bytes, xt, yt, y_stride, rows, blocks); break;
    }
  }
}

// A prompt chunk: group by group, every token against a group while its blocks are in L1/L2 (a Q8_0 group of the
// widest 1B-shape matrix is 96 KiB), four tokens per pass. The multi-token body, so the values are decode's bits.
template <class Quant>
inline void prompt(const uint8_t* w, size_t row_bytes, const Activations* x, size_t count, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  for (size_t r = 0; r < rows; r += kGroup) tokens<Quant>(w + r * row_bytes, row_bytes, x, count, y + r, y_stride, kGroup, n);
}

}  // namespace edt::kernels::x16
