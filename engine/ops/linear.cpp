#include "engine/ops/linear.h"

#include <cblas.h>
#include <omp.h>

#include <vector>

#include "weights/quant_blocks.h"

namespace edt {

void matvec(const WeightMatrix& w, const float* x, float* y, int n_threads) {
  const auto rows = static_cast<long>(w.rows);
  // Small matrices are not worth waking threads for.
  const int threads = w.rows * w.cols < 32768 ? 1 : n_threads;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long r = 0; r < rows; ++r) y[r] = w.dot(w.row(static_cast<size_t>(r)), x, w.cols);
}

void matmul(const WeightMatrix& w, const float* x, size_t n, float* y, float* scratch, int n_threads) {
  if (n == 1) {
    matvec(w, x, y, n_threads);
    return;
  }
  openblas_set_num_threads(n_threads);
  const auto n_i = static_cast<blasint>(n), cols = static_cast<blasint>(w.cols), ldc = static_cast<blasint>(w.rows);
  if (w.type == GgmlType::F32) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_i, ldc, cols, 1.0f, x, cols,
                reinterpret_cast<const float*>(w.data), cols, 0.0f, y, ldc);
    return;
  }
  for (size_t r0 = 0; r0 < w.rows; r0 += kGemmBlockRows) {
    const size_t block = std::min(kGemmBlockRows, w.rows - r0);
    const auto rows_in_block = static_cast<long>(block);
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (long r = 0; r < rows_in_block; ++r)
      dequantize_row(w.type, w.row(r0 + static_cast<size_t>(r)), scratch + static_cast<size_t>(r) * w.cols, w.cols);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_i, static_cast<blasint>(block), cols, 1.0f, x, cols,
                scratch, cols, 0.0f, y + r0, ldc);
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
