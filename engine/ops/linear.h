#pragma once
// Y = X · Wᵀ for a weight matrix W (rows, cols) in its storage type, used in place from the mapped file.
// One token (n = 1): a matrix-vector product over our dot kernels, OpenMP over output rows. A batch: OpenBLAS
// sgemm, directly on F32 weights, or on blocks of rows dequantized into the caller's scratch for other types.
// Threads: OpenMP splits the output rows and each thread calls a single-threaded sgemm on its slice, so OpenBLAS's
// own thread pool never competes with OpenMP's for the cores.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/kernels/kernel_table.h"
#include "weights/tensor_type.h"

namespace edt {

struct WeightMatrix {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  size_t rows = 0;       // output features
  size_t cols = 0;       // input features (contiguous)
  size_t row_bytes = 0;
  // The type's kernel-table row at the process's level, chosen once at load.
  ActFormat activations = ActFormat::F32;  // what decode multiplies with
  DecodeRowsKernel decode = nullptr;
  DecodeTokensKernel decode_tokens = nullptr;   // nullptr: decode once per token
  DecodeTokensKernel prompt = nullptr;          // nullptr: prompt rows through GEMM
  DequantizeRowKernel dequantize = nullptr;     // for the GEMM blocks and get-rows
  DequantizeRowKernel dequantize_ref = nullptr; // the reference, for matmul_ref
  Isa isa = Isa::Scalar;
  // A repacked layout (kernel_table.h): rows per group, and the one-row dequantizer that replaces dequantize and
  // dequantize_ref (both nullptr then). 1 and nullptr for rows as stored.
  size_t row_group = 1;
  DequantizeLaneKernel dequantize_lane = nullptr;

  // Where row r's bytes start (for a repacked layout, r a multiple of row_group: where its group starts).
  const uint8_t* row(size_t r) const { return data + r * row_bytes; }
  // Row r as floats (cols), in either layout; bit-identical to the stored type's reference.
  void dequantize_row(size_t r, float* out) const {
    if (row_group == 1) {
      dequantize(row(r), out, cols);
    } else {
      dequantize_lane(row(r - r % row_group), row_bytes, r % row_group, out, cols);
    }
  }
  // Where a thread's share of the rows begins when `parts` threads split them: whole groups of the kernels (4
  // rows, or the layout's row_group), so every call starts at a group and a row's value does not depend on the
  // thread count beyond which call it falls in. part_begin(parts, parts) = rows.
  size_t part_begin(size_t part, size_t parts) const {
    if (part == 0) return 0;
    if (part >= parts) return rows;
    const size_t align = row_group > 4 ? row_group : 4;
    return rows * part / parts / align * align;
  }
};

// A matrix over data (rows × cols of type), with the kernels for type on isa. The caller has checked the size and
// that type_kernels(type) exists.
WeightMatrix bind_weight_matrix(GgmlType type, const uint8_t* data, size_t rows, size_t cols, Isa isa);
// The same matrix after its rows were repacked into `layout` (a repacked row of the kernel table, rows a multiple of
// layout.row_group).
WeightMatrix bind_repacked_matrix(const TypeKernels& layout, const uint8_t* data, size_t rows, size_t cols, Isa isa);

// For t < tokens (any number): y[t * y_stride + r] = (row r of w) · x[t] for r < rows, each value decode's for that
// token alone; kMaxTileTokens tokens per pass over the rows when the type has a multi-token kernel.
inline void decode_tokens(const WeightMatrix& w, const uint8_t* rows_begin, const Activations* x, size_t tokens,
                          float* y, size_t y_stride, size_t rows) {
  if (w.decode_tokens == nullptr || tokens == 1) {  // one token: decode itself (the same values, its own entry point)
    for (size_t t = 0; t < tokens; ++t) w.decode(rows_begin, w.row_bytes, x[t], y + t * y_stride, rows, w.cols);
    return;
  }
  for (size_t t = 0; t < tokens; t += kMaxTileTokens) {
    const size_t count = tokens - t < kMaxTileTokens ? tokens - t : kMaxTileTokens;
    w.decode_tokens(rows_begin, w.row_bytes, x + t, count, y + t * y_stride, y_stride, rows, w.cols);
  }
}

// Row r of w as floats (cols), for token embeddings stored in any computable type.
inline void get_row(const WeightMatrix& w, size_t r, float* out) { w.dequantize_row(r, out); }

// Rows of W dequantized per GEMM block: scratch needs n_threads * kGemmBlockRows * cols floats.
inline constexpr size_t kGemmBlockRows = 128;

// Makes OpenBLAS run each call on the calling thread (once per process); every caller of sgemm relies on it.
void use_single_threaded_blas();

// Bytes of scratch matvec / matvec_group need at cols inputs: every activation format quantized at once.
size_t matvec_scratch_bytes(size_t cols);

// y (rows) = W · x (cols). x is first quantized into scratch to the weight's activation format, if not F32.
void matvec(const WeightMatrix& w, const float* x, float* y, void* scratch, int n_threads);

// Several products over the same x (q, k and v; gate and up): x is quantized once per activation format the
// matrices need (they may differ in type) and all of them run in one parallel region, each thread taking its share of every matrix's rows, with no barrier between the matrices.
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
