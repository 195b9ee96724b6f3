#pragma once
// The loops every multi-token decode body shares. A body computes kRows rows against kTok tokens at once, with
// per token exactly the operations (and horizontal-sum order) of the one-token kernel it is instantiated from at
// kTok = 1; these loops take the rows in the one-token kernel's groups (kGroupRows, then single rows), so every
// value is bit for bit what decode gives for that token alone.
#include <cstddef>
#include <cstdint>

#include "engine/kernels/activations.h"

namespace edt::kernels {

// Body::template group<kRows, kTok>(w, row_bytes, x, y, y_stride, blocks): rows [0, kRows) of w against the
// activations x[0 .. kTok), writing y[t * y_stride + r].
template <class Body, int kGroupRows, int kTok>
inline void rows_in_groups(const uint8_t* w, size_t row_bytes, const Activations* x, float* y, size_t y_stride,
                           size_t rows, size_t blocks) {
  size_t r = 0;
  if constexpr (kGroupRows > 1)
    for (; r + kGroupRows <= rows; r += kGroupRows)
      Body::template group<kGroupRows, kTok>(w + r * row_bytes, row_bytes, x, y + r, y_stride, blocks);
  for (; r < rows; ++r) Body::template group<1, kTok>(w + r * row_bytes, row_bytes, x, y + r, y_stride, blocks);
}

// Any number of tokens in passes of at most kMaxTok (what the level's registers hold) over the rows.
template <class Body, int kGroupRows, int kMaxTok>
inline void tokens_in_passes(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                             size_t y_stride, size_t rows, size_t blocks) {
  static_assert(kMaxTok >= 1 && kMaxTok <= 4);
  for (size_t t = 0; t < tokens;) {
    const size_t left = tokens - t;
    const Activations* xt = x + t;
    float* yt = y + t * y_stride;
    if constexpr (kMaxTok >= 4)
      if (left >= 4) {
        rows_in_groups<Body, kGroupRows, 4>(w, row_bytes, xt, yt, y_stride, rows, blocks);
        t += 4;
        continue;
      }
    if constexpr (kMaxTok >= 3)
      if (left == 3) {
        rows_in_groups<Body, kGroupRows, 3>(w, row_bytes, xt, yt, y_stride, rows, blocks);
        t += 3;
        continue;
      }
    if constexpr (kMaxTok >= 2)
      if (left >= 2) {
        rows_in_groups<Body, kGroupRows, 2>(w, row_bytes, xt, yt, y_stride, rows, blocks);
        t += 2;
        continue;
      }
    rows_in_groups<Body, kGroupRows, 1>(w, row_bytes, xt, yt, y_stride, rows, blocks);
    t += 1;
  }
}

}  // namespace edt::kernels
