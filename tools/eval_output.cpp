#include "tools/eval_output.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/svg_plot.h"
#include "weights/error.h"

namespace edt {
namespace {

std::string fmt(double v, int digits = 3) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string signed_fmt(double v, int digits = 4) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.*f", digits, v);
  return buf;
}

const char* const kAxisTitles[kDiversityAxes] = {"Self-BLEU", "distinct-2"};
const char* const kMetricTitles[kQualityMetrics] = {"ROUGE-L", "BLEU-4", "log-lik"};

// A table rendered either as aligned text or as Markdown.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  std::string text() const {
    std::vector<size_t> w(header.size(), 0);
    auto width = [](const std::string& s) {  // UTF-8 code points, for θ and ±
      size_t n = 0;
      for (unsigned char c : s) n += (c & 0xC0) != 0x80;
      return n;
    };
    for (size_t c = 0; c < header.size(); ++c) w[c] = width(header[c]);
    for (const auto& r : rows)
      for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], width(r[c]));
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      for (size_t c = 0; c < cells.size(); ++c) {
        out += cells[c];
        if (c + 1 < cells.size()) out += std::string(w[c] - width(cells[c]) + 2, ' ');
      }
      out += "\n";
    };
    line(header);
    for (const auto& r : rows) line(r);
    return out;
  }
  std::string markdown() const {
    std::string out = "|";
    for (const auto& h : header) out += " " + h + " |";
    out += "\n|";
    for (size_t c = 0; c < header.size(); ++c) out += c < 2 ? "---|" : "---:|";
    out += "\n";
    for (const auto& r : rows) {
      out += "|";
      for (const auto& cell : r) out += " " + cell + " |";
      out += "\n";
    }
    return out;
  }
};

Table summary_table(const LengthAnalysis& a) {
  Table t;
  t.header = {"method", "setting", "ROUGE-L", "BLEU-4", "log-lik", "Self-BLEU", "dist-1", "dist-2", "dist-3", "Pareto"};
  auto cell = [](const EvalResult& r, const std::vector<double>& v, int d) {
    const MetricSummary m = r.summary(v);
    return fmt(m.mean, d) + " ± " + fmt(m.ci95, d);
  };
  for (size_t i = 0; i < a.results.size(); ++i) {
    const EvalResult& r = a.results[i];
    t.rows.push_back({r.setting.method, r.setting.label, cell(r, r.rouge_l, 4), cell(r, r.bleu, 4),
                      cell(r, r.loglik, 3), cell(r, r.self_bleu, 3), fmt(r.summary(r.distinct1).mean),
                      fmt(r.summary(r.distinct2).mean), fmt(r.summary(r.distinct3).mean), a.pareto[i] ? "yes" : ""});
  }
  return t;
}

std::string out_of_range_text(const CurveMatch& m, size_t axis) {
  // Self-BLEU: lower is more diverse; distinct-2: higher is more diverse.
  const bool more_diverse = (axis == 0) == (m.where == CurveMatch::Where::BelowRange);
  return std::string("out of range: ") + (more_diverse ? "more" : "less") + " diverse than every fixed T";
}

// One table per diversity axis: each compared setting's paired differences for the three metrics.
Table paired_table(const LengthAnalysis& a, size_t axis) {
  Table t;
  t.header = {"method", "setting", std::string(kAxisTitles[axis]), "matched T"};
  for (size_t m = 0; m < kQualityMetrics; ++m) {
    t.header.push_back(std::string(kMetricTitles[m]) + " diff [95%]");
    t.header.push_back("Holm p");
  }
  t.header.push_back("ROUGE-L unpaired [95%]");
  for (size_t i = 0; i < a.results.size(); ++i) {
    const SettingAnalysis& s = a.settings[i];
    if (!s.compared) continue;
    const EvalResult& r = a.results[i];
    std::vector<std::string> row = {r.setting.method, r.setting.label,
                                    fmt(r.summary(axis == 0 ? r.self_bleu : r.distinct2).mean)};
    const PairedComparison& first = s.paired[axis][0];
    if (!first.match.inside()) {
      row.push_back(out_of_range_text(first.match, axis));
      while (row.size() < t.header.size()) row.push_back("");
      t.rows.push_back(row);
      continue;
    }
    row.push_back(fmt(first.matched_knob, 2));
    for (size_t m = 0; m < kQualityMetrics; ++m) {
      const PairedComparison& c = s.paired[axis][m];
      row.push_back(signed_fmt(c.paired.estimate) + " [" + signed_fmt(c.paired.lo) + ", " + signed_fmt(c.paired.hi) + "]");
      row.push_back(fmt(s.holm_p[axis][m], 3) + (s.holm_p[axis][m] < kFamilyAlpha ? " *" : ""));
    }
    row.push_back("[" + signed_fmt(first.unpaired.lo) + ", " + signed_fmt(first.unpaired.hi) + "]");
    t.rows.push_back(row);
  }
  return t;
}

Table token_table(const LengthAnalysis& a) {
  Table t;
  t.header = {"method", "setting", "steps", "mean H", "mean T", "argmax steps", "matched T (Self-BLEU)", "T below",
              "T above"};
  for (size_t i = 0; i < a.results.size(); ++i) {
    const SettingAnalysis& s = a.settings[i];
    const EvalResult& r = a.results[i];
    const double h = s.tokens.entropy_sum;
    double tsum = 0;
    for (float v : s.tokens.temperatures) tsum += v;
    const double steps = static_cast<double>(std::max<size_t>(1, s.tokens.steps));
    std::vector<std::string> row = {r.setting.method, r.setting.label, std::to_string(s.tokens.steps), fmt(h / steps, 2),
                                    s.tokens.temperatures.empty() ? "-" : fmt(tsum / static_cast<double>(s.tokens.temperatures.size()), 3),
                                    fmt(100.0 * static_cast<double>(s.tokens.argmax_steps) / steps, 1) + "%"};
    if (s.has_matched_t) {
      row.push_back(fmt(s.matched_t, 2));
      row.push_back(fmt(100 * s.tokens.fraction_below(s.matched_t), 1) + "%");
      row.push_back(fmt(100 * s.tokens.fraction_above(s.matched_t), 1) + "%");
    } else {
      row.insert(row.end(), {s.compared ? "out of range" : "-", "", ""});
    }
    t.rows.push_back(row);
  }
  return t;
}

struct Tally {
  size_t above_sig = 0, below_sig = 0, above = 0, below = 0, out_of_range = 0, compared = 0;
};

Tally tally(const LengthAnalysis& a, size_t axis, size_t metric) {
  Tally t;
  for (const SettingAnalysis& s : a.settings) {
    if (!s.compared) continue;
    const PairedComparison& c = s.paired[axis][metric];
    if (!c.match.inside()) {
      ++t.out_of_range;
      continue;
    }
    ++t.compared;
    (c.paired.estimate > 0 ? t.above : t.below) += 1;
    if (s.holm_p[axis][metric] < kFamilyAlpha) (c.paired.estimate > 0 ? t.above_sig : t.below_sig) += 1;
  }
  return t;
}

std::string tally_line(const LengthAnalysis& a, size_t axis, size_t metric) {
  const Tally t = tally(a, axis, metric);
  return std::string(kMetricTitles[metric]) + " at matched " + kAxisTitles[axis] + ": of " + std::to_string(t.compared) +
         " settings in range, " + std::to_string(t.above) + " above the fixed-T curve (" + std::to_string(t.above_sig) +
         " significant after Holm), " + std::to_string(t.below) + " below (" + std::to_string(t.below_sig) +
         " significant); " + std::to_string(t.out_of_range) + " out of range.";
}

std::string method_text(const EvalRunInfo& info) {
  std::ostringstream o;
  o << "Paired differences at matched diversity: per prompt, the setting minus the fixed-temperature curve "
       "interpolated between the two fixed T whose mean diversity brackets the setting's, less the curve's slope "
       "times the per-prompt diversity difference (it averages to zero; it puts the matching's uncertainty into the "
       "interval). Settings outside the fixed-T range are reported as such, not extrapolated. 95% percentile "
       "bootstrap intervals over the "
    << info.prompts << " prompts: " << info.bootstrap.resamples << " resamples, seed " << info.bootstrap.seed
    << ". Multiple testing: Holm's step-down correction within each (diversity axis, metric) family of this length"
       " (family-wise error 5%); * marks a difference significant after it. \"unpaired\" is the interval the same "
       "difference gets when the setting's and the curve's prompts are resampled independently.";
  return o.str();
}

nlohmann::json histogram_json(const Histogram& h) {
  return {{"lo", h.lo}, {"bin_width", h.width}, {"counts", h.counts}};
}

nlohmann::json bootstrap_json(const BootstrapResult& b) {
  return {{"estimate", b.estimate}, {"ci95", {b.lo, b.hi}}, {"p_value", b.p_value}};
}

}  // namespace

std::string eval_output_path(const std::string& path, size_t length, bool several) {
  if (!several) return path;
  const auto dot = path.rfind('.');
  const std::string stem = dot == std::string::npos ? path : path.substr(0, dot);
  return stem + "-" + std::to_string(length) + (dot == std::string::npos ? "" : path.substr(dot));
}

void print_analysis(std::FILE* out, const EvalRunInfo& info, const LengthAnalysis& a) {
  std::fprintf(out, "\n=== %zu-token continuations ===\n\n%s", a.length, summary_table(a).text().c_str());
  std::fprintf(out, "\n%s\n", method_text(info).c_str());
  for (size_t axis = 0; axis < kDiversityAxes; ++axis)
    std::fprintf(out, "\nAt matched %s:\n%s", kAxisTitles[axis], paired_table(a, axis).text().c_str());
  std::fprintf(out, "\nThe temperature rule at work (T below / above: fraction of steps drawn below / above the fixed T "
                    "matched at the same Self-BLEU):\n%s\n", token_table(a).text().c_str());
  for (size_t axis = 0; axis < kDiversityAxes; ++axis)
    for (size_t m = 0; m < kQualityMetrics; ++m) std::fprintf(out, "%s\n", tally_line(a, axis, m).c_str());
}

void write_eval_json(const std::string& path, const EvalRunInfo& info, const std::vector<LengthAnalysis>& analyses) {
  nlohmann::json j;
  j["model"] = info.model;
  j["command"] = info.command;
  if (!info.generation_command.empty()) j["generation_command"] = info.generation_command;
  j["prompts"] = info.prompts;
  j["samples_per_prompt"] = info.samples_per_prompt;
  j["prompt_tokens"] = info.prompt_tokens;
  j["generated_tokens"] = info.generated_tokens;
  j["seed"] = info.seed;
  j["bootstrap"] = {{"resamples", info.bootstrap.resamples}, {"seed", info.bootstrap.seed}, {"interval", "percentile, 95%"}};
  j["multiple_testing"] = "Holm step-down within each (length, diversity axis, metric) family, alpha 0.05";
  for (const LengthAnalysis& a : analyses) {
    nlohmann::json lj;
    lj["continuation_tokens"] = a.length;
    for (size_t i = 0; i < a.results.size(); ++i) {
      const EvalResult& r = a.results[i];
      const SettingAnalysis& s = a.settings[i];
      nlohmann::json sj;
      sj["method"] = r.setting.method;
      sj["setting"] = r.setting.label;
      sj["knob"] = r.setting.knob;
      sj["pareto"] = static_cast<bool>(a.pareto[i]);
      const std::pair<const char*, const std::vector<double>*> metrics[] = {
          {"rouge_l", &r.rouge_l}, {"bleu4", &r.bleu}, {"self_loglik", &r.loglik}, {"self_bleu", &r.self_bleu},
          {"distinct1", &r.distinct1}, {"distinct2", &r.distinct2}, {"distinct3", &r.distinct3}};
      for (const auto& [name, v] : metrics) {
        sj[name]["mean"] = r.summary(*v).mean;
        sj[name]["ci95"] = r.summary(*v).ci95;
        sj[name]["per_prompt"] = *v;
      }
      nlohmann::json tj;
      tj["steps"] = s.tokens.steps;
      tj["argmax_steps"] = s.tokens.argmax_steps;
      tj["entropy_histogram"] = histogram_json(s.tokens.entropy);
      tj["temperature_histogram"] = histogram_json(s.tokens.temperature);
      if (s.has_matched_t) {
        tj["matched_fixed_t"] = s.matched_t;
        tj["fraction_below_matched_t"] = s.tokens.fraction_below(s.matched_t);
        tj["fraction_above_matched_t"] = s.tokens.fraction_above(s.matched_t);
      }
      sj["tokens"] = tj;
      if (s.compared)
        for (size_t axis = 0; axis < kDiversityAxes; ++axis)
          for (size_t m = 0; m < kQualityMetrics; ++m) {
            const PairedComparison& c = s.paired[axis][m];
            nlohmann::json cj;
            if (!c.match.inside()) {
              cj["out_of_range"] = out_of_range_text(c.match, axis);
            } else {
              cj["matched_fixed_t"] = c.matched_knob;
              cj["segment"] = {a.results[a.fixed_curve[c.match.lo]].setting.label,
                               a.results[a.fixed_curve[c.match.hi]].setting.label};
              cj["weight"] = c.match.weight;
              cj["setting_mean"] = c.quality;
              cj["fixed_curve_mean"] = c.reference_quality;
              cj["paired"] = bootstrap_json(c.paired);
              cj["unpaired"] = bootstrap_json(c.unpaired);
              cj["holm_p"] = s.holm_p[axis][m];
              cj["significant_after_holm"] = s.holm_p[axis][m] < kFamilyAlpha;
              cj["per_prompt_difference"] = c.per_prompt;
            }
            sj["paired"][kDiversityAxisNames[axis]][kQualityMetricNames[m]] = cj;
          }
      lj["settings"].push_back(sj);
    }
    j["lengths"].push_back(lj);
  }
  std::ofstream out(path);
  out << j.dump(1) << "\n";
  if (!out) throw FormatError(path + ": cannot write");
}

void write_eval_csv(const std::string& path, const std::vector<LengthAnalysis>& analyses) {
  std::ofstream out(path);
  out << "continuation_tokens,method,setting,rouge_l,rouge_l_ci95,bleu4,bleu4_ci95,self_loglik,self_loglik_ci95,"
         "self_bleu,self_bleu_ci95,distinct1,distinct2,distinct3,pareto,matched_t,rouge_l_diff,rouge_l_diff_lo,"
         "rouge_l_diff_hi,rouge_l_holm_p,bleu4_diff,bleu4_diff_lo,bleu4_diff_hi,bleu4_holm_p,loglik_diff,"
         "loglik_diff_lo,loglik_diff_hi,loglik_holm_p\n";
  for (const LengthAnalysis& a : analyses)
    for (size_t i = 0; i < a.results.size(); ++i) {
      const EvalResult& r = a.results[i];
      const SettingAnalysis& s = a.settings[i];
      out << a.length << ",\"" << r.setting.method << "\",\"" << r.setting.label << '"';
      for (const auto* v : {&r.rouge_l, &r.bleu, &r.loglik, &r.self_bleu})
        out << "," << r.summary(*v).mean << "," << r.summary(*v).ci95;
      out << "," << r.summary(r.distinct1).mean << "," << r.summary(r.distinct2).mean << ","
          << r.summary(r.distinct3).mean << "," << (a.pareto[i] ? 1 : 0);
      if (s.compared && s.paired[0][0].match.inside()) {
        out << "," << s.matched_t;
        for (size_t m = 0; m < kQualityMetrics; ++m) {
          const PairedComparison& c = s.paired[0][m];
          out << "," << c.paired.estimate << "," << c.paired.lo << "," << c.paired.hi << "," << s.holm_p[0][m];
        }
      } else {
        out << ",,,,,,,,,,,,,";
      }
      out << "\n";
    }
  if (!out) throw FormatError(path + ": cannot write");
}

void write_eval_plot(const std::string& path, const EvalRunInfo& info, const LengthAnalysis& a) {
  const char* colors[] = {"#333333", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};
  std::vector<std::string> methods;
  for (const EvalResult& r : a.results)
    if (std::find(methods.begin(), methods.end(), r.setting.method) == methods.end()) methods.push_back(r.setting.method);
  PlacedPlot qd;
  PlotSpec& plot = qd.spec;
  plot.title = "Quality against diversity: " + std::to_string(info.prompts) + " prompts, " +
               std::to_string(info.samples_per_prompt) + " samples, " + std::to_string(a.length) + " tokens";
  plot.x_label = "Self-BLEU among a prompt's samples (lower = more diverse)";
  plot.y_label = "ROUGE-L F1 against the reference";
  for (size_t m = 0; m < methods.size(); ++m) {
    PlotSeries s;
    s.name = methods[m];
    s.color = colors[m % 8];
    s.points = true;
    std::vector<size_t> idx;
    for (size_t i = 0; i < a.results.size(); ++i)
      if (a.results[i].setting.method == methods[m]) idx.push_back(i);
    std::stable_sort(idx.begin(), idx.end(), [&](size_t x, size_t y) { return a.results[x].setting.knob < a.results[y].setting.knob; });
    for (size_t i : idx) {
      const EvalResult& r = a.results[i];
      s.x.push_back(r.summary(r.self_bleu).mean);
      s.y.push_back(r.summary(r.rouge_l).mean);
      s.point_labels.push_back(r.setting.method == "fixed T" || r.setting.method.rfind("EDT", 0) == 0 ? fmt(r.setting.knob, 1)
                                                                                                       : std::string());
    }
    plot.series.push_back(s);
  }
  PlotSeries front;
  front.name = "Pareto frontier";
  front.color = "#d62728";
  front.dashed = true;
  std::vector<std::pair<double, double>> fp;
  for (size_t i = 0; i < a.results.size(); ++i)
    if (a.pareto[i]) fp.emplace_back(a.results[i].summary(a.results[i].self_bleu).mean, a.results[i].summary(a.results[i].rouge_l).mean);
  std::sort(fp.begin(), fp.end());
  for (const auto& [x, y] : fp) {
    front.x.push_back(x);
    front.y.push_back(y);
  }
  plot.series.push_back(front);
  plot.width = 900;
  plot.height = 600;

  // The panel beside it: per method, the distribution of H and of the drawn T over all its settings' steps.
  PlacedPlot hp, tp;
  hp.x = tp.x = plot.width;
  tp.y = plot.height / 2;
  hp.spec.width = tp.spec.width = 640;
  hp.spec.height = tp.spec.height = plot.height / 2;
  hp.spec.title = "Entropy H of each step (nats)";
  hp.spec.x_label = "H of softmax(z), T = 1";
  tp.spec.title = "Temperature each token was drawn at";
  tp.spec.x_label = "T (0: argmax)";
  hp.spec.y_label = tp.spec.y_label = "fraction of steps";
  for (size_t m = 0; m < methods.size(); ++m)
    for (int which = 0; which < 2; ++which) {
      std::vector<double> counts;
      double lo = 0, width = 1, total = 0;
      for (size_t i = 0; i < a.results.size(); ++i) {
        if (a.results[i].setting.method != methods[m]) continue;
        const Histogram& h = which == 0 ? a.settings[i].tokens.entropy : a.settings[i].tokens.temperature;
        counts.resize(h.counts.size(), 0.0);
        lo = h.lo;
        width = h.width;
        for (size_t b = 0; b < h.counts.size(); ++b) counts[b] += static_cast<double>(h.counts[b]);
        total += static_cast<double>(h.total());
      }
      PlotSeries s;
      s.name = methods[m];
      s.color = colors[m % 8];
      for (size_t b = 0; b < counts.size(); ++b) {
        s.x.push_back(lo + (static_cast<double>(b) + 0.5) * width);
        s.y.push_back(total > 0 ? counts[b] / total : 0.0);
      }
      (which == 0 ? hp : tp).spec.series.push_back(s);
    }
  write_svg_panels(path, {qd, hp, tp});
}

void write_eval_report(const std::string& path, const EvalRunInfo& info, const std::vector<LengthAnalysis>& analyses,
                       const std::vector<std::string>& plots, const std::string& json, const std::string& csv) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::absolute(path).parent_path();
  auto link = [&](const std::string& p) { return fs::relative(fs::absolute(p), dir).generic_string(); };
  std::ostringstream o;
  o << "# `edt eval` report\n\n"
    << "Generated by `edt eval --report` (do not edit by hand; rerun the command below).\n\n```\n" << info.command
    << "\n```\n\n";
  if (!info.generation_command.empty())
    o << "The samples were generated (and saved) by:\n\n```\n" << info.generation_command << "\n```\n\n";
  o << "- Model: `" << info.model << "`\n- " << info.prompts << " prompts of " << info.prompt_tokens
    << " tokens; " << info.samples_per_prompt << " samples per prompt and setting, generated once at "
    << info.generated_tokens << " tokens; shorter lengths are scored on the samples' prefixes.\n"
    << "- Sampling seed " << info.seed << ". Common random numbers: step i of sample k of prompt p draws from a "
       "stream seeded by (seed, p, k, i) in every setting, so settings differ only by their temperature rule; "
       "the numbers do not depend on the thread count.\n"
    << "- Metrics on token ids: ROUGE-L F1 and BLEU-4 (add-one smoothing for n ≥ 2) against the reference "
       "continuation; the model's mean log-likelihood per step of its own samples at T = 1 (\"log-lik\", nats); "
       "Self-BLEU among a prompt's samples (lower = more diverse) and distinct-n. Summary intervals: mean ± 1.96 "
       "standard errors over prompts.\n";
  if (!json.empty()) o << "- Every number, per prompt, with the histograms: [" << link(json) << "](" << link(json) << ")\n";
  if (!csv.empty()) o << "- Summary table: [" << link(csv) << "](" << link(csv) << ")\n";
  for (size_t li = 0; li < analyses.size(); ++li) {
    const LengthAnalysis& a = analyses[li];
    o << "\n## " << a.length << "-token continuations\n\n";
    if (li < plots.size() && !plots[li].empty())
      o << "![quality against diversity, and the H and T histograms per method, " << a.length << " tokens]("
        << link(plots[li]) << ")\n\n";
    o << "### Summary\n\n" << summary_table(a).markdown() << "\n### Paired comparisons with fixed temperature\n\n"
      << method_text(info) << "\n\n";
    for (size_t axis = 0; axis < kDiversityAxes; ++axis)
      o << "At matched " << kAxisTitles[axis] << ":\n\n" << paired_table(a, axis).markdown() << "\n";
    for (size_t axis = 0; axis < kDiversityAxes; ++axis)
      for (size_t m = 0; m < kQualityMetrics; ++m) o << "- " << tally_line(a, axis, m) << "\n";
    o << "\n### The temperature rule at work\n\nFraction of steps drawn below / above the fixed T matched at the "
         "same Self-BLEU (a fixed-T setting draws every step at its T; argmax steps are those drawn at T = 0).\n\n"
      << token_table(a).markdown();
  }
  std::ofstream out(path);
  out << o.str();
  if (!out) throw FormatError(path + ": cannot write the report");
}

}  // namespace edt
