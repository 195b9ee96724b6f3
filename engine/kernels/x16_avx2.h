#pragma once
// The x16 layouts' kernels at AVX2 (layout in x16_layout.h), written over a type's Quant policy and included only by
// the <type>x16_avx2.cpp files (Q4_0x16 today: Q8_0 is not repacked at AVX2, docs/kernels.md). A 256-bit vector holds four quant bytes of eight rows (half of a layout
// word), so a group is two halves. Without VNNI, maddubs multiplies unsigned by signed bytes into int16 pairs and
// madd widens them to one int32 per row: the lanes are still the rows, so there are no horizontal sums and no
// per-row scale shuffles. One group at a time, half by half (AVX2's 16 registers hold a half's eight quant vectors
// and four tokens' accumulators).
#include <immintrin.h>

#include "cpu/prefetch.h"
#include "engine/kernels/kernel_table.h"
#include "weights/quant/q8_0.h"

namespace edt::kernels::x16_avx2 {

inline constexpr size_t kGroup = 16;
inline constexpr size_t kPrefetchBlocks = 4;  // how far ahead in the group's stream its lines are asked for

// One group against kTok tokens: y[t · y_stride + j] for row j. Half by half (rows 0..7, then 8..15: a half's pass
// takes the 32-byte halves of every line its first pass brought in), so a pass holds only kTok accumulators beside
// the half's eight quant vectors. Every (row, token) value is the same operations in the same order whatever kTok
// is, so the multi-token form gives decode's bits.
template <class Quant, int kTok>
inline void group_pass(const uint8_t* group, const Activations* x, float* y, size_t y_stride, size_t blocks) {
  for (int h = 0; h < 2; ++h) {
    __m256 acc[kTok];  // (kTok) the half's 8 rows' sums per token
    for (int t = 0; t < kTok; ++t) acc[t] = _mm256_setzero_ps();
    for (size_t k = 0; k < blocks; ++k) {
      const uint8_t* b = group + k * Quant::kBlockBytes;
      // The first half's pass streams the group from memory: every line of the block kPrefetchBlocks ahead.
      if (h == 0)
        for (size_t off = 0; off < Quant::kBlockBytes; off += 64)
          prefetch_to_l1(b + kPrefetchBlocks * Quant::kBlockBytes + off);
      __m256i s[kTok];  // (kTok) the 8 rows' exact block sums
      Quant::template block_sums<kTok>(b, h, x, k, s);
      const __m256 d =
          _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + Quant::kScalesAt + 16 * h)));
      for (int t = 0; t < kTok; ++t)
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t]), _mm256_mul_ps(d, _mm256_set1_ps(x[t].q8_0_scales[k])), acc[t]);
    }
    for (int t = 0; t < kTok; ++t) _mm256_storeu_ps(y + t * y_stride + 8 * h, acc[t]);
  }
}

// The groups of [0, rows) (whole groups) against any number of tokens: group by group, up to four tokens per pass
// (the group's blocks stay in L1/L2 between passes).
template <class Quant>
inline void tokens(const uint8_t* w, size_t row_bytes, const Activations* x, size_t count, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  const size_t blocks = n / kQuantBlock, group_bytes = kGroup * row_bytes;
  for (size_t r = 0; r < rows; r += kGroup) {
    const uint8_t* g = w + r / kGroup * group_bytes;
    for (size_t t = 0; t < count; t += 4) {
      const Activations* xt = x + t;
      float* yt = y + t * y_stride + r;
      switch (count - t) {
        case 1: group_pass<Quant, 1>(g, xt, yt, y_stride, blocks); break;
        case 2: group_pass<Quant, 2>(g, xt, yt, y_stride, blocks); break;
        case 3: group_pass<Quant, 3>(g, xt, yt, y_stride, blocks); break;
        default: group_pass<Quant, 4>(g, xt, yt, y_stride, blocks); break;
      }
    }
  }
}

template <class Quant>
inline void rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  tokens<Quant>(w, row_bytes, &x, 1, y, 0, rows, n);
}

}  // namespace edt::kernels::x16_avx2
