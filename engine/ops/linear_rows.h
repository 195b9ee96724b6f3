#pragma once
// Rows of X through the one-token (matrix-vector) kernels, in their multi-token form where the type has one: the
// decode tokens of several sequences in one step of a server, and the prompt rows of integer-kernel types. Each
// thread takes a slice of W's rows in small blocks and runs every row of X against a block while it is in cache,
// so W is read from memory once per pass, and each row's result is bit-identical to matvec_group of that row
// alone (same kernels, same row partition): a sequence's tokens do not depend on what else is in the batch, nor
// a prompt's logits on how it was cut into chunks. No dequantization to f32.
#include <cstddef>
#include <span>

#include "engine/ops/linear.h"

namespace edt {

// Rows per pass over W (the activation views one pass holds); more rows take several passes. 64 rows of the
// widest input (5,632 at the 1B shape) in Q8_0 take about 400 KiB, which stays in L2 while W streams past.
inline constexpr size_t kRowwiseMaxRows = 64;
// Rows per pass of the prompt route when every matrix multiplies the f32 activations themselves (the float types'
// layouts): no quantized copies to keep in cache, and their kernels slice the depth so a tile's x stays in L1, so a
// whole prefill chunk goes in one pass and W streams once instead of once per 64 rows (measured: F32x16 pp128 at the
// 1B shape 1.3x over two passes, bench/RESULTS.md).
inline constexpr size_t kFloatPromptMaxRows = 512;

// For each task, y (n, w->rows) = X (n, cols) · Wᵀ. scratch: min(n, kRowwiseMaxRows) * matvec_scratch_bytes(cols)
// bytes (each row's input in the activation formats the matrices need).
void matvec_rows_group(std::span<const MatvecTask> tasks, const float* x, size_t n, void* scratch, int n_threads);

// The same for the rows of long prompt chunks, through each matrix's prompt form (every task must have one): close
// to decode's values, and bit for bit them where the prompt form is the multi-token decode form.
void matvec_prompt_rows_group(std::span<const MatvecTask> tasks, const float* x, size_t n, void* scratch,
                              int n_threads);

}  // namespace edt
