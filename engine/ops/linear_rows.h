#pragma once
// A few rows of X through the one-token (matrix-vector) kernels: the decode tokens of several sequences in one
// step of a server. Each thread takes a slice of W's rows in small blocks and runs every row of X against a block
// while it is in cache, so W is read from memory once per step, and each row's result is bit-identical to
// matvec_group of that row alone (same kernels, same row partition) — a sequence's tokens do not depend on what
// else is in the batch. No dequantization to f32, which is what makes batched decoding of quantized weights pay.
#include <cstddef>
#include <span>

#include "engine/ops/linear.h"

namespace edt {

// Rows per pass over W (the activation views one pass holds); more rows take several passes.
inline constexpr size_t kRowwiseMaxRows = 16;

// For each task, y (n, w->rows) = X (n, cols) · Wᵀ. scratch: min(n, kRowwiseMaxRows) * matvec_scratch_bytes(cols)
// bytes (each row's input in the activation formats the matrices need).
void matvec_rows_group(std::span<const MatvecTask> tasks, const float* x, size_t n, void* scratch, int n_threads);

}  // namespace edt
