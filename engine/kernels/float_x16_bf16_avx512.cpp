// F16x16's and BF16x16's bf16 prompt forms on AVX-512 BF16 (float_x16_bf16.h): one vdpbf16ps multiplies a pair of
// elements of 16 rows by a broadcast pair of one token's activations into the rows' f32 sums, 32 multiply-adds an
// instruction against an f32 FMA's 16. The tile is the exact prompt form's (float_x16_avx512.cpp): 3 groups × 8
// tokens, 24 accumulators, each token's pair broadcast once into all three groups.
#include "engine/kernels/float_x16_bf16.h"

namespace edt::kernels {
namespace {

struct Micro {
  static constexpr size_t kTileTokens = 8;
  static constexpr size_t kSlicePairs = 128;  // 256 elements: 8 KiB a group, as the exact form's depth slice
  static constexpr int kTileGroups = 3;

  template <int kG, int kTok>
  static void tile(const float_x16_bf16::PairVector* wp, const uint32_t* xp, size_t pairs, float* y, size_t y_stride, bool first) {
    __m512 acc[kG][kTok];  // (kG, kTok) 16 rows' sums each
    for (int g = 0; g < kG; ++g)
      for (int t = 0; t < kTok; ++t)
        acc[g][t] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(y + t * y_stride + float_x16_bf16::kGroup * g);
    for (size_t p = 0; p < pairs; ++p) {
      __m512bh wv[kG];  // (kG) pair p of each group's 16 rows
      for (int g = 0; g < kG; ++g) wv[g] = reinterpret_cast<__m512bh>(_mm512_load_si512(wp + g * kSlicePairs + p));
#pragma GCC unroll 8
      for (int t = 0; t < kTok; ++t) {
        const __m512bh xv = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(xp[t * kSlicePairs + p])));
        for (int g = 0; g < kG; ++g) acc[g][t] = _mm512_dpbf16_ps(acc[g][t], wv[g], xv);
      }
    }
    for (int g = 0; g < kG; ++g)
      for (int t = 0; t < kTok; ++t) _mm512_storeu_ps(y + t * y_stride + float_x16_bf16::kGroup * g, acc[g][t]);
  }

  template <int kTok = kTileTokens>
  static void run(size_t tokens, const float_x16_bf16::PairVector* wp, size_t groups, const uint32_t* xp, size_t pairs, float* y,
                  size_t y_stride, bool first) {
    if constexpr (kTok > 1) {
      if (tokens < kTok) return run<kTok - 1>(tokens, wp, groups, xp, pairs, y, y_stride, first);
    }
    size_t g = 0;
    for (; g + kTileGroups <= groups; g += kTileGroups)
      tile<kTileGroups, kTok>(wp + g * kSlicePairs, xp, pairs, y + g * float_x16_bf16::kGroup, y_stride, first);
    for (; g < groups; ++g)
      tile<1, kTok>(wp + g * kSlicePairs, xp, pairs, y + g * float_x16_bf16::kGroup, y_stride, first);
  }
};

}  // namespace

void f16x16_prompt_bf16_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                               size_t y_stride, size_t rows, size_t n) {
  float_x16_bf16::prompt<float_x16_bf16::F16Pairs, Micro>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}
void bf16x16_prompt_bf16_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                                size_t y_stride, size_t rows, size_t n) {
  float_x16_bf16::prompt<float_x16_bf16::Bf16Pairs, Micro>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels
