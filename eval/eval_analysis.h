#pragma once
// Everything `edt eval` says about one continuation length: per-setting metrics, the Pareto set, and for every
// setting that is not fixed temperature the paired comparisons with the fixed-T curve at matched diversity (two
// diversity axes x three quality metrics, Holm-adjusted within each axis x metric), plus the per-step statistics of
// the temperature rule.
#include <array>
#include <string>
#include <vector>

#include "eval/evaluator.h"
#include "eval/paired_stats.h"
#include "eval/token_stats.h"

namespace edt {

inline constexpr size_t kDiversityAxes = 2, kQualityMetrics = 3;
inline constexpr std::array<const char*, kDiversityAxes> kDiversityAxisNames = {"self_bleu", "distinct2"};
inline constexpr std::array<const char*, kQualityMetrics> kQualityMetricNames = {"rouge_l", "bleu4", "self_loglik"};
inline constexpr double kFamilyAlpha = 0.05;

const std::vector<double>& diversity_of(const EvalResult& r, size_t axis);
const std::vector<double>& quality_of(const EvalResult& r, size_t metric);

struct SettingAnalysis {
  bool compared = false;  // not a fixed-T setting, and there is a fixed-T curve of 2+ settings
  std::array<std::array<PairedComparison, kQualityMetrics>, kDiversityAxes> paired{};
  std::array<std::array<double, kQualityMetrics>, kDiversityAxes> holm_p{};  // 1 when out of range
  TokenStats tokens;
  // The fixed T matched at the same Self-BLEU (its comparisons' matched_knob), when inside the curve's range.
  bool has_matched_t = false;
  double matched_t = 0;
};

struct LengthAnalysis {
  size_t length = 0;
  std::vector<EvalResult> results;       // one per setting, in the settings' order
  std::vector<bool> pareto;              // (settings) no other setting has higher ROUGE-L and lower Self-BLEU
  std::vector<size_t> fixed_curve;       // indices of the fixed-T settings, in order of T
  std::vector<SettingAnalysis> settings;  // (settings)
  std::array<std::array<size_t, kQualityMetrics>, kDiversityAxes> family_size{};  // in-range comparisons per test family
};

struct AnalysisOptions {
  BootstrapSpec bootstrap;
  double entropy_max = 10, temperature_max = 2;  // histogram ranges
  size_t histogram_bins = 40;
};

LengthAnalysis analyse_length(const std::vector<EvalRun>& runs, const std::vector<EvalPassage>& passages, size_t length,
                              const AnalysisOptions& options);

}  // namespace edt
