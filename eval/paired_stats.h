#pragma once
// The statistics behind `edt eval`'s comparisons: a setting against the fixed-temperature curve at the same
// diversity, paired over prompts, with bootstrap intervals and Holm's correction for testing many settings.
//
// Matching. The fixed-T settings, in order of T, give a curve of mean diversity D̄_j (Self-BLEU or distinct-2)
// against mean quality Q̄_j. A setting with mean diversity D̄_s is matched to the first segment [j, j+1] whose
// D̄ values bracket it, at weight w = (D̄_s - D̄_j) / (D̄_{j+1} - D̄_j): the fixed-T reference of prompt p is then
// Q_ref,p = (1-w) Q_j,p + w Q_{j+1},p, and likewise D_ref,p. A setting outside [min D̄, max D̄] is reported as out of
// range (more or less diverse than every fixed T), never extrapolated.
//
// Paired difference of prompt p:  d_p = (Q_s,p - Q_ref,p) - b (D_s,p - D_ref,p),
// with b = (Q̄_{j+1} - Q̄_j) / (D̄_{j+1} - D̄_j) the curve's slope on the segment. The last term averages to zero
// over the prompts (that is what w was chosen for), so it does not move the estimate mean(d); it carries the
// uncertainty of where the match lies into the interval (to first order, the same as re-matching in every
// bootstrap resample).
//
// Bootstrap: B resamples of the prompts with replacement, drawn from the project's Rng with a stated seed; the 95%
// interval is the 2.5% and 97.5% quantiles (linear interpolation between order statistics) of the resampled means;
// the two-sided p-value is 2 min(#{mean* <= 0} + 1, #{mean* >= 0} + 1) / (B + 1), capped at 1. The unpaired
// interval resamples the setting's prompts and the fixed curve's prompts independently, as if they were different
// prompts: what the comparison would say without pairing.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edt {

struct BootstrapSpec {
  size_t resamples = 10000;
  uint64_t seed = 1;
};

struct BootstrapResult {
  double estimate = 0;  // the statistic on the data itself
  double lo = 0, hi = 0;  // 95% percentile interval
  double p_value = 1;     // two-sided, for "the statistic is 0"
};

// Quantile q in [0, 1] of sorted values, interpolating linearly between order statistics at (n - 1) q.
double quantile_sorted(const std::vector<double>& sorted, double q);

// The mean of x, its bootstrap interval and p-value.
BootstrapResult bootstrap_mean(const std::vector<double>& x, const BootstrapSpec& spec);
// mean(a) - mean(b), a and b resampled independently (each with its own size).
BootstrapResult bootstrap_mean_difference(const std::vector<double>& a, const std::vector<double>& b,
                                          const BootstrapSpec& spec);

// Holm's step-down adjustment: sort p ascending, p'_(i) = max over k <= i of min(1, (m - k + 1) p_(k)) (k from 1),
// returned in the original order. A hypothesis is rejected at level α when its adjusted p-value is below α (family-wise error ≤ α).
std::vector<double> holm_adjust(const std::vector<double>& p);

// Where a diversity value falls on the fixed curve (means, in order of T).
struct CurveMatch {
  enum class Where { Inside, AboveRange, BelowRange } where = Where::Inside;  // above: D̄_s > every D̄_j
  size_t lo = 0, hi = 0;  // segment: the fixed settings j and j + 1 (in the curve's order)
  double weight = 0;      // w: the reference is (1 - w)·[lo] + w·[hi]
  bool inside() const { return where == Where::Inside; }
};
CurveMatch match_on_curve(const std::vector<double>& curve_diversity, double diversity);

// One fixed-T setting's per-prompt values on the two axes.
struct CurveSetting {
  const std::vector<double>* quality = nullptr;    // (prompts)
  const std::vector<double>* diversity = nullptr;  // (prompts)
};

struct PairedComparison {
  CurveMatch match;
  double matched_knob = 0;          // the fixed T at the match: (1 - w) T_lo + w T_hi
  double quality = 0;               // Q̄_s
  double reference_quality = 0;     // Q̄_ref
  BootstrapResult paired, unpaired;  // of d; unset when the match is out of range
  std::vector<double> per_prompt;    // d_p (empty when out of range)
};

// The setting (quality, diversity per prompt) against the fixed curve (settings in order of T, with their knobs).
PairedComparison compare_at_matched_diversity(const std::vector<double>& quality, const std::vector<double>& diversity,
                                              const std::vector<CurveSetting>& curve, const std::vector<double>& knobs,
                                              const BootstrapSpec& spec);

}  // namespace edt
