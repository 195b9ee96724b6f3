// The linear kernels alone, in the units that say how close they are to the machine:
//   ./build/edt_bench --benchmark_filter=Kernel --benchmark_repetitions=5 --benchmark_report_aggregates_only
// KernelMatvec: one token's matrix-vector product, bytes_per_second = weight bytes read per second. The matrices
// rotate through a set larger than the last-level cache (128 MiB of weights), so the figure is what a model's
// decode sees: DRAM reads, not L3 hits. KernelGemm: a 128-token batch (prefill) dequantized to f32 for sgemm,
// GFLOP/s = 2·n·rows·cols per second. KernelTokens: the same 128 tokens through the integer kernels' multi-token
// form (matvec_rows_group, the prompt route of the integer types), GFLOP/s counted the same way.
// Arguments: weight type (GgmlType value, every row of the kernel table), then threads.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "engine/kernels/kernel_table.h"
#include "engine/ops/linear.h"
#include "engine/ops/linear_rows.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

constexpr size_t kRows = 2048, kCols = 2048;          // one attention projection of a 1B model
constexpr size_t kSetBytes = size_t{128} << 20;       // weights cycled through per benchmark: 4x the L3 here

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// Several copies of one random matrix in the given type, each bound as a WeightMatrix.
struct MatrixSet {
  MatrixSet(GgmlType type, size_t count) {
    const size_t row_bytes = *ggml_row_bytes(type, kCols);
    const auto values = random_values(kRows * kCols, 7);
    bytes.resize(count * kRows * row_bytes);  // (count, kRows, row_bytes)
    for (size_t r = 0; r < kRows; ++r) quantize_row(type, &values[r * kCols], &bytes[r * row_bytes], kCols);
    for (size_t m = 1; m < count; ++m)
      std::copy_n(bytes.begin(), kRows * row_bytes, bytes.begin() + static_cast<long>(m * kRows * row_bytes));
    const Isa isa = process_isa();
    for (size_t m = 0; m < count; ++m)
      matrices.push_back(bind_weight_matrix(type, &bytes[m * kRows * row_bytes], kRows, kCols, isa));
  }
  std::vector<uint8_t> bytes;
  std::vector<WeightMatrix> matrices;
};

void KernelMatvec(benchmark::State& state) {
  const auto type = static_cast<GgmlType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const size_t row_bytes = *ggml_row_bytes(type, kCols);
  MatrixSet set(type, std::max<size_t>(1, kSetBytes / (kRows * row_bytes)));
  const auto x = random_values(kCols, 11);
  std::vector<float> y(kRows);                                  // (rows)
  std::vector<float> scratch(threads * kGemmBlockRows * kCols);  // quantized activations / GEMM blocks
  size_t i = 0;
  for (auto _ : state) {
    matvec(set.matrices[i++ % set.matrices.size()], x.data(), y.data(), scratch.data(), threads);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kRows * row_bytes));
  state.SetLabel(ggml_traits(type).name);
}

// The same product on a 256-row slice that stays in L2 (at most 0.5 MiB): what the kernel's instructions cost
// when memory is not the limit, to compare kernels and levels on a machine whose DRAM bandwidth is shared.
void KernelMatvecCached(benchmark::State& state) {
  const auto type = static_cast<GgmlType>(state.range(0));
  constexpr size_t kSliceRows = 256;
  const size_t row_bytes = *ggml_row_bytes(type, kCols);
  MatrixSet set(type, 1);
  WeightMatrix w = set.matrices[0];
  w.rows = kSliceRows;
  const auto x = random_values(kCols, 11);
  std::vector<float> y(kSliceRows);                    // (rows)
  std::vector<float> scratch(kGemmBlockRows * kCols);  // quantized activations
  for (auto _ : state) {
    matvec(w, x.data(), y.data(), scratch.data(), 1);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kSliceRows * row_bytes));
  state.SetLabel(ggml_traits(type).name);
}

void KernelGemm(benchmark::State& state) {
  const auto type = static_cast<GgmlType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  constexpr size_t n = 128;
  MatrixSet set(type, 1);
  const auto x = random_values(n * kCols, 13);                   // (n, cols)
  std::vector<float> y(n * kRows);                               // (n, rows)
  std::vector<float> scratch(threads * kGemmBlockRows * kCols);  // dequantized row blocks per thread
  for (auto _ : state) {
    matmul(set.matrices[0], x.data(), n, y.data(), scratch.data(), threads);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * n * kRows * kCols / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(ggml_traits(type).name);
}

using RowsGroup = void (*)(std::span<const MatvecTask>, const float*, size_t, void*, int);

// 128 rows of X (as in pp128) through one of the row-wise routes.
void rows_route(benchmark::State& state, RowsGroup route) {
  const auto type = static_cast<GgmlType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  constexpr size_t n = 128;
  MatrixSet set(type, 1);
  const auto x = random_values(n * kCols, 13);  // (n, cols)
  std::vector<float> y(n * kRows);              // (n, rows)
  std::vector<uint8_t> scratch(kRowwiseMaxRows * matvec_scratch_bytes(kCols));  // the rows' quantized activations
  const MatvecTask task{&set.matrices[0], y.data()};
  for (auto _ : state) {
    route(std::span<const MatvecTask>(&task, 1), x.data(), n, scratch.data(), threads);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * n * kRows * kCols / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(ggml_traits(type).name);
}

// The multi-token decode route (matvec_rows_group).
void KernelTokens(benchmark::State& state) { rows_route(state, matvec_rows_group); }

// The prompt route (matvec_prompt_rows_group), for the types with a prompt form at the level.
void KernelPrompt(benchmark::State& state) {
  if (type_kernels(static_cast<GgmlType>(state.range(0))) == nullptr ||
      prompt_kernel(*type_kernels(static_cast<GgmlType>(state.range(0))), process_isa()) == nullptr) {
    state.SkipWithError("no prompt form at this level");
    return;
  }
  rows_route(state, matvec_prompt_rows_group);
}

void type_and_thread_args(benchmark::internal::Benchmark* b) {
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);  // every type the engine computes with
  for (size_t i = 0; i < count; ++i)
    for (int threads : {1, 2}) b->Args({static_cast<int64_t>(table[i]->type), threads});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

void type_args(benchmark::internal::Benchmark* b) {
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);
  for (size_t i = 0; i < count; ++i) b->Args({static_cast<int64_t>(table[i]->type)});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(KernelMatvec)->Apply(type_and_thread_args);
BENCHMARK(KernelMatvecCached)->Apply(type_args);
BENCHMARK(KernelGemm)->Apply(type_and_thread_args);
BENCHMARK(KernelTokens)->Apply(type_and_thread_args);
BENCHMARK(KernelPrompt)->Apply(type_and_thread_args);

}  // namespace
}  // namespace edt
