#include "engine/ops/linear.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "weights/quant_blocks.h"

namespace edt {

void matvec(const WeightMatrix& w, const float* x, float* y, void* scratch, int n_threads) {
  const auto rows = static_cast<long>(w.rows);
  // Small matrices are not worth waking threads for.
  const int threads = w.rows * w.cols < 32768 ? 1 : n_threads;
  if (w.qdot) {
    auto* xq = static_cast<BlockQ8_0*>(scratch);
    quantize_activations_q8_0(x, xq, w.cols, w.isa);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long r = 0; r < rows; ++r) y[r] = w.qdot(w.row(static_cast<size_t>(r)), xq, w.cols);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long r = 0; r < rows; ++r) y[r] = w.dot(w.row(static_cast<size_t>(r)), x, w.cols);
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
    if (w.type == GgmlType::F32) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_i, static_cast<blasint>(r_end - r_begin), cols, 1.0f, x,
                  cols, reinterpret_cast<const float*>(w.row(r_begin)), cols, 0.0f, y + r_begin, ldc);
      continue;
    }
    float* rows_f32 = scratch + static_cast<size_t>(omp_get_thread_num()) * kGemmBlockRows * w.cols;
    for (size_t r0 = r_begin; r0 < r_end; r0 += kGemmBlockRows) {
      const size_t block = std::min(kGemmBlockRows, r_end - r0);
      for (size_t r = 0; r < block; ++r) dequantize_row(w.type, w.row(r0 + r), rows_f32 + r * w.cols, w.cols);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_i, static_cast<blasint>(block), cols, 1.0f, x, cols,
                  rows_f32, cols, 0.0f, y + r0, ldc);
    }
  }
}

void matmul_ref(const WeightMatrix& w, const float* x, size_t n, float* y) {
  std::vector<float> row(w.cols);  // (cols) one dequantized weight row
  for (size_t r = 0; r < w.rows; ++r) {
    dequantize_row(w.type, w.row(r), row.data(), w.cols);
    for (size_t t = 0; t < n; ++t) {
      double s = 0;
      for (size_t c = 0; c < w.cols; ++c) s += static_cast<double>(row[c]) * x[t * w.cols + c];
      y[t * w.rows + r] = static_cast<float>(s);
    }
  }
}

}  // namespace edt
