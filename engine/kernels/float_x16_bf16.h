#pragma once
// The bfloat16 prompt forms of F16x16 and BF16x16 (kernel_table.h's prompt_bf16; included only by
// float_x16_bf16_avx512.cpp and float_x16_bf16_amx.cpp, which are compiled with AVX512_BF16). Both multiply bf16
// pairs: one 32-bit lane holds elements 2p (low half) and 2p + 1 of one row, which is what vdpbf16ps takes per lane
// and what one row of an AMX-BF16 weight tile holds for each of its 16 columns. The x16 layout keeps element i of
// 16 rows in one run, so a 64-byte pair vector is two runs interleaved: each chunk of groups is converted once per
// depth slice into this thread's buffer and then reused by every token tile of the call, so the conversion (F16's
// widening and rounding; BF16's permute alone) costs once per slice, not once per token tile.
//
// Rounding: weights (F16 only; BF16 is exact) and activations to bf16, nearest even; products of two bf16 are exact
// in f32 and summed in f32. Bound: |y − Σ w·x| ≤ (kBf16ProductTolerance + float rounding)·Σ|w·x|.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/kernels/kernel_table.h"

namespace edt::kernels::float_x16_bf16 {

inline constexpr size_t kGroup = 16;
inline constexpr size_t kChunkGroups = 32;  // groups converted per depth slice

// One pair vector: elements 2p, 2p + 1 of 16 rows as bf16, lane j (4 bytes) holding row j's two.
struct alignas(64) PairVector {
  uint8_t bytes[64];
};

// Word 2r <- word r (element 2p of row r), word 2r + 1 <- word 16 + r (element 2p + 1).
inline __m512i interleave_runs(__m512i runs) {
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21,
                                       5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(idx, runs);
}

// The pairs of 16 rows at element 2p of a group (p points at that element's run): both elements, or with `single`
// only element 2p (the last of an odd width) and zeros.
struct F16Pairs {
  static constexpr size_t kRunBytes = 32;  // element i of 16 rows
  static __m512i at(const uint8_t* p, bool single) {
    const __m512 a = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    const __m512 b = single ? _mm512_setzero_ps()
                            : _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)));
    return interleave_runs(reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(b, a)));
  }
};
struct Bf16Pairs {
  static constexpr size_t kRunBytes = 32;
  static __m512i at(const uint8_t* p, bool single) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return interleave_runs(single ? _mm512_zextsi256_si512(a) : _mm512_loadu_si512(p));
  }
};

// Elements [i0, i0 + count) of x -> bf16, two a 32-bit word, zeros up to `words` words.
inline void x_pairs(const float* x, size_t count, uint32_t* out, size_t words) {
  size_t i = 0;
  for (; i < count; i += 32) {
    const size_t left = count - i;
    const __mmask16 lo = left >= 16 ? 0xffff : static_cast<__mmask16>((1u << left) - 1);
    const __mmask16 hi = left >= 32 ? 0xffff : left > 16 ? static_cast<__mmask16>((1u << (left - 16)) - 1) : 0;
    const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, x + i + 16), _mm512_maskz_loadu_ps(lo, x + i));
    _mm512_storeu_si512(out + i / 2, reinterpret_cast<__m512i>(v));
  }
  for (size_t w = (count + 1) / 2; w < words; ++w) out[w] = 0;
}

// The driver, over a Micro policy: kTileTokens tokens per tile, kSlicePairs pairs per depth slice (a multiple of
// 16, AMX's depth step), and run(tokens, wp, groups, xp, pairs, y, y_stride, first), which multiplies the slice's
// converted groups (wp: group g's pairs at wp + g · kSlicePairs, 64 bytes each) by one tile's pairs (xp: token t's
// at xp + t · kSlicePairs) into y, starting from zero when `first`, else from y. Missing tokens' rows of xp are zero.
template <class Pairs, class Micro>
inline void prompt(const uint8_t* w, size_t row_bytes, const Activations* x, size_t count, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  constexpr size_t kSlice = Micro::kSlicePairs;
  // (kChunkGroups, kSlicePairs) one chunk's depth slice as pairs; per thread, sized once.
  thread_local std::vector<PairVector> wp(kChunkGroups * kSlice);
  // (kTileTokens, kSlicePairs) one tile's tokens over the slice, as pairs.
  alignas(64) uint32_t xp[Micro::kTileTokens * kSlice];
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup, pairs_n = (n + 1) / 2;
  for (size_t g0 = 0; g0 < groups; g0 += kChunkGroups) {
    const size_t chunk = std::min(kChunkGroups, groups - g0);
    for (size_t p0 = 0; p0 < pairs_n; p0 += kSlice) {
      const size_t pairs = std::min(kSlice, pairs_n - p0), padded = (pairs + 15) / 16 * 16;
      for (size_t g = 0; g < chunk; ++g) {
        const uint8_t* group = w + (g0 + g) * group_bytes;
        PairVector* out = wp.data() + g * kSlice;
        for (size_t p = 0; p < pairs; ++p) {
          const size_t i = 2 * (p0 + p);
          _mm512_store_si512(out + p, Pairs::at(group + i * Pairs::kRunBytes, i + 1 == n));
        }
        for (size_t p = pairs; p < padded; ++p) _mm512_store_si512(out + p, _mm512_setzero_si512());
      }
      const size_t elements = std::min(2 * kSlice, n - 2 * p0);
      for (size_t t0 = 0; t0 < count; t0 += Micro::kTileTokens) {
        const size_t tile = std::min<size_t>(Micro::kTileTokens, count - t0);
        for (size_t t = 0; t < Micro::kTileTokens; ++t) {
          if (t < tile) {
            x_pairs(x[t0 + t].f32 + 2 * p0, elements, xp + t * kSlice, padded);
          } else {
            std::fill(xp + t * kSlice, xp + t * kSlice + padded, 0u);
          }
        }
        Micro::run(tile, wp.data(), chunk, xp, padded, y + t0 * y_stride + g0 * kGroup, y_stride, p0 == 0);
      }
    }
  }
}

}  // namespace edt::kernels::float_x16_bf16
