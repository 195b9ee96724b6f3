// edt profile: what the sampler costs per token, per stage, next to the forward pass — on a model, or on
// synthetic logits at real vocabulary sizes.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "engine/generate.h"
#include "sampling/synthetic_logits.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "tools/cache_flags.h"
#include "tools/sampling_flags.h"
#include "tools/stats.h"
#include "tools/svg_plot.h"
#include "weights/error.h"

namespace edt {
namespace {

void print_row(const std::string& name, const std::vector<double>& us, double token_us) {
  const double med = quantile(us, 0.5);
  std::printf("  %-30s %10.2f %10.2f %10.2f %8.2f%%\n", name.c_str(), med, quantile(us, 0.9), quantile(us, 0.99),
              token_us > 0 ? 100.0 * med / token_us : 0.0);
}

std::string csv_escape(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int profile_synthetic(const Args& args, const SamplerParams& base) {
  std::vector<size_t> vocabs;
  std::stringstream ss(args.require("--vocab"));
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 2 || v > (1u << 24))
      throw UsageError("profile: flag '--vocab' holds '" + item + "', expected sizes from 2 to 16777216");
    vocabs.push_back(v);
  }
  const auto steps = static_cast<size_t>(args.get_int("-n", 300, 10, 1000000));
  struct Chain {
    std::string label;
    SamplerParams params;
    bool probability = false;  // the fused path's chosen-token probability (a second pass); `edt run` skips it
  };
  std::vector<Chain> chains;
  auto with = [&](const std::string& label, auto mutate, bool probability = false) {
    SamplerParams p = base;
    p.logit_bias.clear();
    mutate(p);
    chains.push_back({label, p, probability});
  };
  with("edt -> dist (fused, the default)", [](SamplerParams& p) { p.edt = true; p.samplers.clear(); });
  with("  the same, with p (--verbose)", [](SamplerParams& p) { p.edt = true; p.samplers.clear(); }, true);
  with("edt -> dist (stages, reference)", [](SamplerParams& p) { p.samplers = "edt;top_k"; p.top_k = 0; });
  with("temperature -> dist (fused)", [](SamplerParams& p) { p.edt = false; p.samplers = "temperature"; });
  with("llama.cpp default chain", [](SamplerParams& p) { p.edt = false; p.samplers.clear(); });
  with("dynatemp (unsorted)", [](SamplerParams& p) { p.samplers = "dynatemp"; p.dynatemp_range = 0.5f; });
  with("top-k 40 -> greedy", [](SamplerParams& p) { p.samplers = "top_k;greedy"; p.top_k = 40; });
  with("top-p 0.95 -> greedy", [](SamplerParams& p) { p.samplers = "top_p;greedy"; p.top_p = 0.95f; });
  with("min-p 0.05 -> greedy", [](SamplerParams& p) { p.samplers = "min_p;greedy"; p.min_p = 0.05f; });
  with("penalties -> greedy", [](SamplerParams& p) {
    p.samplers = "penalties;greedy";
    p.repeat_penalty = 1.1f;
  });
  with("greedy", [](SamplerParams& p) { p.temp = 0.0f; p.samplers.clear(); });
  std::printf("synthetic logits: Zipf head (-1.2·ln rank) plus N(0, 1.5) noise over a random permutation of the ids,\n"
              "16 different vectors cycled; %zu steps per chain; times in µs per token, one core; isa %s\n", steps,
              isa_description(process_isa()).c_str());
  for (size_t vocab : vocabs) {
    std::vector<std::vector<float>> bank;
    for (uint64_t s = 0; s < 16; ++s) bank.push_back(synthetic_logits(vocab, s + 1));
    std::vector<float> work(vocab);
    std::printf("\nvocabulary %zu\n  %-30s %10s %10s %10s\n", vocab, "chain / stage", "median", "p90", "p99");
    for (const Chain& c : chains) {
      auto chain = c.params.build(vocab, process_isa());
      chain->set_report_probability(c.probability);
      for (int32_t t = 0; t < 64; ++t) chain->accept(t);  // some history for the penalties
      std::vector<std::vector<double>> stage_us(chain->timed_names().size());
      std::vector<double> total_us;
      for (size_t i = 0; i < steps; ++i) {
        std::copy(bank[i % bank.size()].begin(), bank[i % bank.size()].end(), work.begin());
        const auto start = std::chrono::steady_clock::now();
        chain->sample(work);
        total_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
        for (size_t k = 0; k < stage_us.size(); ++k) stage_us[k].push_back(static_cast<double>(chain->last_step_ns()[k]) / 1e3);
      }
      std::printf("  %-30s %10.2f %10.2f %10.2f\n", c.label.c_str(), quantile(total_us, 0.5), quantile(total_us, 0.9),
                  quantile(total_us, 0.99));
      if (stage_us.size() > 1)
        for (size_t k = 0; k < stage_us.size(); ++k)
          std::printf("    %-28s %10.2f %10.2f %10.2f\n", chain->timed_names()[k].c_str(), quantile(stage_us[k], 0.5),
                      quantile(stage_us[k], 0.9), quantile(stage_us[k], 0.99));
    }
  }
  return 0;
}

}  // namespace

int cmd_profile(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "model to generate with (GGUF, HF folder or llama2.c .bin)"},
      {{"-p", "--prompt"}, true, "prompt (default: \"The\")"},
      {{"-n", "--n-predict"}, true, "tokens to generate / synthetic steps (default 256 / 300)"},
      {{"-t", "--threads"}, true, "threads for the forward pass (default: physical cores)"},
      {{"--trace"}, true, "write one CSV row per token: position, token, piece, entropy, temperature, ..."},
      {{"--plot"}, true, "write an SVG of entropy and temperature per token"},
      {{"--vocab"}, true, "synthetic mode: comma-separated vocabulary sizes, e.g. 32000,128256,151936,256000"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : sampling_flag_specs()) specs.push_back(std::move(s));
  for (FlagSpec& s : cache_flag_specs()) specs.push_back(std::move(s));
  Args args("profile", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf("usage: edt profile -m MODEL [-p PROMPT] [-n 256] [sampling flags] [--trace t.csv] [--plot p.svg]\n"
                "       edt profile --vocab 32000,128256,151936,256000\n"
                "Per stage and in total: the sampler's µs per token (median, p90, p99), the forward pass's, and the\n"
                "sampler's share of the token time.\n%s",
                Args::usage(specs).c_str());
    return 0;
  }
  SamplerParams sp;
  read_sampling_flags(args, sp);
  if (args.has("--vocab")) return profile_synthetic(args, sp);

  auto model = load_model_any(args.require("-m"));
  const auto tokenizer = tokenizer_of(*model);
  const auto n = static_cast<size_t>(args.get_int("-n", 256, 1, 1 << 20));
  SessionOptions so;
  so.kv_type = read_cache_type(args);
  so.n_threads = static_cast<int>(args.get_int("-t", physical_cores(), 1, 1024));
  EncodeOptions eo;
  eo.add_bos = tokenizer->add_bos_default();
  const std::vector<int32_t> prompt = tokenizer->encode(args.get_or("-p", "The"), eo);
  so.n_ctx = static_cast<uint32_t>(std::min<size_t>(model->hparams().n_ctx_train, prompt.size() + n + 1));
  if (prompt.size() + n > model->hparams().n_ctx_train)
    throw UsageError("profile: the prompt and -n need " + std::to_string(prompt.size() + n) +
                     " positions, the model's context is " + std::to_string(model->hparams().n_ctx_train));
  Session session(model, so);
  auto chain = sp.build(model->hparams().n_vocab, model->isa());
  chain->set_report_probability(args.has("--trace"));  // as `edt run` does: the probability only when it is shown
  StreamDecoder decoder(*tokenizer);

  struct Row {
    size_t pos;
    int32_t token;
    std::string piece;
    StepReport report;
    double forward_us;
    std::vector<double> stage_us;
  };
  std::vector<Row> rows;
  rows.reserve(n);
  using clock = std::chrono::steady_clock;
  std::vector<float> logits(model->hparams().n_vocab);
  auto t0 = clock::now();
  auto last = session.prefill(prompt);
  double forward_us = std::chrono::duration<double, std::micro>(clock::now() - t0).count();
  for (int32_t t : prompt) chain->accept(t);
  for (size_t i = 0; i < n; ++i) {
    std::copy(last.begin(), last.end(), logits.begin());
    const int32_t token = chain->sample(logits);
    chain->accept(token);
    Row r{session.pos(), token, tokenizer->token_bytes(token, -1, true), chain->last_report(), forward_us, {}};
    for (int64_t ns : chain->last_step_ns()) r.stage_us.push_back(static_cast<double>(ns) / 1e3);
    rows.push_back(std::move(r));
    if (token == tokenizer->eos_id()) break;
    t0 = clock::now();
    last = session.decode(token);
    forward_us = std::chrono::duration<double, std::micro>(clock::now() - t0).count();
  }
  // The first row's forward time is the prompt's prefill: leave it out of the per-token figures.
  std::vector<double> fwd, total;
  std::vector<std::vector<double>> per_stage(chain->timed_names().size());
  for (size_t i = 0; i < rows.size(); ++i) {
    double s = 0;
    for (size_t k = 0; k < per_stage.size(); ++k) {
      per_stage[k].push_back(rows[i].stage_us[k]);
      s += rows[i].stage_us[k];
    }
    total.push_back(s);
    if (i > 0) fwd.push_back(rows[i].forward_us);
  }
  const double token_us = quantile(fwd, 0.5) + quantile(total, 0.5);
  std::printf("%s: %zu tokens after a %zu-token prompt | chain: %s | %d threads | isa %s\n", model->source().c_str(),
              rows.size(), prompt.size(), chain->describe().c_str(), so.n_threads, isa_description(model->isa()).c_str());
  std::printf("  %-30s %10s %10s %10s %9s\n", "µs per token", "median", "p90", "p99", "of token");
  for (size_t k = 0; k < per_stage.size(); ++k) print_row("sampler: " + chain->timed_names()[k], per_stage[k], token_us);
  print_row("sampler total", total, token_us);
  print_row("forward pass (decode)", fwd, token_us);
  std::printf("  sampler share of the token time (medians): %.2f%%\n", token_us > 0 ? 100.0 * quantile(total, 0.5) / token_us : 0.0);

  if (auto path = args.get("--trace")) {
    std::ofstream out(*path, std::ios::binary);
    out << "position,token,piece,entropy,temperature,probability,forward_us";
    for (const std::string& name : chain->timed_names()) out << "," << csv_escape(name + "_us");
    out << "\n";
    for (const Row& r : rows) {
      out << r.pos << "," << r.token << "," << csv_escape(r.piece) << "," << r.report.entropy << ","
          << r.report.temperature << "," << r.report.probability << "," << r.forward_us;
      for (double us : r.stage_us) out << "," << us;
      out << "\n";
    }
    if (!out) throw FormatError(*path + ": cannot write the trace");
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  if (auto path = args.get("--plot")) {
    PlotSpec plot;
    plot.title = "Entropy and EDT temperature per generated token";
    plot.x_label = "generated token";
    plot.y_label = "entropy (nats) / temperature";
    PlotSeries h, t;
    h.name = "entropy H (nats)";
    h.color = "#1f77b4";
    t.name = "temperature T";
    t.color = "#d62728";
    for (size_t i = 0; i < rows.size(); ++i) {
      h.x.push_back(static_cast<double>(i));
      h.y.push_back(rows[i].report.entropy);
      t.x.push_back(static_cast<double>(i));
      t.y.push_back(rows[i].report.temperature);
    }
    plot.series = {h, t};
    write_svg_plot(*path, plot);
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  return 0;
}

}  // namespace edt
