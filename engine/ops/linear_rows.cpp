#include "engine/ops/linear_rows.h"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cassert>

#include "engine/ops/row_chunks.h"

namespace edt {

namespace {

// Weight rows per block: a multiple of the kernels' 4-row groups, small enough that a block of the widest matrix
// (a few KiB per row) stays in L1/L2 while every token passes over it.
constexpr size_t kBlockRows = 16;

// Rows first .. first+n-1 of X (n <= xa.size(): the caller's views, kRowwiseMaxRows of them, or kFloatPromptMaxRows
// for a prompt over f32 activations only).
void run_rows(std::span<const MatvecTask> tasks, const float* x, size_t first, size_t n, void* scratch, int n_threads,
              bool prompt, std::span<Activations> xa) {
  const size_t cols = tasks[0].w->cols;
  size_t work = 0;
  ActFormatSet formats = 0;
  for (const MatvecTask& t : tasks) {
    assert(t.w->cols == cols);
    work += t.w->rows * cols;
    if (t.w->activations != ActFormat::F32) formats |= act_bit(t.w->activations);
  }
  // Each row's input in every format the matrices need, once (as matvec_group quantizes a lone row's), into xa.
  assert(n <= xa.size() && (formats == 0 || n <= kRowwiseMaxRows));
  const size_t bytes = activation_scratch_bytes(formats, cols);
  const Isa isa = tasks[0].w->isa;
  auto quantize = [&](size_t r) {
    xa[r] = quantize_activations(formats, x + (first + r) * cols, static_cast<uint8_t*>(scratch) + r * bytes, cols, isa);
  };
  // The row partition of matvec_group (WeightMatrix::part_begin), so every output row comes from the same kernel call
  // shape as when its token runs alone; each block of W rows meets every token while it is in cache.
  auto run_part = [&](size_t part, size_t parts) {
    for (const MatvecTask& t : tasks) {
      const WeightMatrix& w = *t.w;
      const size_t begin = w.part_begin(part, parts), end = w.part_begin(part + 1, parts);
      if (prompt) {
        // The prompt form takes its 8-row groups across the whole slice, every token against each group.
        if (end > begin) w.prompt(w.row(begin), w.row_bytes, xa.data(), n, t.y + first * w.rows + begin, w.rows, end - begin, cols);
        continue;
      }
      // Up to kMaxTileTokens rows meet each weight group inside one kernel call, so the slice goes in one call
      // (as matvec_group's decode does: no per-block calls on the decode path); more rows take the slice in blocks
      // that stay in cache while every pass over the rows runs.
      const size_t step =
          w.decode_tokens != nullptr && n <= kMaxTileTokens ? end - begin : std::max(kBlockRows, w.row_group);
      for (size_t b = begin; b < end; b += step)
        decode_tokens(w, w.row(b), xa.data(), n, t.y + first * w.rows + b, w.rows, std::min(step, end - b));
    }
  };
  // The same threshold as matvec_group (per token), so a lone token takes the same route either way.
  if (n_threads <= 1 || work < 32768) {
    for (size_t r = 0; r < n; ++r) quantize(r);
    run_part(0, 1);
    return;
  }
  // A few rows (decode steps) are quantized before the parallel region, as matvec_group does: quantizing them is
  // cheaper than the barrier that sharing the work would need, on a path that runs every matrix of every token.
  // Their chunks are balanced between the threads at run time (row_chunks.h).
  if (n <= kMaxTileTokens && !prompt && tasks.size() <= kMaxTaskMatrices) {
    for (size_t r = 0; r < n; ++r) quantize(r);
    run_balanced(tasks, n_threads, [&](size_t task, const WeightMatrix& w, size_t begin, size_t rows) {
      // As run_part: without a multi-token form, blocks that stay in cache while each row of X passes.
      const size_t step = w.decode_tokens != nullptr ? rows : std::max(kBlockRows, w.row_group);
      for (size_t b = begin; b < begin + rows; b += step)
        decode_tokens(w, w.row(b), xa.data(), n, tasks[task].y + first * w.rows + b, w.rows,
                      std::min(step, begin + rows - b));
    });
    return;
  }
  if (n <= kMaxTileTokens) {
    for (size_t r = 0; r < n; ++r) quantize(r);
#pragma omp parallel num_threads(n_threads)
    run_part(static_cast<size_t>(omp_get_thread_num()), static_cast<size_t>(omp_get_num_threads()));
    return;
  }
#pragma omp parallel num_threads(n_threads)
  {
    const auto part = static_cast<size_t>(omp_get_thread_num()), parts = static_cast<size_t>(omp_get_num_threads());
    for (size_t r = part; r < n; r += parts) quantize(r);  // a prompt's rows are quantized by all threads
#pragma omp barrier
    run_part(part, parts);
  }
}

}  // namespace

void matvec_rows_group(std::span<const MatvecTask> tasks, const float* x, size_t n, void* scratch, int n_threads) {
  if (tasks.empty()) return;
  // kRowwiseMaxRows rows at a time (the activation views of one group); each group reads W once.
  std::array<Activations, kRowwiseMaxRows> xa;
  for (size_t first = 0; first < n; first += kRowwiseMaxRows)
    run_rows(tasks, x, first, std::min(kRowwiseMaxRows, n - first), scratch, n_threads, false, xa);
}

void matvec_prompt_rows_group(std::span<const MatvecTask> tasks, const float* x, size_t n, void* scratch,
                              int n_threads) {
  if (tasks.empty()) return;
  const bool f32_only =
      std::all_of(tasks.begin(), tasks.end(), [](const MatvecTask& t) { return t.w->activations == ActFormat::F32; });
  auto passes = [&](std::span<Activations> xa) {
    for (size_t first = 0; first < n; first += xa.size())
      run_rows(tasks, x, first, std::min(xa.size(), n - first), scratch, n_threads, true, xa);
  };
  if (f32_only) {
    std::array<Activations, kFloatPromptMaxRows> xa;  // views only: f32 activations need no scratch
    passes(xa);
  } else {
    std::array<Activations, kRowwiseMaxRows> xa;
    passes(xa);
  }
}

}  // namespace edt
