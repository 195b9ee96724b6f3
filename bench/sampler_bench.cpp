// Sampler stages over synthetic logits (sampling/synthetic_logits.h) at real vocabulary sizes:
//   ./build/edt_bench --benchmark_filter=Sampler --benchmark_repetitions=5 --benchmark_report_aggregates_only
// "FusedEdtDraw" is the whole EDT + draw step on one core; "SortedDynatemp" is what llama.cpp's dynatemp does over
// the full vocabulary (sort the candidates, softmax, entropy, rescale) for comparison.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "sampling/chain.h"
#include "sampling/sampler_params.h"
#include "sampling/synthetic_logits.h"

namespace edt {
namespace {

const std::vector<size_t> kVocabs = {32000, 128256, 151936, 256000};

void apply_vocab_args(benchmark::internal::Benchmark* b) {
  for (size_t v : kVocabs) b->Arg(static_cast<int64_t>(v));
  b->Unit(benchmark::kMicrosecond);
}

// Eight different logit vectors so branch predictors and caches see varying data; each iteration copies one in
// (the chain consumes its input) — the copy is timed too, a few microseconds at 128K.
struct LogitBank {
  explicit LogitBank(size_t n) {
    for (uint64_t s = 0; s < 8; ++s) rows.push_back(synthetic_logits(n, s + 1));
    work.resize(n);
  }
  std::span<float> next(size_t i) {
    std::memcpy(work.data(), rows[i % rows.size()].data(), work.size() * sizeof(float));
    return work;
  }
  std::vector<std::vector<float>> rows;
  std::vector<float> work;
};

void run_chain(benchmark::State& state, SamplerParams p) {
  const auto n = static_cast<size_t>(state.range(0));
  LogitBank bank(n);
  auto chain = p.build(n, process_isa());
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(chain->sample(bank.next(i++)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetLabel(chain->describe());
}

// The fused chain with nothing before it never writes its input, so it runs on the bank's rows directly: no copy.
void run_fused_chain(benchmark::State& state, bool with_probability) {
  const auto n = static_cast<size_t>(state.range(0));
  LogitBank bank(n);
  auto chain = SamplerParams{}.build(n, process_isa());  // the defaults: EDT, T0 = 0.8, N = 0.8, θ = 1
  chain->set_report_probability(with_probability);
  if (!chain->fused()) state.SkipWithError("the default chain is not fused");
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(chain->sample(bank.rows[i++ % bank.rows.size()]));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetLabel(chain->describe());
}

// What `edt run` does per token: EDT + draw, the chosen token's probability not computed.
void SamplerFusedEdtDraw(benchmark::State& state) { run_fused_chain(state, false); }
// What `edt run --verbose` and `edt profile` do: also the chosen token's probability (a second exp pass).
void SamplerFusedEdtDrawWithProbability(benchmark::State& state) { run_fused_chain(state, true); }

void SamplerCopyOnly(benchmark::State& state) {  // the input copy alone, to subtract from the others
  LogitBank bank(static_cast<size_t>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(bank.next(i++).data());
}

void SamplerEdtStagesUnfused(benchmark::State& state) {
  SamplerParams p;
  p.temp = 1.0f;
  p.samplers = "edt;dist";
  p.top_k = 0;
  SamplerParams q = p;
  q.samplers = "edt;top_k";  // top_k 0 is a no-op that stops fusion: the reference path
  run_chain(state, q);
}

void SamplerLlamaCppDefaultChain(benchmark::State& state) {
  SamplerParams p;
  p.edt = false;  // top-k 40 -> top-p 0.95 -> min-p 0.05 -> temperature 0.8 -> dist
  run_chain(state, p);
}

void SamplerDynatempUnsorted(benchmark::State& state) {
  SamplerParams p;
  p.edt = false;
  p.samplers = "dynatemp";
  p.dynatemp_range = 0.5f;
  run_chain(state, p);
}

void SamplerTopK40(benchmark::State& state) {
  SamplerParams p;
  p.edt = false;
  p.samplers = "top_k;greedy";
  run_chain(state, p);
}

void SamplerTopP95(benchmark::State& state) {
  SamplerParams p;
  p.edt = false;
  p.samplers = "top_p;greedy";
  run_chain(state, p);
}

void SamplerMinP05(benchmark::State& state) {
  SamplerParams p;
  p.edt = false;
  p.samplers = "min_p;greedy";
  run_chain(state, p);
}

void SamplerGreedy(benchmark::State& state) {
  SamplerParams p;
  p.temp = 0.0f;
  run_chain(state, p);
}

// llama.cpp's dynatemp over the full vocabulary: sort (id, logit) pairs descending, softmax, entropy, rescale,
// softmax again, draw. Written here only to measure the cost of sorting; the engine never does this.
void SamplerSortedDynatemp(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  LogitBank bank(n);
  struct Cand {
    int32_t id;
    float logit, p;
  };
  std::vector<Cand> cands(n);
  Rng rng(1);
  size_t it = 0;
  for (auto _ : state) {
    const auto z = bank.next(it++);
    for (size_t i = 0; i < n; ++i) cands[i] = {static_cast<int32_t>(i), z[i], 0.0f};
    std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.logit > b.logit; });
    auto softmax = [&] {
      const float m = cands[0].logit;
      double s = 0;
      for (auto& c : cands) s += (c.p = std::exp(c.logit - m));
      for (auto& c : cands) c.p = static_cast<float>(c.p / s);
    };
    softmax();
    double h = 0;
    for (auto& c : cands)
      if (c.p > 0) h -= c.p * std::log(c.p);
    const double t = 0.3 + 1.0 * std::pow(h / std::log(static_cast<double>(n)), 1.0);
    for (auto& c : cands) c.logit = static_cast<float>(c.logit / t);
    softmax();
    double u = rng.uniform(), cum = 0;
    size_t k = 0;
    for (; k + 1 < n && (cum += cands[k].p) <= u; ++k) {
    }
    benchmark::DoNotOptimize(cands[k].id);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

BENCHMARK(SamplerFusedEdtDraw)->Apply(apply_vocab_args);
BENCHMARK(SamplerFusedEdtDrawWithProbability)->Apply(apply_vocab_args);
BENCHMARK(SamplerCopyOnly)->Apply(apply_vocab_args);
BENCHMARK(SamplerEdtStagesUnfused)->Apply(apply_vocab_args);
BENCHMARK(SamplerSortedDynatemp)->Apply(apply_vocab_args);
BENCHMARK(SamplerDynatempUnsorted)->Apply(apply_vocab_args);
BENCHMARK(SamplerLlamaCppDefaultChain)->Apply(apply_vocab_args);
BENCHMARK(SamplerTopK40)->Apply(apply_vocab_args);
BENCHMARK(SamplerTopP95)->Apply(apply_vocab_args);
BENCHMARK(SamplerMinP05)->Apply(apply_vocab_args);
BENCHMARK(SamplerGreedy)->Apply(apply_vocab_args);

}  // namespace
}  // namespace edt

namespace edt {
namespace {

// The fused path's two halves alone (no input copy): entropy statistics, and the draw at a fixed temperature.
void SamplerEntropyPass(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto z = synthetic_logits(n, 3);
  for (auto _ : state) benchmark::DoNotOptimize(entropy_stats_avx2(z.data(), n));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

// The fused path's first pass: the entropy pass that also stores the weights and block sums for the proposals.
void SamplerEntropyAndSumsPass(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto z = synthetic_logits(n, 3);
  std::vector<float> scratch(fused_scratch_floats(n));
  for (auto _ : state) benchmark::DoNotOptimize(entropy_and_sums_avx2(z.data(), n, scratch.data()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void SamplerDrawPass(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto z = synthetic_logits(n, 3);
  std::vector<float> scratch(fused_scratch_floats(n));
  const float max = *std::max_element(z.begin(), z.end());
  Rng rng(2);
  for (auto _ : state)
    benchmark::DoNotOptimize(draw_at_temperature_avx2(z.data(), n, max, 0.8, rng.uniform(), scratch.data(), nullptr));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

BENCHMARK(SamplerEntropyPass)->Apply(apply_vocab_args);
BENCHMARK(SamplerEntropyAndSumsPass)->Apply(apply_vocab_args);
BENCHMARK(SamplerDrawPass)->Apply(apply_vocab_args);

}  // namespace
}  // namespace edt
