#pragma once
// The float x16 layouts' kernels (layout in float_x16_layout.h), written once over a level's 16-row vector V (zero,
// load/store of 16 floats, multiply-add by a broadcast float, and the level's tile sizes: one __m512 in
// float_x16_avx512.cpp, the only level that has them; see float_x16.cpp for the AVX2 one measured and dropped) and
// a type's Elem policy at that level (its 16-row load with the conversion to f32, and its bytes per element of a
// group). The products are exact f32 multiply-adds of the converted weights with the f32 activations, as the stored
// rows' kernels do: only the order of the sums differs, so a forward pass keeps the f32 references' tolerance.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/prefetch.h"
#include "engine/kernels/kernel_table.h"

namespace edt::kernels::float_x16 {

inline constexpr size_t kGroup = 16;
inline constexpr size_t kPrefetchBytes = 1024;  // how far ahead in a group's stream its lines are asked for

// kGroups consecutive groups (group_bytes apart) against kTok tokens: y[t · y_stride + 16g + j] for row j of group
// g. Two accumulators per (group, token), even and odd elements, so decode's four groups keep eight independent
// multiply-add chains. Every (row, token) value is the same operations in the same order whatever kGroups and kTok
// are, so the multi-token form gives decode's bits.
template <class V, class Elem, int kGroups, int kTok>
inline void groups_pass(const uint8_t* w, size_t group_bytes, const Activations* x, float* y, size_t y_stride,
                        size_t n) {
  typename V::Reg even[kGroups][kTok], odd[kGroups][kTok];  // (kGroups, kTok) 16 rows' partial sums each
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) even[g][t] = odd[g][t] = V::zero();
  // The last kPrefetchBytes of a group prefetch the head of the group kGroups on, the same stream's in the next
  // pass (groups are contiguous: kPrefetchBytes past a group's end is the next group's head, so the jump is the
  // kGroups - 1 groups between), so a pass does not start its streams cold.
  const size_t tail_from = n * Elem::kGroupBytes > kPrefetchBytes ? n * Elem::kGroupBytes - kPrefetchBytes : 0;
  const size_t next_pass = (kGroups - 1) * group_bytes;
  size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const size_t ahead = kPrefetchBytes + (i * Elem::kGroupBytes >= tail_from ? next_pass : 0);
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      const uint8_t* b = w + g * group_bytes + i * Elem::kGroupBytes;
      // Every line of the two elements kPrefetchBytes ahead in this group's stream (the four streams of a decode
      // pass are more than the hardware prefetcher keeps ahead of on its own).
      for (size_t off = 0; off < 2 * Elem::kGroupBytes; off += 64)
        prefetch_to_l2(b + ahead + off);
      const typename V::Reg w0 = Elem::load16(b), w1 = Elem::load16(b + Elem::kGroupBytes);
#pragma GCC unroll 4
      for (int t = 0; t < kTok; ++t) {
        even[g][t] = V::fmadd(w0, x[t].f32[i], even[g][t]);
        odd[g][t] = V::fmadd(w1, x[t].f32[i + 1], odd[g][t]);
      }
    }
  }
  if (i < n)
    for (int g = 0; g < kGroups; ++g) {
      const typename V::Reg w0 = Elem::load16(w + g * group_bytes + i * Elem::kGroupBytes);
      for (int t = 0; t < kTok; ++t) even[g][t] = V::fmadd(w0, x[t].f32[i], even[g][t]);
    }
  for (int g = 0; g < kGroups; ++g)
    for (int t = 0; t < kTok; ++t) V::store(y + t * y_stride + kGroup * g, V::add(even[g][t], odd[g][t]));
}

// All groups of [0, rows) (whole groups) against kTok tokens, kGroups at a time while they last.
template <class V, class Elem, int kGroups, int kTok>
inline void all_groups(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride, size_t rows,
                       size_t n) {
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup;
  size_t g = 0;
  for (; g + kGroups <= groups; g += kGroups)
    groups_pass<V, Elem, kGroups, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, n);
  for (; g < groups; ++g)
    groups_pass<V, Elem, 1, kTok>(w + g * group_bytes, group_bytes, x, y + g * kGroup, y_stride, n);
}

// decode: V::kDecodeGroups groups at a time (as many weight streams).
template <class V, class Elem>
inline void rows(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  all_groups<V, Elem, V::kDecodeGroups, 1>(w, row_bytes, &x, y, 0, rows, n);
}

// The multi-token form: V::kTokensPerPass tokens per pass over V::kTokenGroups groups (AVX-512: 4 tokens over 2
// groups, 16 accumulators and four weight vectors), one token over decode's groups.
template <class V, class Elem>
inline void tokens(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  constexpr size_t kPass = V::kTokensPerPass;
  for (size_t t = 0; t < tokens; t += kPass) {
    const Activations* xt = x + t;
    float* yt = y + t * y_stride;
    const size_t left = tokens - t;
    if (left == 1) {
      all_groups<V, Elem, V::kDecodeGroups, 1>(w, row_bytes, xt, yt, y_stride, rows, n);
    } else if (kPass > 2 && left == 2) {
      all_groups<V, Elem, V::kTokenGroups, 2>(w, row_bytes, xt, yt, y_stride, rows, n);
    } else if (kPass > 3 && left == 3) {
      all_groups<V, Elem, V::kTokenGroups, (kPass > 3 ? 3 : kPass)>(w, row_bytes, xt, yt, y_stride, rows, n);
    } else {
      all_groups<V, Elem, V::kTokenGroups, kPass>(w, row_bytes, xt, yt, y_stride, rows, n);
    }
  }
}

// ---- The prompt form: a GEMM over the layout, rows in the lanes, tokens broadcast.

inline constexpr size_t kDepth = 128;  // elements per depth slice: 8 KiB of a packed group, in L1 while a tile passes
// A micro-tile: V::kTileGroups groups (16 rows each, one weight vector per group and element) against up to
// V::kTileTokens tokens, each token's element broadcast once and multiplied into every group. AVX-512: 3 groups x 8
// tokens (24 accumulators, 3 weight loads and 8 broadcasts per 24 multiply-adds; one group x 16 tokens needed a load
// per multiply-add and ran 10-20% slower on a Zen 5; bench/RESULTS.md has the shapes measured).
inline constexpr size_t kChunkGroups = 32;  // groups whose depth slice (256 KiB) stays in L2 while every tile passes

// Elements [0, depth) of a tile: kG groups (group_bytes apart, already at the slice's first element) against kTok
// tokens packed at stride kDepth in xp, accumulated into y[t · y_stride + 16g + j] (started at zero when `first`).
// One long chain per (row, token), in element order whatever the tile's shape: the tile's independent accumulators
// already fill the multiply-add units, and every shape gives the same bits.
// With a `pack` block, each loaded weight vector is also stored there as f32, group g's element i at
// pack[(g · kDepth + i) · 16], for the slice's later tiles to read.
template <class V, class Elem, int kG, int kTok>
inline void prompt_tile(const uint8_t* w, size_t group_bytes, const float* xp, size_t depth, float* y, size_t y_stride,
                        bool first, float* pack) {
  typename V::Reg acc[kG][kTok];  // (kG, kTok) 16 rows' sums each
  for (int g = 0; g < kG; ++g)
    for (int t = 0; t < kTok; ++t) acc[g][t] = first ? V::zero() : V::load(y + t * y_stride + kGroup * g);
  for (size_t i = 0; i < depth; ++i) {
    typename V::Reg wv[kG];  // (kG) element i of each group's 16 rows
    for (int g = 0; g < kG; ++g) wv[g] = Elem::load16(w + g * group_bytes + i * Elem::kGroupBytes);
    if (pack)
      for (int g = 0; g < kG; ++g) V::store(pack + (g * kDepth + i) * kGroup, wv[g]);
#pragma GCC unroll 16
    for (int t = 0; t < kTok; ++t) {
      const typename V::Reg xv = V::broadcast(xp[t * kDepth + i]);
      for (int g = 0; g < kG; ++g) acc[g][t] = V::fmadd(wv[g], xv, acc[g][t]);
    }
  }
  for (int g = 0; g < kG; ++g)
    for (int t = 0; t < kTok; ++t) V::store(y + t * y_stride + kGroup * g, acc[g][t]);
}

// The next depth slice's lines in the matrix, asked for into L2 a few at a time while the current slice's tiles run,
// so that its first tile, which reads it from the matrix, finds more of it in cache (on the Zen 4, medians of four
// interleaved rounds without and with: L f32 pp128 95.4 -> 98.7 tok/s, M f16 1026 -> 1065, L f16 and M f32 level).
struct SliceLines {
  const uint8_t* first = nullptr;  // the slice's first element in its first group
  size_t group_bytes = 0, lines_per_group = 0, lines = 0, next = 0, per_step = 0;
  void step() {
    for (const size_t end = std::min(lines, next + per_step); next < end; ++next)
      prefetch_to_l2(first + next / lines_per_group * group_bytes + next % lines_per_group * 64);
  }
};

// A tile of kTok tokens over groups [0, groups), V::kTileGroups at a time and the rest one by one, a step of `ahead`
// after each; count < kTok goes to the instantiation for count. With `pack`, the groups' weights are stored there too
// (group g at pack + g · kDepth · 16).
template <class V, class Elem, int kTok = V::kTileTokens>
inline void prompt_tokens(int count, const uint8_t* w, size_t group_bytes, size_t groups, const float* xp, size_t depth,
                          float* y, size_t y_stride, bool first, SliceLines& ahead, float* pack) {
  if constexpr (kTok > 1) {
    if (count < kTok) {
      prompt_tokens<V, Elem, kTok - 1>(count, w, group_bytes, groups, xp, depth, y, y_stride, first, ahead, pack);
      return;
    }
  }
  constexpr int kG = V::kTileGroups;
  const auto pack_at = [&](size_t g) { return pack ? pack + g * kDepth * kGroup : nullptr; };
  size_t g = 0;
  for (; g + kG <= groups; g += kG) {
    prompt_tile<V, Elem, kG, kTok>(w + g * group_bytes, group_bytes, xp, depth, y + g * kGroup, y_stride, first,
                                   pack_at(g));
    ahead.step();
  }
  for (; g < groups; ++g) {
    prompt_tile<V, Elem, 1, kTok>(w + g * group_bytes, group_bytes, xp, depth, y + g * kGroup, y_stride, first,
                                  pack_at(g));
    ahead.step();
  }
}

// The packed slices' element loader: sixteen f32, whatever the stored type.
template <class V>
struct PackedF32 {
  static constexpr size_t kGroupBytes = 16 * sizeof(float);
  static typename V::Reg load16(const uint8_t* p) { return V::load(reinterpret_cast<const float*>(p)); }
};

// A prompt chunk: groups in chunks that stay in L2, the depth in kDepth slices, and tokens in tiles of up to
// V::kTileTokens whose slice of x is copied to a stride-kDepth block first (one base pointer with constant offsets for
// every broadcast, whatever the tokens' addresses). A slice's first tile reads it from the matrix and also stores the
// weights it converted (exactly, as decode's loads do) into one contiguous f32 block, which the slice's other tiles
// read: so F16 and BF16 convert once per slice, not once per tile, and the later tiles' reads do not alias in L2 (in
// the matrix the slices lie a group apart, and a group of a 2048-wide f32 or f16 matrix is 128 or 64 KiB, so the 32
// slices of a chunk fell on the same L2 sets and evicted each other before the next tile read them). Packing in the
// first tile rather than in a pass of its own keeps the multiply-adds busy while the slice comes from memory.
template <class V, class Elem>
inline void prompt(const uint8_t* w, size_t row_bytes, const Activations* x, size_t count, float* y, size_t y_stride,
                   size_t rows, size_t n) {
  alignas(64) float xp[V::kTileTokens * kDepth];  // (V::kTileTokens, kDepth) one tile's tokens over one depth slice
  constexpr size_t kSliceFloats = kDepth * kGroup;
  struct alignas(64) Line {
    float f[16];
  };
  // (kChunkGroups, kDepth, 16) one chunk's depth slices as f32, contiguous; per thread, sized once.
  thread_local std::vector<Line> packed(kChunkGroups * kDepth);
  float* slices = packed.front().f;
  const size_t group_bytes = kGroup * row_bytes, groups = rows / kGroup;
  const size_t tiles = (count + V::kTileTokens - 1) / V::kTileTokens;
  for (size_t g0 = 0; g0 < groups; g0 += kChunkGroups) {
    const size_t chunk = std::min(kChunkGroups, groups - g0);
    for (size_t i0 = 0; i0 < n; i0 += kDepth) {
      const size_t depth = std::min(kDepth, n - i0);
      // The slice after this one: the next depth, or the next chunk's first; spread over this slice's tile steps.
      SliceLines ahead;
      const size_t next_g0 = i0 + kDepth < n ? g0 : g0 + kChunkGroups, next_i0 = i0 + kDepth < n ? i0 + kDepth : 0;
      if (next_g0 < groups) {
        const size_t next_chunk = std::min(kChunkGroups, groups - next_g0);
        const size_t steps_per_tile = chunk / V::kTileGroups + chunk % V::kTileGroups;
        ahead.first = w + next_g0 * group_bytes + next_i0 * Elem::kGroupBytes;
        ahead.group_bytes = group_bytes;
        ahead.lines_per_group = (std::min(kDepth, n - next_i0) * Elem::kGroupBytes + 63) / 64;
        ahead.lines = next_chunk * ahead.lines_per_group;
        ahead.per_step = (ahead.lines + tiles * steps_per_tile - 1) / (tiles * steps_per_tile);
      }
      // The first tile reads the slice from the matrix and packs it as it goes; the others read the packed block.
      const uint8_t* slice = w + g0 * group_bytes + i0 * Elem::kGroupBytes;
      for (size_t t0 = 0; t0 < count; t0 += V::kTileTokens) {
        const size_t tile = std::min<size_t>(V::kTileTokens, count - t0);
        for (size_t t = 0; t < tile; ++t) std::memcpy(xp + t * kDepth, x[t0 + t].f32 + i0, depth * sizeof(float));
        float* yt = y + t0 * y_stride + g0 * kGroup;
        if (t0 == 0)
          prompt_tokens<V, Elem>(static_cast<int>(tile), slice, group_bytes, chunk, xp, depth, yt, y_stride, i0 == 0,
                                 ahead, tiles > 1 ? slices : nullptr);
        else
          prompt_tokens<V, PackedF32<V>>(static_cast<int>(tile), reinterpret_cast<const uint8_t*>(slices),
                                         kSliceFloats * sizeof(float), chunk, xp, depth, yt, y_stride, i0 == 0, ahead,
                                         nullptr);
      }
    }
  }
}

}  // namespace edt::kernels::float_x16
