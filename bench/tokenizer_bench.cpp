// Tokenizer encode throughput, single thread, on the held-out prose (305 KB, repeated to ~2 MB):
//   ./build/edt_bench --benchmark_filter=Tokenizer --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "tokenizer/tokenizer.h"

namespace edt {
namespace {

std::string prose() {
  std::ifstream in(std::string(EDT_BENCH_DATA) + "/heldout/heldout-prose.txt", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string one = ss.str(), text;
  while (text.size() < (2u << 20)) text += one;
  return text;
}

void encode(benchmark::State& state, const std::string& tokenizer_path) {
  const auto t = Tokenizer::from_path(std::string(EDT_BENCH_DATA) + "/" + tokenizer_path);
  const std::string text = prose();
  size_t tokens = 0;
  for (auto _ : state) tokens = t->encode(text, {}).size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.SetLabel(std::to_string(text.size()) + " bytes");
}

void TokenizerEncodeLlama3(benchmark::State& state) { encode(state, "tokenizers/llama3/tokenizer.json"); }
void TokenizerEncodeDemoBpe4k(benchmark::State& state) { encode(state, "tokenizers/bpe4k/tokenizer.json"); }
void TokenizerEncodeGpt2(benchmark::State& state) { encode(state, "tokenizers/gpt2/tokenizer.json"); }
void TokenizerEncodeLlama2Spm(benchmark::State& state) { encode(state, "tokenizers/llama2/tokenizer.model"); }

BENCHMARK(TokenizerEncodeLlama3)->Unit(benchmark::kMillisecond);
BENCHMARK(TokenizerEncodeDemoBpe4k)->Unit(benchmark::kMillisecond);
BENCHMARK(TokenizerEncodeGpt2)->Unit(benchmark::kMillisecond);
BENCHMARK(TokenizerEncodeLlama2Spm)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace edt
