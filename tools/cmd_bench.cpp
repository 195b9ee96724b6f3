// edt bench: the engine's own llama-bench. Prompt processing (pp) and generation (tg) in tokens/s, median and
// spread of several runs, per thread count, next to this machine's read bandwidth measured in the same run, so
// each generation figure is also a fraction of the bandwidth limit (bytes read per token / bandwidth): each tg run
// is paired with a bandwidth measurement taken right after it, and the table shows the medians of both the
// bandwidths and the per-run fractions.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "engine/ops/blas_core.h"
#include "engine/session.h"
#include "sampling/rng.h"
#include "tools/args.h"
#include "tools/bandwidth_probe.h"
#include "tools/cache_flags.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "tools/stats.h"
#include "weights/error.h"

namespace edt {
namespace {

std::vector<int32_t> random_ids(size_t n, uint32_t vocab, uint64_t seed) {
  Rng rng(seed);
  std::vector<int32_t> ids(n);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng.next() % vocab);
  return ids;
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "model (GGUF, HF folder or llama2.c .bin)"},
      {{"-p", "--n-prompt"}, true, "prompt lengths, comma-separated (default 128,512)"},
      {{"-n", "--n-gen"}, true, "tokens generated for tg (default 128)"},
      {{"-t", "--threads"}, true, "thread counts, comma-separated (default 1,2)"},
      {{"-r", "--repetitions"}, true, "runs per test (default 5)"},
      {{"--depth"}, true, "tg after a prompt of this many tokens (default 0)"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : cache_flag_specs()) specs.push_back(std::move(s));
  Args args("bench", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt bench -m MODEL [-p 128,512] [-n 128] [-t 1,2] [-r 5] [--depth 0] [--cache-type f32|f16]\n%s",
                Args::usage(specs).c_str());
    return 0;
  }
  auto parse_ints = [&](const std::string& flag, const std::string& fallback) {
    std::vector<int> out;
    std::stringstream ss(args.get_or(flag, fallback));
    for (std::string item; std::getline(ss, item, ',');) {
      char* end = nullptr;
      const long v = std::strtol(item.c_str(), &end, 10);
      if (item.empty() || *end != '\0' || v < 0 || v > (1 << 20))
        throw UsageError("bench: flag '" + flag + "' holds '" + item + "', expected non-negative integers");
      out.push_back(static_cast<int>(v));
    }
    return out;
  };
  const auto prompts = parse_ints("-p", "128,512");
  const auto threads = parse_ints("-t", "1,2");
  const auto n_gen = static_cast<size_t>(args.get_int("-n", 128, 0, 1 << 20));
  const auto reps = static_cast<int>(args.get_int("-r", 5, 1, 1000));
  const auto depth = static_cast<size_t>(args.get_int("--depth", 0, 0, 1 << 20));
  const KvType kv_type = read_cache_type(args);
  for (int t : threads)
    if (t < 1) throw UsageError("bench: thread counts must be >= 1");
  BandwidthProbe probe(process_isa());  // forks its helper now, before any OpenMP thread exists
  auto model = load_model_any(args.require("-m"));
  const ModelHParams& hp = model->hparams();
  uint64_t weight_bytes = 0;
  for (const GgufTensorInfo& t : model->gguf().tensors) weight_bytes += t.n_bytes;
  // Every weight is read once per generated token, except the embedding (one row) when the output is untied.
  const GgufTensorInfo* embd = model->gguf().find_tensor("token_embd.weight");
  const uint64_t bytes_per_token = weight_bytes - (hp.tied_embeddings ? 0 : embd->n_bytes - embd->n_bytes / hp.n_vocab);
  std::printf("model %s: %u layers, dim %u, vocab %u, %.1f MiB of weights, %.1f MiB read per generated token, isa %s, "
              "openblas core %s, prompts %s\n",
              model->source().c_str(), hp.n_layer, hp.n_embd, hp.n_vocab, static_cast<double>(weight_bytes) / (1 << 20),
              static_cast<double>(bytes_per_token) / (1 << 20), isa_description(model->isa()).c_str(), blas_core(),
              model->bf16_prompt_matrices() > 0
                  ? ("bf16 in " + std::to_string(model->bf16_prompt_matrices()) + " matrices").c_str()
                  : "exact");
  // Generation also reads the KV cache: every layer's K and V rows up to the position, on average depth + n_gen/2.
  const double kv_bytes_per_token =
      static_cast<double>(KvCache::bytes_for(hp.n_layer, 1, size_t{hp.n_head_kv} * hp.head_dim, kv_type)) *
      (static_cast<double>(depth) + static_cast<double>(n_gen) / 2.0);
  const double tg_bytes_per_token = static_cast<double>(bytes_per_token) + kv_bytes_per_token;
  if (depth > 0)
    std::printf("KV cache %s: %.1f MiB read per generated token on average at this depth (counted in %% of limit)\n",
                kv_type_name(kv_type), kv_bytes_per_token / (1 << 20));
  std::printf("%-8s %-8s %12s %10s %12s %14s\n", "threads", "test", "tok/s", "± (sd)", "bandwidth", "% of limit");
  size_t max_prompt = depth;
  for (int p : prompts) max_prompt = std::max(max_prompt, static_cast<size_t>(p));
  for (size_t ti = 0; ti < threads.size(); ++ti) {
    const int t = threads[ti];
    SessionOptions so;
    so.n_threads = t;
    so.kv_type = kv_type;
    so.n_ctx = static_cast<uint32_t>(std::max<size_t>(max_prompt, depth + 1) + n_gen + 1);
    Session session(model, so);
    // pct: per-run fractions of the bandwidth limit (generation), bws: the bandwidths measured next to the runs.
    auto report = [&](const std::string& name, const std::vector<double>& tps, const std::vector<double>& bws,
                      const std::vector<double>& pct) {
      double sd = 0;
      const double m = mean(tps);
      for (double x : tps) sd += (x - m) * (x - m);
      sd = tps.size() > 1 ? std::sqrt(sd / static_cast<double>(tps.size() - 1)) : 0.0;
      char limit[32] = "", bandwidth[32] = "";
      if (!pct.empty()) std::snprintf(limit, sizeof limit, "%.1f%%", quantile(pct, 0.5));
      if (!bws.empty()) std::snprintf(bandwidth, sizeof bandwidth, "%.1f GB/s", quantile(bws, 0.5));
      std::printf("%-8d %-8s %12.2f %10.2f %14s %12s\n", t, name.c_str(), quantile(tps, 0.5), sd, bandwidth, limit);
      std::fflush(stdout);
    };
    for (int p : prompts) {
      if (p == 0) continue;
      std::vector<double> tps;
      const auto ids = random_ids(static_cast<size_t>(p), hp.n_vocab, 7);
      for (int r = 0; r <= reps; ++r) {  // run 0 warms up
        session.reset();
        const auto start = std::chrono::steady_clock::now();
        session.prefill(ids);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r > 0) tps.push_back(p / s);
      }
      report("pp" + std::to_string(p), tps, {}, {});
    }
    if (n_gen > 0) {
      std::vector<double> tps, bws, pct;
      const auto ids = random_ids(n_gen + depth + 1, hp.n_vocab, 9);
      for (int r = 0; r <= reps; ++r) {
        session.reset();
        session.prefill(std::span<const int32_t>(ids).first(depth + 1));
        const auto start = std::chrono::steady_clock::now();
        for (size_t i = 0; i < n_gen; ++i) session.decode(ids[depth + 1 + i]);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (r == 0) continue;
        // After the run, not before: the probe's 1 GiB sweep would evict the weights of a model that fits in L3,
        // and the prompt's KV rows, from the cache the timed run starts with.
        const double bw = probe.measure(t);
        tps.push_back(static_cast<double>(n_gen) / s);
        if (bw > 0) {
          bws.push_back(bw);
          pct.push_back(100.0 * tps.back() * tg_bytes_per_token / (bw * 1e9));
        }
      }
      std::string name = "tg" + std::to_string(n_gen);
      if (depth) {
        name += '@';
        name += std::to_string(depth);
      }
      report(name, tps, bws, pct);
    }
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}

}  // namespace edt
