#include "eval/eval_analysis.h"

#include <algorithm>
#include <numeric>

namespace edt {

const std::vector<double>& diversity_of(const EvalResult& r, size_t axis) {
  return axis == 0 ? r.self_bleu : r.distinct2;
}

const std::vector<double>& quality_of(const EvalResult& r, size_t metric) {
  return metric == 0 ? r.rouge_l : metric == 1 ? r.bleu : r.loglik;
}

LengthAnalysis analyse_length(const std::vector<EvalRun>& runs, const std::vector<EvalPassage>& passages, size_t length,
                              const AnalysisOptions& opt) {
  LengthAnalysis a;
  a.length = length;
  for (const EvalRun& run : runs) a.results.push_back(score_run(run, passages, length));
  const size_t n = a.results.size();
  std::vector<double> quality(n), diversity(n);
  for (size_t i = 0; i < n; ++i) {
    quality[i] = a.results[i].summary(a.results[i].rouge_l).mean;
    diversity[i] = a.results[i].summary(a.results[i].self_bleu).mean;
  }
  a.pareto.assign(n, true);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (j != i && quality[j] >= quality[i] && diversity[j] <= diversity[i] &&
          (quality[j] > quality[i] || diversity[j] < diversity[i]))
        a.pareto[i] = false;
  for (size_t i = 0; i < n; ++i)
    if (a.results[i].setting.method == "fixed T") a.fixed_curve.push_back(i);
  std::stable_sort(a.fixed_curve.begin(), a.fixed_curve.end(),
                   [&](size_t x, size_t y) { return a.results[x].setting.knob < a.results[y].setting.knob; });
  std::vector<double> knobs;
  for (size_t i : a.fixed_curve) knobs.push_back(a.results[i].setting.knob);

  a.settings.resize(n);
  for (size_t i = 0; i < n; ++i) {
    SettingAnalysis& s = a.settings[i];
    s.tokens = token_stats(runs[i], length, opt.entropy_max, opt.temperature_max, opt.histogram_bins);
    s.compared = a.results[i].setting.method != "fixed T" && a.fixed_curve.size() >= 2;
    if (!s.compared) continue;
    for (size_t axis = 0; axis < kDiversityAxes; ++axis) {
      std::vector<CurveSetting> curve;
      for (size_t metric = 0; metric < kQualityMetrics; ++metric) {
        curve.clear();
        for (size_t f : a.fixed_curve) curve.push_back({&quality_of(a.results[f], metric), &diversity_of(a.results[f], axis)});
        s.paired[axis][metric] = compare_at_matched_diversity(quality_of(a.results[i], metric),
                                                              diversity_of(a.results[i], axis), curve, knobs, opt.bootstrap);
      }
    }
    if (s.paired[0][0].match.inside()) {
      s.has_matched_t = true;
      s.matched_t = s.paired[0][0].matched_knob;
    }
  }
  // Holm within each (axis, metric) family: the in-range comparisons of this length.
  for (size_t axis = 0; axis < kDiversityAxes; ++axis)
    for (size_t metric = 0; metric < kQualityMetrics; ++metric) {
      std::vector<size_t> members;
      std::vector<double> p;
      for (size_t i = 0; i < n; ++i) {
        a.settings[i].holm_p[axis][metric] = 1;
        if (a.settings[i].compared && a.settings[i].paired[axis][metric].match.inside()) {
          members.push_back(i);
          p.push_back(a.settings[i].paired[axis][metric].paired.p_value);
        }
      }
      const std::vector<double> adjusted = holm_adjust(p);
      for (size_t k = 0; k < members.size(); ++k) a.settings[members[k]].holm_p[axis][metric] = adjusted[k];
      a.family_size[axis][metric] = members.size();
    }
  return a;
}

}  // namespace edt
