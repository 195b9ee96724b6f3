// edt eval: the quality-diversity trade-off of EDT against fixed temperature (and dynatemp, and any chain) on
// held-out text: paired comparisons at matched diversity with bootstrap intervals (eval/paired_stats.h), tables,
// a JSON file with every number, a CSV, SVG plots and a Markdown report (tools/eval_output.h).
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "eval/eval_analysis.h"
#include "eval/evaluator.h"
#include "eval/sample_store.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "tools/eval_output.h"
#include "tools/model_loader.h"
#include "tools/sampling_flags.h"
#include "weights/error.h"

namespace edt {
namespace {

std::vector<double> parse_list(const Args& args, const std::string& flag, const std::string& fallback) {
  std::vector<double> out;
  std::stringstream ss(args.get_or(flag, fallback));
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) continue;
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v) || v < 0)
      throw UsageError("eval: flag '" + flag + "' holds '" + item + "', expected non-negative numbers separated by commas");
    out.push_back(v);
  }
  return out;
}

std::string fmt(double v, int digits = 3) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The grid of settings the flags describe: fixed temperatures, EDT over T0 x θ at one N, dynatemp, extra chains.
std::vector<EvalSetting> grid_settings(const Args& args) {
  SamplerParams base;
  read_sampling_flags(args, base);
  base.repeat_last_n = 0;
  std::vector<EvalSetting> settings;
  for (double t : parse_list(args, "--temps", "0.3,0.5,0.7,0.9,1.1,1.3")) {
    SamplerParams p;
    p.edt = false;
    p.samplers = "temperature";  // plain temperature over the full vocabulary, the baseline
    p.temp = static_cast<float>(t);
    settings.push_back({"fixed T", "T=" + fmt(t, 2), t, p});
  }
  const double edt_n = args.get_float("--edt-n-value", 0.8, 1e-6, 0.999999);
  for (double theta : parse_list(args, "--edt-thetas", "0.5,1,2"))
    for (double t0 : parse_list(args, "--edt-t0s", "0.5,0.7,0.9,1.1,1.3")) {
      SamplerParams p;
      p.edt = true;
      p.temp = static_cast<float>(t0);
      p.edt_theta = static_cast<float>(theta);
      p.edt_n = static_cast<float>(edt_n);
      settings.push_back({"EDT θ=" + fmt(theta, 2), "T0=" + fmt(t0, 2) + " θ=" + fmt(theta, 2) + " N=" + fmt(edt_n, 2), t0, p});
    }
  const double dyn_t = args.get_float("--dynatemp-temp", 0.8, 0.0, 100.0);
  for (double r : parse_list(args, "--dynatemp-ranges", "0.2,0.4,0.6")) {
    SamplerParams p;
    p.edt = false;
    p.samplers = "dynatemp";
    p.temp = static_cast<float>(dyn_t);
    p.dynatemp_range = static_cast<float>(r);
    settings.push_back({"dynatemp", "T=" + fmt(dyn_t, 2) + " range=" + fmt(r, 2), r, p});
  }
  if (auto chains = args.get("--chains")) {
    std::stringstream ss(*chains);
    for (std::string spec; std::getline(ss, spec, '|');) {
      SamplerParams p = base;
      p.samplers = spec;
      settings.push_back({"chain", spec, 0, p});
    }
  }
  for (EvalSetting& s : settings) s.params.validate();
  return settings;
}

// generate_samples with a progress line on stderr: tokens per second and the time left.
std::vector<EvalRun> generate_with_progress(std::shared_ptr<const Model> model, const Tokenizer& tok,
                                            const std::vector<EvalPassage>& passages,
                                            const std::vector<EvalSetting>& settings, const EvalOptions& opt) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  std::mutex print_mutex;
  size_t last_percent = 0;
  const size_t tokens_per_unit = opt.samples_per_prompt * opt.continuation_tokens;
  std::fprintf(stderr, "eval: %zu settings x %zu prompts x %zu samples x %zu tokens = %zu tokens on %d sessions\n",
               settings.size(), passages.size(), opt.samples_per_prompt, opt.continuation_tokens,
               settings.size() * passages.size() * tokens_per_unit, opt.threads);
  return generate_samples(model, tok, passages, settings, opt, [&](size_t done, size_t total) {
    std::lock_guard<std::mutex> lock(print_mutex);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double eta = elapsed / static_cast<double>(done) * static_cast<double>(total - done);
    // Every unit generates the same number of steps (EOS aside), so units are the cost measure.
    const double rate = static_cast<double>(done * tokens_per_unit) / std::max(elapsed, 1e-9);
    const size_t percent = done * 100 / total;
    if (tty) {
      const int width = 30, filled = static_cast<int>(width * done / total);
      std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu  %.0f tok/s, %.0f s elapsed, ETA %.0f s ", filled,
                   "##############################", width - filled, "", done, total, rate, elapsed, eta);
      if (done == total) std::fprintf(stderr, "\n");
    } else if (percent >= last_percent + 2 || done == total) {
      last_percent = percent;
      std::fprintf(stderr, "eval: %zu%% (%zu/%zu), %.0f tok/s, %.0f s elapsed, ETA %.0f s\n", percent, done, total,
                   rate, elapsed, eta);
    }
  });
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "model (GGUF, HF folder or llama2.c .bin)"},
      {{"-f", "--file"}, true, "held-out text: paragraphs separated by blank lines"},
      {{"--jsonl"}, true, "or: JSON lines {\"prompt\": ..., \"reference\": ...}"},
      {{"--passages"}, true, "number of prompts (default 100)"},
      {{"--prompt-tokens"}, true, "prompt length in tokens, for -f (default 32)"},
      {{"--continuation-tokens"}, true, "lengths compared with the reference, e.g. 32,128 (default 32): generated once at the longest, shorter ones scored on its prefixes"},
      {{"--samples"}, true, "samples per prompt (default 4)"},
      {{"--temps"}, true, "fixed temperatures (default 0.3,0.5,0.7,0.9,1.1,1.3)"},
      {{"--edt-t0s"}, true, "EDT T0 values (default 0.5,0.7,0.9,1.1,1.3)"},
      {{"--edt-thetas"}, true, "EDT θ values, one curve each (default 0.5,1,2)"},
      {{"--edt-n-value"}, true, "EDT N for the grid (default 0.8)"},
      {{"--dynatemp-ranges"}, true, "dynatemp ranges around --dynatemp-temp (default 0.2,0.4,0.6; empty: none)"},
      {{"--dynatemp-temp"}, true, "dynatemp's centre temperature (default 0.8)"},
      {{"--chains"}, true, "extra chains, '|'-separated sampler specs using the sampling flags, e.g. 'top_k;temperature'"},
      {{"--seed"}, true, "seed (default 1): the same seed gives the same numbers on any thread count"},
      {{"-t", "--threads"}, true, "parallel sessions (default: physical cores)"},
      {{"--out-json"}, true, "write every number (per setting, per prompt) as JSON"},
      {{"--out-csv"}, true, "write the summary table as CSV"},
      {{"--plot"}, true, "write an SVG of quality (ROUGE-L) against diversity (Self-BLEU) with the H and T histograms beside it (one per length: r-32.svg, ...)"},
      {{"--report"}, true, "write a Markdown report: the tables, the paired comparisons, links to the plots and files"},
      {{"--bootstrap"}, true, "bootstrap resamples for the paired intervals (default 10000)"},
      {{"--bootstrap-seed"}, true, "seed of the bootstrap's resampling (default 1)"},
      {{"--save-samples"}, true, "write every sample (tokens, per-step log-probability, H, T) as JSON"},
      {{"--load-samples"}, true, "score the samples of earlier --save-samples runs (a file, or several comma-separated: same passages and seed, other settings) instead of generating (no -m, -f)"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : sampling_flag_specs())
    if (s.names[0] != "-s") specs.push_back(std::move(s));
  Args args("eval", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt eval -m MODEL -f heldout.txt [--passages 100] [--continuation-tokens 32,128] [grid flags]\n"
        "                [--out-json r.json] [--plot r.svg] [--report r.md] [--save-samples s.json]\n"
        "       edt eval --load-samples s.json [--continuation-tokens 32,128] [outputs]\n\n"
        "For each setting of the grid (fixed temperatures; EDT over T0 x θ at one N; dynatemp ranges; any chain),\n"
        "--samples seeded continuations of every prompt. Quality: BLEU-4 and ROUGE-L against the reference\n"
        "continuation (token ids), and the model's mean log-likelihood of its own samples. Diversity among the\n"
        "samples of a prompt: Self-BLEU (lower = more diverse), distinct-1/2/3. Means with 95%% intervals over\n"
        "prompts. BLEU uses add-one smoothing for n >= 2 (Lin & Och 2004).\n"
        "Every other setting is compared with the fixed-temperature curve at the same Self-BLEU and at the same\n"
        "distinct-2, paired per prompt, with bootstrap intervals and Holm's correction (eval/paired_stats.h).\n"
        "Samples use common random numbers: step i of (prompt, sample) draws the same uniforms in every setting.\n\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  const auto n_passages = static_cast<size_t>(args.get_int("--passages", 100, 1, 100000));
  const auto prompt_tokens = static_cast<size_t>(args.get_int("--prompt-tokens", 32, 1, 4096));
  EvalOptions opt;
  std::vector<size_t> lengths;
  for (double v : parse_list(args, "--continuation-tokens", "32")) {
    if (v < 1 || v > 4096 || v != std::floor(v))
      throw UsageError("eval: flag '--continuation-tokens' holds " + fmt(v, 2) + ", expected whole numbers in 1..4096");
    lengths.push_back(static_cast<size_t>(v));
  }
  if (lengths.empty()) throw UsageError("eval: flag '--continuation-tokens' is empty");
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  opt.continuation_tokens = lengths.back();
  opt.samples_per_prompt = static_cast<size_t>(args.get_int("--samples", 4, 2, 1000));
  opt.seed = static_cast<uint64_t>(args.get_int("--seed", 1, 0, INT64_MAX));
  opt.threads = static_cast<int>(args.get_int("-t", physical_cores(), 1, 1024));
  AnalysisOptions analysis;
  analysis.bootstrap.resamples = static_cast<size_t>(args.get_int("--bootstrap", 10000, 100, 10000000));
  analysis.bootstrap.seed = static_cast<uint64_t>(args.get_int("--bootstrap-seed", 1, 0, INT64_MAX));
  std::string command = "edt eval";
  for (int i = 2; i < argc; ++i) {  // quoted where a shell needs it, so the command can be pasted back
    const std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                         "-_.,/=:+") == std::string::npos;
    command += " " + (plain ? a : "'" + a + "'");
  }

  EvalRunInfo info;
  info.command = command;
  info.bootstrap = analysis.bootstrap;
  std::vector<EvalPassage> passages;
  std::vector<EvalRun> runs;
  if (auto load = args.get("--load-samples")) {
    for (const char* flag : {"-m", "-f", "--jsonl", "--save-samples"})
      if (args.has(flag)) throw UsageError(std::string("eval: --load-samples takes the samples from the file; drop ") + flag);
    // One file, or several (comma-separated) from runs over different settings of the same passages and seed.
    std::stringstream files(*load);
    SampleStore st;
    bool first = true;
    for (std::string file; std::getline(files, file, ',');) {
      if (file.empty()) continue;
      if (first) st = load_samples(file);
      else merge_samples(st, load_samples(file), file);
      first = false;
    }
    if (first) throw UsageError("eval: flag '--load-samples' names no file");
    if (lengths.back() > st.generated_tokens)
      throw UsageError("eval: " + *load + " holds " + std::to_string(st.generated_tokens) +
                       "-token samples; --continuation-tokens asks for " + std::to_string(lengths.back()));
    if (st.passages.size() < 2) throw FormatError(*load + ": fewer than 2 passages");
    info.model = st.model;
    info.generation_command = st.command;
    info.seed = st.seed;
    info.samples_per_prompt = st.samples_per_prompt;
    info.prompt_tokens = st.prompt_tokens;
    info.generated_tokens = st.generated_tokens;
    passages = std::move(st.passages);
    runs = std::move(st.runs);
  } else {
    auto model = load_model_any(args.require("-m"));
    const auto tok = tokenizer_of(*model);
    if (args.has("-f") == args.has("--jsonl")) throw UsageError("eval: give exactly one of -f and --jsonl");
    if (auto f = args.get("-f")) {
      std::ifstream in(*f, std::ios::binary);
      if (!in) throw FormatError(*f + ": cannot open");
      std::stringstream ss;
      ss << in.rdbuf();
      passages = passages_from_text(ss.str(), *tok, prompt_tokens, opt.continuation_tokens, n_passages);
    } else {
      passages = passages_from_jsonl(*args.get("--jsonl"), *tok, opt.continuation_tokens, n_passages);
    }
    if (passages.size() < 2) throw FormatError("eval: fewer than 2 usable passages (each needs prompt + continuation tokens)");
    const std::vector<EvalSetting> settings = grid_settings(args);
    runs = generate_with_progress(model, *tok, passages, settings, opt);
    info.model = model->source();
    info.seed = opt.seed;
    info.samples_per_prompt = opt.samples_per_prompt;
    info.prompt_tokens = prompt_tokens;
    info.generated_tokens = opt.continuation_tokens;
    if (auto path = args.get("--save-samples")) {
      SampleStore st;
      st.model = info.model;
      st.command = command;
      st.seed = opt.seed;
      st.samples_per_prompt = opt.samples_per_prompt;
      st.generated_tokens = opt.continuation_tokens;
      st.prompt_tokens = prompt_tokens;
      st.passages = passages;
      st.runs = runs;
      save_samples(*path, st);
      std::fprintf(stderr, "wrote %s\n", path->c_str());
    }
  }
  info.prompts = passages.size();
  // The grid's order (fixed T, EDT by θ, dynatemp, chains; each by its knob), also for samples merged from several
  // runs.
  auto rank = [](const EvalSetting& s) { return s.method == "fixed T" ? 0 : s.method.rfind("EDT", 0) == 0 ? 1 : s.method == "dynatemp" ? 2 : 3; };
  std::stable_sort(runs.begin(), runs.end(), [&](const EvalRun& a, const EvalRun& b) {
    const int ra = rank(a.setting), rb = rank(b.setting);
    if (ra != rb) return ra < rb;
    if (ra == 1 && a.setting.method != b.setting.method) return a.setting.method < b.setting.method;
    return ra < 3 && a.setting.knob < b.setting.knob;
  });

  // Histogram ranges from the data: H up to the largest seen (at most ln(vocabulary)), T up to the largest drawn.
  double h_max = 0, t_max = 0;
  for (const EvalRun& run : runs)
    for (const auto& per_prompt : run.samples)
      for (const SampleTrace& tr : per_prompt) {
        for (float h : tr.entropy) h_max = std::max(h_max, static_cast<double>(h));
        for (float t : tr.temperature) t_max = std::max(t_max, static_cast<double>(t));
      }
  analysis.entropy_max = std::max(1.0, std::ceil(h_max + 1e-9));
  analysis.temperature_max = std::max(0.5, std::ceil((t_max + 1e-9) * 10) / 10);

  std::vector<LengthAnalysis> analyses;
  for (size_t length : lengths) {
    analyses.push_back(analyse_length(runs, passages, length, analysis));
    print_analysis(stdout, info, analyses.back());
  }
  const bool several = analyses.size() > 1;
  std::vector<std::string> plots;
  if (auto path = args.get("--plot"))
    for (const LengthAnalysis& a : analyses) {
      plots.push_back(eval_output_path(*path, a.length, several));
      write_eval_plot(plots.back(), info, a);
      std::fprintf(stderr, "wrote %s\n", plots.back().c_str());
    }
  if (auto path = args.get("--out-json")) {
    write_eval_json(*path, info, analyses);
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  if (auto path = args.get("--out-csv")) {
    write_eval_csv(*path, analyses);
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  if (auto path = args.get("--report")) {
    write_eval_report(*path, info, analyses, plots, args.get_or("--out-json", ""), args.get_or("--out-csv", ""));
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  return 0;
}

}  // namespace edt
