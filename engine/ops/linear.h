#pragma once
// Y = X · Wᵀ for a weight matrix W (rows, cols) in its storage type, used in place from the mapped file.
// One token (n = 1): a matrix-vector product over our dot kernels, OpenMP over output rows. A batch: OpenBLAS
// sgemm, directly on F32 weights, or on blocks of rows dequantized into the caller's scratch for other types.
// Threads: OpenMP splits the output rows and each thread calls a single-threaded sgemm on its slice, so OpenBLAS's
// own thread pool never competes with OpenMP's for the cores.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/ops/dot_kernels.h"
#include "engine/ops/int8_kernels.h"
#include "weights/tensor_type.h"

namespace edt {

struct WeightMatrix {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  size_t rows = 0;       // output features
  size_t cols = 0;       // input features (contiguous)
  size_t row_bytes = 0;
  DotRowsKernel dot_rows = nullptr;      // float activations; chosen at load time for this type and CPU
  QuantRowsKernel quant_rows = nullptr;  // Q8_0 / Q4_0: integer kernel over Q8_0-quantized activations, else null
  Isa isa = Isa::Scalar;

  const uint8_t* row(size_t r) const { return data + r * row_bytes; }
};

// A matrix over data (rows × cols of type), with the kernels for type on isa. The caller has checked the size.
WeightMatrix bind_weight_matrix(GgmlType type, const uint8_t* data, size_t rows, size_t cols, Isa isa);

// Rows of W dequantized per GEMM block: scratch needs n_threads * kGemmBlockRows * cols floats.
inline constexpr size_t kGemmBlockRows = 128;

// Makes OpenBLAS run each call on the calling thread (once per process); every caller of sgemm relies on it.
void use_single_threaded_blas();

// y (rows) = W · x (cols). For Q8_0 / Q4_0 weights, x is first quantized to Q8_0 into scratch
// (activations_q8_bytes(cols) bytes).
void matvec(const WeightMatrix& w, const float* x, float* y, void* scratch, int n_threads);

// Several products over the same x (q, k and v; gate and up): x is quantized once and all of them run in one
// parallel region, each thread taking its share of every matrix's rows, with no barrier between the matrices.
struct MatvecTask {
  const WeightMatrix* w;
  float* y;  // (w->rows)
};
void matvec_group(std::span<const MatvecTask> tasks, const float* x, void* scratch, int n_threads);

// Y (n, rows) = X (n, cols) · Wᵀ; scratch (n_threads, kGemmBlockRows, cols) is used for non-F32 weights.
void matmul(const WeightMatrix& w, const float* x, size_t n, float* y, float* scratch, int n_threads);

// matmul of several matrices over the same X, each task's y being (n, w->rows): one token goes through
// matvec_group, a batch through matmul per matrix.
void matmul_group(std::span<const MatvecTask> tasks, const float* x, size_t n, float* scratch, int n_threads);

// Reference: double accumulation over dequantized rows, for tests.
void matmul_ref(const WeightMatrix& w, const float* x, size_t n, float* y);

}  // namespace edt
