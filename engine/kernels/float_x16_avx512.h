#pragma once
// The float x16 layouts' kernels at AVX-512 (layout in float_x16_layout.h), written once over a type's Elem policy
// (its 16-lane load with the conversion to f32, its bytes per element of a group, and its prompt depth) and included
// only by the <type>x16_avx512.cpp files. The products are
// exact f32 multiply-adds of the converted weights with the f32 activations, as the stored rows' kernels do: only
// the order of the sums differs, so a forward pass keeps the f32 references' tolerance.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "engine/kernels/kernel_table.h"

namespace edt::kernels::float_x16 {

inline constexpr size_t kGroup = 16;
inline constexpr size_t kPrefetchBytes = 1024;  // how far ahead in a group's stream its lines are asked for

// kGroups consecutive groups (group_bytes apart) against kTok tokens: y[t · y_stride + 16g + j] for row j of group
// g. Two accumulators per (group, token), even and odd elements, so decode's four groups keep eight independent
// multiply-add chains. Every (row, token) value is the same operations in the same order whatever kGroups and kTok
// are, so the multi-token form gives decode's bits.
template <class Elem, int kGroups, int kTok>
inline void groups_pass(const uint8_t* w, size_t group_bytes, const Activations* x, float* y, size_t y_stride,
                        size_t n) {
  __m512 even[kGroups][kTok], odd[kGroups][kTok];  // (kGroups, kTok) 16 rows' partial sums each
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) even[g][t] = odd[g][t] = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      const uint8_t* b = w + g * group_bytes + i * Elem::kGroupBytes;
      // Every line of the two elements kPrefetchBytes ahead in this group's stream (the four streams of a decode
      // pass are more than the hardware prefetcher keeps ahead of on its own).
      for (size_t off = 0; off < 2 * Elem::kGroupBytes; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(b + kPrefetchBytes + off), _MM_HINT_T0);
      const __m512 w0 = Elem::load16(b), w1 = Elem::load16(b + Elem::kGroupBytes);
#pragma GCC unroll 4
      for (int t = 0; t < kTok; ++t) {
        even[g][t] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[t].f32[i]), even[g][t]);
        odd[g][t] = _mm512_fmadd_ps(w1, _mm512_set1_ps(x[t].f32[i + 1]), odd[g][t]);
      }
    }
  }
  if (i < n)
    for (int g = 0; g < kGroups; ++g) {
      const __m512 w0 = Elem::load16(w + g * group_bytes + i * Elem::kGroupBytes);
      for (int t = 0; t < kTok; ++t) even[g][t] = _mm512_fmadd_ps(w0, _mm512_set1_ps(x[t].f32[i]), even[g][t]);
    }
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t)
      _mm512_storeu_ps(y + t * y_stride + kGroup * g, _mm512_add_ps(even[g][t], odd[g][t]));
}

// All groups of [0, rows) (whole groups) against kTok tokens, kGroups at a time while they last.
template <class Elem, int kGroups, int kTok>
inline void all_groups(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride, size_t rows,
                       size_t n) {
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup;
  size_t g = 0;
  for (; g + kGroups <= groups; g += kGroups)
    groups_pass<Elem, kGroups, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, n);
  for (; g < groups; ++g) groups_pass<Elem, 1, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, n);
}

// decode: four groups at a time (four weight streams).
template <class Elem>
inline void rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  all_groups<Elem, 4, 1>(w, row_bytes, &x, y, 0, rows, n);
}

// The multi-token form: up to four tokens per pass, two groups at a time (16 accumulators and four weight vectors).
template <class Elem>
inline void tokens(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  for (size_t t = 0; t < tokens; t += 4) {
    const Activations* xt = x + t;
    float* yt = y + t * y_stride;
    switch (tokens - t) {
      case 1:
        all_groups<Elem, 4, 1>(w, row_bytes, xt, yt, y_stride, rows, n);
        break;
      case 2:
        all_groups<Elem, 2, 2>(w, row_bytes, xt, yt, y_stride, rows, n);
        break;
      case 3:
        all_groups<Elem, 2, 3>(w, row_bytes, xt, yt, y_stride, rows, n);
        break;
      default:
        all_groups<Elem, 2, 4>(w, row_bytes, xt, yt, y_stride, rows, n);
        break;
    }
  }
}

// ---- The prompt form: a GEMM over the layout, rows in the lanes, tokens broadcast.

inline constexpr size_t kDepth = 256;  // most elements per pass over a tile (Elem::kDepth: 8 KiB a group in L1)
// A micro-tile: one group (16 rows, one weight vector per element) against 16 tokens (16 accumulators, each
// broadcast taken from memory by its multiply-add). Measured on the Xeon (KernelPrompt, interleaved) against 1 x 24,
// 2 x 12 and 2 x 8: no worse than any within the machine's noise, with the fewest registers and instantiations.
inline constexpr size_t kTileGroups = 1;
inline constexpr int kTileTokens = 16;
inline constexpr size_t kChunkGroups = 32;  // groups whose depth slice (256 KiB) stays in L2 while every tile passes

// Elements [0, depth) of a tile: kGroups groups (group_bytes apart, already at the slice's first element) against
// kTok tokens packed at stride kDepth in xp, accumulated into y[t · y_stride + 16g + j] (started at zero when
// `first`). One long chain per (row, token): the 24 independent accumulators already fill the multiply-add units.
template <class Elem, int kGroups, int kTok>
inline void prompt_tile(const uint8_t* w, size_t group_bytes, const float* xp, size_t depth, float* y, size_t y_stride,
                        bool first) {
  __m512 acc[kGroups][kTok];  // (kGroups, kTok) 16 rows' sums each
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t)
      acc[g][t] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(y + t * y_stride + kGroup * g);
  for (size_t i = 0; i < depth; ++i) {
    __m512 wv[kGroups];
    for (int g = 0; g < kGroups; ++g) wv[g] = Elem::load16(w + g * group_bytes + i * Elem::kGroupBytes);
#pragma GCC unroll 16
    for (int t = 0; t < kTok; ++t) {
      const __m512 xv = _mm512_set1_ps(xp[t * kDepth + i]);
      for (int g = 0; g < kGroups; ++g) acc[g][t] = _mm512_fmadd_ps(wv[g], xv, acc[g][t]);
    }
  }
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) _mm512_storeu_ps(y + t * y_stride + kGroup * g, acc[g][t]);
}

// A tile of kTok tokens over groups [0, groups), kTileGroups at a time.
template <class Elem, int kTok>
inline void prompt_groups(const uint8_t* w, size_t group_bytes, size_t groups, const float* xp, size_t depth, float* y,
                          size_t y_stride, bool first) {
  size_t g = 0;
  for (; g + kTileGroups <= groups; g += kTileGroups)
    prompt_tile<Elem, kTileGroups, kTok>(w + g * group_bytes, group_bytes, xp, depth, y + g * kGroup, y_stride, first);
  for (; g < groups; ++g)
    prompt_tile<Elem, 1, kTok>(w + g * group_bytes, group_bytes, xp, depth, y + g * kGroup, y_stride, first);
}

template <class Elem, int kTok = kTileTokens>
inline void prompt_tokens(int count, const uint8_t* w, size_t group_bytes, size_t groups, const float* xp, size_t depth,
                          float* y, size_t y_stride, bool first) {
  if constexpr (kTok > 1) {
    if (count < kTok) {
      prompt_tokens<Elem, kTok - 1>(count, w, group_bytes, groups, xp, depth, y, y_stride, first);
      return;
    }
  }
  prompt_groups<Elem, kTok>(w, group_bytes, groups, xp, depth, y, y_stride, first);
}

// A prompt chunk: groups in chunks that stay in L2, the depth in kDepth slices, and tokens in tiles of up to
// kTileTokens whose slice of x is copied to a stride-kDepth block first (one base pointer with constant offsets for
// every broadcast, whatever the tokens' addresses).
template <class Elem>
inline void prompt(const uint8_t* w, size_t row_bytes, const Activations* x, size_t count, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  alignas(64) float xp[kTileTokens * kDepth];  // (kTileTokens, kDepth) one tile's tokens over one depth slice
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup;
  for (size_t g0 = 0; g0 < groups; g0 += kChunkGroups) {
    const size_t chunk = std::min(kChunkGroups, groups - g0);
    for (size_t i0 = 0; i0 < n; i0 += Elem::kDepth) {
      const size_t depth = std::min(Elem::kDepth, n - i0);
      for (size_t t0 = 0; t0 < count; t0 += kTileTokens) {
        const size_t tile = std::min<size_t>(kTileTokens, count - t0);
        for (size_t t = 0; t < tile; ++t) std::memcpy(xp + t * kDepth, x[t0 + t].f32 + i0, depth * sizeof(float));
        prompt_tokens<Elem>(static_cast<int>(tile), w + g0 * group_bytes + i0 * Elem::kGroupBytes, group_bytes, chunk,
                            xp, depth, y + t0 * y_stride + g0 * kGroup, y_stride, i0 == 0);
      }
    }
  }
}

}  // namespace edt::kernels::float_x16
