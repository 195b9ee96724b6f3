// edt eval: the quality-diversity trade-off of EDT against fixed temperature (and dynatemp, and any chain) on
// held-out text, with confidence intervals, a table, a JSON file with every number, a CSV and an SVG plot.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "eval/evaluator.h"
#include "eval/sample_store.h"
#include "tools/args.h"
#include "tools/commands.h"
#include "tools/model_loader.h"
#include "tools/sampling_flags.h"
#include "tools/svg_plot.h"
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

// Linear interpolation of y at x along points sorted by x; nullopt outside their range.
std::optional<double> interpolate(std::vector<std::pair<double, double>> pts, double x) {
  std::sort(pts.begin(), pts.end());
  for (size_t i = 0; i + 1 < pts.size(); ++i)
    if (x >= pts[i].first && x <= pts[i + 1].first) {
      const double span = pts[i + 1].first - pts[i].first;
      const double t = span > 0 ? (x - pts[i].first) / span : 0.0;
      return pts[i].second + t * (pts[i + 1].second - pts[i].second);
    }
  return std::nullopt;
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
      {{"--plot"}, true, "write an SVG of quality (ROUGE-L) against diversity (Self-BLEU)"},
      {{"--save-samples"}, true, "write every sample (tokens, per-step log-probability, H, T) as JSON"},
      {{"--load-samples"}, true, "score the samples of an earlier --save-samples instead of generating (no -m, -f)"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : sampling_flag_specs())
    if (s.names[0] != "-s") specs.push_back(std::move(s));
  Args args("eval", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt eval -m MODEL -f heldout.txt [--passages 100] [grid flags] [--out-json r.json] [--plot r.svg]\n\n"
        "For each setting of the grid (fixed temperatures; EDT over T0 x θ at one N; dynatemp ranges; any chain),\n"
        "--samples seeded continuations of every prompt. Quality: BLEU-4 and ROUGE-L against the reference\n"
        "continuation (token ids), and the model's mean log-likelihood of its own samples. Diversity among the\n"
        "samples of a prompt: Self-BLEU (lower = more diverse), distinct-1/2/3. Means with 95%% intervals over\n"
        "prompts. BLEU uses add-one smoothing for n >= 2 (Lin & Och 2004).\n\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  auto model = load_model_any(args.require("-m"));
  const auto tok = tokenizer_of(*model);
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

  std::vector<EvalPassage> passages;
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

  const bool tty = ::isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  std::mutex print_mutex;
  size_t last_percent = 0;
  const size_t tokens_per_unit = opt.samples_per_prompt * opt.continuation_tokens;
  std::fprintf(stderr, "eval: %zu settings x %zu prompts x %zu samples x %zu tokens = %zu tokens on %d sessions\n",
               settings.size(), passages.size(), opt.samples_per_prompt, opt.continuation_tokens,
               settings.size() * passages.size() * tokens_per_unit, opt.threads);
  const auto runs = generate_samples(model, *tok, passages, settings, opt, [&](size_t done, size_t total) {
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
  if (auto path = args.get("--save-samples")) {
    SampleStore st;
    st.model = model->source();
    st.seed = opt.seed;
    st.samples_per_prompt = opt.samples_per_prompt;
    st.generated_tokens = opt.continuation_tokens;
    st.prompt_tokens = prompt_tokens;
    st.passages = passages;
    st.runs = runs;
    save_samples(*path, st);
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  std::vector<EvalResult> results;
  for (const EvalRun& run : runs) results.push_back(score_run(run, passages, lengths.front()));

  // The table.
  std::printf("\n%-12s %-26s %15s %15s %15s %15s %8s %8s %8s\n", "method", "setting", "ROUGE-L", "BLEU-4",
              "self log-lik", "Self-BLEU", "dist-1", "dist-2", "dist-3");
  auto cell = [](const MetricSummary& m) { return fmt(m.mean) + " ± " + fmt(m.ci95); };
  for (const EvalResult& r : results)
    std::printf("%-12s %-26s %15s %15s %15s %15s %8.3f %8.3f %8.3f\n", r.setting.method.c_str(),
                r.setting.label.c_str(), cell(r.summary(r.rouge_l)).c_str(), cell(r.summary(r.bleu)).c_str(),
                cell(r.summary(r.loglik)).c_str(), cell(r.summary(r.self_bleu)).c_str(), r.summary(r.distinct1).mean,
                r.summary(r.distinct2).mean, r.summary(r.distinct3).mean);

  // Pareto frontier over (Self-BLEU low, ROUGE-L high), and EDT against the fixed-temperature curve.
  std::vector<bool> pareto(results.size(), true);
  for (size_t i = 0; i < results.size(); ++i)
    for (size_t j = 0; j < results.size(); ++j) {
      const double qi = results[i].summary(results[i].rouge_l).mean, di = results[i].summary(results[i].self_bleu).mean;
      const double qj = results[j].summary(results[j].rouge_l).mean, dj = results[j].summary(results[j].self_bleu).mean;
      if (j != i && qj >= qi && dj <= di && (qj > qi || dj < di)) pareto[i] = false;
    }
  std::vector<std::pair<double, double>> fixed_curve;
  double fixed_ci = 0;
  const EvalResult* best_fixed = nullptr;
  for (const EvalResult& r : results)
    if (r.setting.method == "fixed T") {
      fixed_curve.emplace_back(r.summary(r.self_bleu).mean, r.summary(r.rouge_l).mean);
      fixed_ci = std::max(fixed_ci, r.summary(r.rouge_l).ci95);
      if (!best_fixed || r.summary(r.rouge_l).mean > best_fixed->summary(best_fixed->rouge_l).mean) best_fixed = &r;
    }
  std::printf("\nPareto-optimal settings (no other setting has both higher ROUGE-L and lower Self-BLEU):\n");
  for (size_t i = 0; i < results.size(); ++i)
    if (pareto[i]) std::printf("  %-12s %s\n", results[i].setting.method.c_str(), results[i].setting.label.c_str());
  std::printf("\nEDT against the fixed-temperature curve at the same Self-BLEU (ROUGE-L difference; the intervals\n"
              "are about ±%.3f for each point):\n", fixed_ci);
  size_t above = 0, below = 0, compared = 0;
  for (const EvalResult& r : results) {
    if (r.setting.method.rfind("EDT", 0) != 0) continue;
    const double sb = r.summary(r.self_bleu).mean, q = r.summary(r.rouge_l).mean;
    const auto ref = interpolate(fixed_curve, sb);
    if (!ref) {
      std::printf("  %-28s Self-BLEU %.3f is outside the fixed-T curve's range\n", r.setting.label.c_str(), sb);
      continue;
    }
    const double diff = q - *ref;
    const double ci = std::sqrt(r.summary(r.rouge_l).ci95 * r.summary(r.rouge_l).ci95 + fixed_ci * fixed_ci);
    ++compared;
    above += diff > ci;
    below += diff < -ci;
    std::printf("  %-28s Self-BLEU %.3f  ROUGE-L %.4f vs fixed T %.4f: %+.4f (±%.4f) %s\n", r.setting.label.c_str(), sb,
                q, *ref, diff, ci, diff > ci ? "above" : diff < -ci ? "below" : "within the intervals");
  }
  std::printf("\nSummary: of %zu EDT settings inside the fixed-T curve's diversity range, %zu lie above it, %zu below "
              "it, and %zu within the intervals.\n", compared, above, below, compared - above - below);
  if (best_fixed)
    std::printf("Best fixed temperature by ROUGE-L: %s (%.4f ± %.4f).\n", best_fixed->setting.label.c_str(),
                best_fixed->summary(best_fixed->rouge_l).mean, best_fixed->summary(best_fixed->rouge_l).ci95);

  if (auto path = args.get("--out-json")) {
    nlohmann::json j;
    j["model"] = model->source();
    j["prompts"] = passages.size();
    j["samples_per_prompt"] = opt.samples_per_prompt;
    j["continuation_tokens"] = opt.continuation_tokens;
    j["prompt_tokens"] = prompt_tokens;
    j["seed"] = opt.seed;
    for (size_t i = 0; i < results.size(); ++i) {
      const EvalResult& r = results[i];
      nlohmann::json s;
      s["method"] = r.setting.method;
      s["setting"] = r.setting.label;
      s["knob"] = r.setting.knob;
      s["pareto"] = static_cast<bool>(pareto[i]);
      const std::pair<const char*, const std::vector<double>*> metrics[] = {
          {"rouge_l", &r.rouge_l}, {"bleu4", &r.bleu}, {"self_loglik", &r.loglik}, {"self_bleu", &r.self_bleu},
          {"distinct1", &r.distinct1}, {"distinct2", &r.distinct2}, {"distinct3", &r.distinct3}};
      for (const auto& [name, v] : metrics) {
        s[name]["mean"] = r.summary(*v).mean;
        s[name]["ci95"] = r.summary(*v).ci95;
        s[name]["per_prompt"] = *v;
      }
      j["settings"].push_back(s);
    }
    std::ofstream out(*path);
    out << j.dump(1) << "\n";
    if (!out) throw FormatError(*path + ": cannot write");
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  if (auto path = args.get("--out-csv")) {
    std::ofstream out(*path);
    out << "method,setting,rouge_l,rouge_l_ci95,bleu4,bleu4_ci95,self_loglik,self_loglik_ci95,self_bleu,self_bleu_ci95,"
           "distinct1,distinct2,distinct3,pareto\n";
    for (size_t i = 0; i < results.size(); ++i) {
      const EvalResult& r = results[i];
      out << '"' << r.setting.method << "\",\"" << r.setting.label << '"';
      for (const auto* v : {&r.rouge_l, &r.bleu, &r.loglik, &r.self_bleu})
        out << "," << r.summary(*v).mean << "," << r.summary(*v).ci95;
      out << "," << r.summary(r.distinct1).mean << "," << r.summary(r.distinct2).mean << ","
          << r.summary(r.distinct3).mean << "," << (pareto[i] ? 1 : 0) << "\n";
    }
    if (!out) throw FormatError(*path + ": cannot write");
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  if (auto path = args.get("--plot")) {
    PlotSpec plot;
    plot.title = "Quality against diversity: " + std::to_string(passages.size()) + " held-out prompts, " +
                 std::to_string(opt.samples_per_prompt) + " samples each";
    plot.x_label = "Self-BLEU among a prompt's samples (lower = more diverse)";
    plot.y_label = "ROUGE-L F1 against the reference";
    const char* colors[] = {"#333333", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
    std::vector<std::string> methods;
    for (const EvalResult& r : results)
      if (std::find(methods.begin(), methods.end(), r.setting.method) == methods.end()) methods.push_back(r.setting.method);
    for (size_t m = 0; m < methods.size(); ++m) {
      PlotSeries s;
      s.name = methods[m];
      s.color = colors[m % 8];
      s.points = true;
      std::vector<const EvalResult*> rs;
      for (const EvalResult& r : results)
        if (r.setting.method == methods[m]) rs.push_back(&r);
      std::sort(rs.begin(), rs.end(), [](const EvalResult* a, const EvalResult* b) { return a->setting.knob < b->setting.knob; });
      for (const EvalResult* r : rs) {
        s.x.push_back(r->summary(r->self_bleu).mean);
        s.y.push_back(r->summary(r->rouge_l).mean);
        s.point_labels.push_back(r->setting.method == "fixed T" || r->setting.method.rfind("EDT", 0) == 0
                                     ? fmt(r->setting.knob, 1)
                                     : std::string());
      }
      plot.series.push_back(s);
    }
    PlotSeries front;
    front.name = "Pareto frontier";
    front.color = "#d62728";
    front.dashed = true;
    std::vector<std::pair<double, double>> fp;
    for (size_t i = 0; i < results.size(); ++i)
      if (pareto[i]) fp.emplace_back(results[i].summary(results[i].self_bleu).mean, results[i].summary(results[i].rouge_l).mean);
    std::sort(fp.begin(), fp.end());
    for (const auto& [x, y] : fp) {
      front.x.push_back(x);
      front.y.push_back(y);
    }
    plot.series.push_back(front);
    plot.width = 1000;
    plot.height = 560;
    write_svg_plot(*path, plot);
    std::fprintf(stderr, "wrote %s\n", path->c_str());
  }
  return 0;
}

}  // namespace edt
