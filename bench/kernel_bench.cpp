// The linear kernels alone, in the units that say how close they are to the machine:
//   ./build/edt_bench --benchmark_filter=Kernel --benchmark_repetitions=5 --benchmark_report_aggregates_only
// KernelMatvec: one token's matrix-vector product, bytes_per_second = weight bytes read per second. The matrices
// rotate through a set larger than the last-level cache (128 MiB of weights), so the figure is what a model's
// decode sees: DRAM reads, not L3 hits. KernelGemm: a 128-token batch (prefill) dequantized to f32 for sgemm,
// GFLOP/s = 2·n·rows·cols per second. KernelTokens: the same 128 tokens through the integer kernels' multi-token
// form (matvec_rows_group, the prompt route of the integer types), GFLOP/s counted the same way. KernelPrompt: the
// prompt forms (matvec_prompt_rows_group); KernelPromptBf16: the same through the bf16 forms (--bf16-prompts).
// Arguments: weight type (GgmlType value, every stored type of the kernel table), then threads. The matrices are
// repacked as a model's are at load (engine/ops/weight_repack.h) where the level has a layout for the type; the
// *Stored variants, for those types only, run the same products on the rows as stored, to show what repacking gives.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "engine/kernels/kernel_table.h"
#include "engine/ops/linear.h"
#include "engine/ops/linear_rows.h"
#include "engine/ops/weight_repack.h"
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

// Several copies of one random matrix in the given type, each bound as a WeightMatrix and, with repack, repacked as
// a model's would be at this level.
struct MatrixSet {
  MatrixSet(GgmlType type, size_t count, bool repack) {
    const size_t row_bytes = *ggml_row_bytes(type, kCols);
    const auto values = random_values(kRows * kCols, 7);
    bytes.resize(count * kRows * row_bytes);  // (count, kRows, row_bytes)
    for (size_t r = 0; r < kRows; ++r) quantize_row(type, &values[r * kCols], &bytes[r * row_bytes], kCols);
    for (size_t m = 1; m < count; ++m)
      std::copy_n(bytes.begin(), kRows * row_bytes, bytes.begin() + static_cast<long>(m * kRows * row_bytes));
    const Isa isa = process_isa();
    for (size_t m = 0; m < count; ++m) {
      matrices.push_back(bind_weight_matrix(type, &bytes[m * kRows * row_bytes], kRows, kCols, isa));
      if (const TypeKernels* layout = repack ? repack_layout(matrices.back()) : nullptr)
        repack_in_place(matrices.back(), *layout, &bytes[m * kRows * row_bytes]);
    }
  }
  std::vector<uint8_t> bytes;
  std::vector<WeightMatrix> matrices;
};

void matvec_bench(benchmark::State& state, bool repack) {
  const auto type = static_cast<GgmlType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const size_t row_bytes = *ggml_row_bytes(type, kCols);
  MatrixSet set(type, std::max<size_t>(1, kSetBytes / (kRows * row_bytes)), repack);
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
void matvec_cached_bench(benchmark::State& state, bool repack) {
  const auto type = static_cast<GgmlType>(state.range(0));
  constexpr size_t kSliceRows = 256;
  const size_t row_bytes = *ggml_row_bytes(type, kCols);
  MatrixSet set(type, 1, repack);
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
  const bool repack = false;  // the GEMM route is the stored layout's (a repacked type runs prompts in its own form)
  const auto type = static_cast<GgmlType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  constexpr size_t n = 128;
  MatrixSet set(type, 1, repack);
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

// n rows of X through one of the row-wise routes: 128 (as in pp128), or 4 (a server's decode step of four
// sequences, whose rows all meet each weight block in one pass, over a set of matrices larger than the cache).
// bf16: the repacked matrices' prompts through their bf16 forms (--bf16-prompts).
void rows_route(benchmark::State& state, RowsGroup route, bool repack, size_t n = 128, bool bf16 = false) {
  const auto type = static_cast<GgmlType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  MatrixSet set(type, n <= kMaxTileTokens ? std::max<size_t>(1, kSetBytes / (kRows * *ggml_row_bytes(type, kCols))) : 1,
                repack);
  if (bf16)
    for (WeightMatrix& m : set.matrices) m.prompt = bf16_prompt_kernel(*repacked_kernels(*type_kernels(type), m.isa), m.isa);
  const auto x = random_values(n * kCols, 13);  // (n, cols)
  std::vector<float> y(n * kRows);              // (n, rows)
  std::vector<uint8_t> scratch(kRowwiseMaxRows * matvec_scratch_bytes(kCols));  // the rows' quantized activations
  size_t i = 0;
  for (auto _ : state) {
    const MatvecTask task{&set.matrices[i++ % set.matrices.size()], y.data()};
    route(std::span<const MatvecTask>(&task, 1), x.data(), n, scratch.data(), threads);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * n * kRows * kCols / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(ggml_traits(type).name);
}

// The prompt route (matvec_prompt_rows_group), for the types with a prompt form at the level.
void prompt_bench(benchmark::State& state, bool repack) {
  const TypeKernels* k = type_kernels(static_cast<GgmlType>(state.range(0)));
  const TypeKernels* layout = repack ? repacked_kernels(*k, process_isa()) : nullptr;
  if (prompt_kernel(layout ? *layout : *k, process_isa()) == nullptr) {
    state.SkipWithError("no prompt form at this level");
    return;
  }
  rows_route(state, matvec_prompt_rows_group, repack);
}

// The bf16 prompt forms (kernel_table.h's prompt_bf16), for the types that have one on this CPU.
void KernelPromptBf16(benchmark::State& state) {
  const TypeKernels* layout = repacked_kernels(*type_kernels(static_cast<GgmlType>(state.range(0))), process_isa());
  if (layout == nullptr || bf16_prompt_kernel(*layout, process_isa()) == nullptr) {
    state.SkipWithError("no bf16 prompt form at this level on this CPU");
    return;
  }
  rows_route(state, matvec_prompt_rows_group, true, 128, true);
}

void KernelMatvec(benchmark::State& state) { matvec_bench(state, true); }
void KernelMatvecStored(benchmark::State& state) { matvec_bench(state, false); }
void KernelMatvecCached(benchmark::State& state) { matvec_cached_bench(state, true); }
void KernelMatvecCachedStored(benchmark::State& state) { matvec_cached_bench(state, false); }
// The multi-token decode route (matvec_rows_group).
void KernelTokens(benchmark::State& state) { rows_route(state, matvec_rows_group, true); }
void KernelTokensStored(benchmark::State& state) { rows_route(state, matvec_rows_group, false); }
void KernelDecodeStep4(benchmark::State& state) { rows_route(state, matvec_rows_group, true, 4); }
void KernelDecodeStep4Stored(benchmark::State& state) { rows_route(state, matvec_rows_group, false, 4); }
void KernelPrompt(benchmark::State& state) { prompt_bench(state, true); }
void KernelPromptStored(benchmark::State& state) { prompt_bench(state, false); }

// The stored types (every one, or only those with a repacked layout at some level), each with threads or alone.
std::vector<GgmlType> stored_types(bool with_layout_only) {
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);  // every type the engine computes with, and the layouts
  std::vector<GgmlType> types;
  for (size_t i = 0; i < count; ++i) {
    const TypeKernels& k = *table[i];
    bool has_layout = false;
    for (const TypeKernels* l : k.repacked) has_layout |= l != nullptr;
    if (k.row_group == 1 && (!with_layout_only || has_layout)) types.push_back(k.type);
  }
  return types;
}

void add_args(benchmark::internal::Benchmark* b, bool with_layout_only, bool threads) {
  for (GgmlType t : stored_types(with_layout_only)) {
    if (!threads) b->Args({static_cast<int64_t>(t)});
    for (int n : {1, 2})
      if (threads) b->Args({static_cast<int64_t>(t), n});
  }
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

void type_and_thread_args(benchmark::internal::Benchmark* b) { add_args(b, false, true); }
void type_args(benchmark::internal::Benchmark* b) { add_args(b, false, false); }
void layout_type_and_thread_args(benchmark::internal::Benchmark* b) { add_args(b, true, true); }
void layout_type_args(benchmark::internal::Benchmark* b) { add_args(b, true, false); }

BENCHMARK(KernelMatvec)->Apply(type_and_thread_args);
BENCHMARK(KernelMatvecStored)->Apply(layout_type_and_thread_args);
BENCHMARK(KernelMatvecCached)->Apply(type_args);
BENCHMARK(KernelMatvecCachedStored)->Apply(layout_type_args);
BENCHMARK(KernelGemm)->Apply(type_and_thread_args);
BENCHMARK(KernelTokens)->Apply(type_and_thread_args);
BENCHMARK(KernelTokensStored)->Apply(layout_type_and_thread_args);
BENCHMARK(KernelDecodeStep4)->Apply(type_and_thread_args);
BENCHMARK(KernelDecodeStep4Stored)->Apply(layout_type_and_thread_args);
BENCHMARK(KernelPrompt)->Apply(type_and_thread_args);
BENCHMARK(KernelPromptStored)->Apply(layout_type_and_thread_args);
BENCHMARK(KernelPromptBf16)->Apply(layout_type_and_thread_args);

}  // namespace
}  // namespace edt
