#include "engine/ops/linear.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cassert>
#include <mutex>
#include <vector>

#include "engine/ops/row_chunks.h"

namespace edt {

namespace {

// A matrix bound to the kernels of row k at isa: a stored type's row, or a repacked layout's (whose dequantize[] is
// empty and whose row_group and dequantize_lane are set).
WeightMatrix bind_kernels(const TypeKernels& k, const uint8_t* data, size_t rows, size_t cols, Isa isa) {
  assert(rows % k.row_group == 0);
  WeightMatrix w{k.type,
                 data,
                 rows,
                 cols,
                 *ggml_row_bytes(k.type, cols),
                 k.activations,
                 decode_kernel(k, isa),
                 decode_tokens_kernel(k, isa),
                 prompt_kernel(k, isa),
                 dequantize_kernel(k, isa),
                 k.dequantize[0],
                 isa};
  w.row_group = k.row_group;
  w.dequantize_lane = k.dequantize_lane;
  return w;
}

}  // namespace

WeightMatrix bind_weight_matrix(GgmlType type, const uint8_t* data, size_t rows, size_t cols, Isa isa) {
  return bind_kernels(*type_kernels(type), data, rows, cols, isa);
}

WeightMatrix bind_repacked_matrix(const TypeKernels& layout, const uint8_t* data, size_t rows, size_t cols, Isa isa) {
  return bind_kernels(layout, data, rows, cols, isa);
}

size_t matvec_scratch_bytes(size_t cols) {
  // Q8_K needs whole 256-blocks; a width that is not one cannot have K-type matrices, so it is left out.
  ActFormatSet all = act_bit(ActFormat::Q8_0);
  if (cols % kSuperBlock == 0) all |= act_bit(ActFormat::Q8_K);
  return activation_scratch_bytes(all, cols);
}

void matvec(const WeightMatrix& w, const float* x, float* y, void* scratch, int n_threads) {
  const MatvecTask task{&w, y};
  matvec_group(std::span<const MatvecTask>(&task, 1), x, scratch, n_threads);
}

void matvec_group(std::span<const MatvecTask> tasks, const float* x, void* scratch, int n_threads) {
  if (tasks.empty()) return;
  const size_t cols = tasks[0].w->cols;
  size_t work = 0;
  ActFormatSet formats = 0;
  for (const MatvecTask& t : tasks) {
    assert(t.w->cols == cols);
    work += t.w->rows * cols;
    if (t.w->activations != ActFormat::F32) formats |= act_bit(t.w->activations);
  }
  const Activations xa = quantize_activations(formats, x, scratch, cols, tasks[0].w->isa);
  // Thread `part` of `parts` takes rows [begin, end) of every matrix, cut at the kernels' row groups.
  auto run_part = [&](size_t part, size_t parts) {
    for (const MatvecTask& t : tasks) {
      const WeightMatrix& w = *t.w;
      const size_t begin = w.part_begin(part, parts), end = w.part_begin(part + 1, parts);
      if (end <= begin) continue;
      w.decode(w.row(begin), w.row_bytes, xa, t.y + begin, end - begin, cols);
    }
  };
  // Small products are not worth waking threads for.
  if (n_threads <= 1 || work < 32768) {
    run_part(0, 1);
    return;
  }
  if (tasks.size() > kMaxTaskMatrices) {
#pragma omp parallel num_threads(n_threads)
    run_part(static_cast<size_t>(omp_get_thread_num()), static_cast<size_t>(omp_get_num_threads()));
    return;
  }
  // Chunks balanced between the threads at run time (row_chunks.h).
  run_balanced(tasks, n_threads, [&](size_t task, const WeightMatrix& w, size_t begin, size_t rows) {
    w.decode(w.row(begin), w.row_bytes, xa, tasks[task].y + begin, rows, cols);
  });
}

void use_single_threaded_blas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

void matmul(const WeightMatrix& w, const float* x, size_t n, float* y, float* scratch, int n_threads) {
  if (n == 1) {
    matvec(w, x, y, scratch, n_threads);
    return;
  }
  use_single_threaded_blas();
  const auto n_i = static_cast<blasint>(n), cols = static_cast<blasint>(w.cols), ldc = static_cast<blasint>(w.rows);
  // Each thread owns a contiguous slice of output rows (a multiple of 16, for the sgemm kernels' tiles).
  const size_t per_thread = (w.rows + static_cast<size_t>(n_threads) - 1) / static_cast<size_t>(n_threads);
  const size_t slice = std::max<size_t>(16, (per_thread + 15) / 16 * 16);
  const auto slices = static_cast<long>((w.rows + slice - 1) / slice);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long s = 0; s < slices; ++s) {
    const size_t r_begin = static_cast<size_t>(s) * slice, r_end = std::min(w.rows, r_begin + slice);
    if (w.type == GgmlType::F32 && w.row_group == 1) {  // rows as stored: sgemm reads them in place
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_i, static_cast<blasint>(r_end - r_begin), cols, 1.0f, x,
                  cols, reinterpret_cast<const float*>(w.row(r_begin)), cols, 0.0f, y + r_begin, ldc);
      continue;
    }
    float* rows_f32 = scratch + static_cast<size_t>(omp_get_thread_num()) * kGemmBlockRows * w.cols;
    for (size_t r0 = r_begin; r0 < r_end; r0 += kGemmBlockRows) {
      const size_t block = std::min(kGemmBlockRows, r_end - r0);
      for (size_t r = 0; r < block; ++r) w.dequantize_row(r0 + r, rows_f32 + r * w.cols);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_i, static_cast<blasint>(block), cols, 1.0f, x, cols,
                  rows_f32, cols, 0.0f, y + r0, ldc);
    }
  }
}

void matmul_group(std::span<const MatvecTask> tasks, const float* x, size_t n, float* scratch, int n_threads) {
  if (n == 1) {
    matvec_group(tasks, x, scratch, n_threads);
    return;
  }
  for (const MatvecTask& t : tasks) matmul(*t.w, x, n, t.y, scratch, n_threads);
}

void matmul_ref(const WeightMatrix& w, const float* x, size_t n, float* y) {
  std::vector<float> row(w.cols);  // (cols) one dequantized weight row
  for (size_t r = 0; r < w.rows; ++r) {
    if (w.row_group == 1) {
      w.dequantize_ref(w.row(r), row.data(), w.cols);
    } else {
      w.dequantize_row(r, row.data());  // a repacked layout's one dequantizer is its reference
    }
    for (size_t t = 0; t < n; ++t) {
      double s = 0;
      for (size_t c = 0; c < w.cols; ++c) s += static_cast<double>(row[c]) * x[t * w.cols + c];
      y[t * w.rows + r] = static_cast<float>(s);
    }
  }
}

}  // namespace edt
