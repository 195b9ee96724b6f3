#include "eval/paired_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sampling/rng.h"

namespace edt {
namespace {

double average(const std::vector<double>& v) {
  return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// Mean of x over n indices drawn uniformly with replacement.
double resampled_mean(const std::vector<double>& x, Rng& rng) {
  const size_t n = x.size();
  double s = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto k = std::min(n - 1, static_cast<size_t>(rng.uniform() * static_cast<double>(n)));
    s += x[k];
  }
  return s / static_cast<double>(n);
}

BootstrapResult summarise(double estimate, std::vector<double>& replicates) {
  BootstrapResult r;
  r.estimate = estimate;
  std::sort(replicates.begin(), replicates.end());
  r.lo = quantile_sorted(replicates, 0.025);
  r.hi = quantile_sorted(replicates, 0.975);
  size_t at_most_zero = 0, at_least_zero = 0;
  for (double v : replicates) {
    at_most_zero += v <= 0;
    at_least_zero += v >= 0;
  }
  const auto b = static_cast<double>(replicates.size());
  r.p_value = std::min(1.0, 2.0 * static_cast<double>(std::min(at_most_zero, at_least_zero) + 1) / (b + 1));
  return r;
}

}  // namespace

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<size_t>(std::floor(at));
  if (i + 1 >= sorted.size()) return sorted.back();
  const double f = at - static_cast<double>(i);
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

BootstrapResult bootstrap_mean(const std::vector<double>& x, const BootstrapSpec& spec) {
  Rng rng(spec.seed);
  std::vector<double> reps(spec.resamples);
  for (double& r : reps) r = resampled_mean(x, rng);
  return summarise(average(x), reps);
}

BootstrapResult bootstrap_mean_difference(const std::vector<double>& a, const std::vector<double>& b,
                                          const BootstrapSpec& spec) {
  Rng rng(spec.seed);
  std::vector<double> reps(spec.resamples);
  for (double& r : reps) {
    const double ma = resampled_mean(a, rng);
    r = ma - resampled_mean(b, rng);
  }
  return summarise(average(a) - average(b), reps);
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> out(m);
  double running = 0;
  for (size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, static_cast<double>(m - k) * p[order[k]]));
    out[order[k]] = running;
  }
  return out;
}

CurveMatch match_on_curve(const std::vector<double>& d, double x) {
  CurveMatch m;
  if (d.empty()) {
    m.where = CurveMatch::Where::AboveRange;
    return m;
  }
  const double lo = *std::min_element(d.begin(), d.end()), hi = *std::max_element(d.begin(), d.end());
  if (!(x >= lo)) {
    m.where = CurveMatch::Where::BelowRange;
    return m;
  }
  if (!(x <= hi)) {
    m.where = CurveMatch::Where::AboveRange;
    return m;
  }
  if (d.size() == 1) return m;  // x equals the only point
  for (size_t j = 0; j + 1 < d.size(); ++j) {
    const double a = d[j], b = d[j + 1];
    if ((x >= a && x <= b) || (x <= a && x >= b)) {
      m.lo = j;
      m.hi = j + 1;
      m.weight = b != a ? (x - a) / (b - a) : 0.0;
      return m;
    }
  }
  return m;  // unreachable: x lies within [lo, hi], so some segment brackets it
}

PairedComparison compare_at_matched_diversity(const std::vector<double>& quality, const std::vector<double>& diversity,
                                              const std::vector<CurveSetting>& curve, const std::vector<double>& knobs,
                                              const BootstrapSpec& spec) {
  PairedComparison c;
  std::vector<double> curve_d, curve_q;
  for (const CurveSetting& s : curve) {
    curve_d.push_back(average(*s.diversity));
    curve_q.push_back(average(*s.quality));
  }
  c.quality = average(quality);
  c.match = match_on_curve(curve_d, average(diversity));
  if (!c.match.inside()) return c;
  const size_t lo = c.match.lo, hi = c.match.hi;
  const double w = c.match.weight;
  c.matched_knob = (1 - w) * knobs[lo] + w * knobs[hi];
  const double span = curve_d[hi] - curve_d[lo];
  const double slope = span != 0 ? (curve_q[hi] - curve_q[lo]) / span : 0.0;
  const size_t n = quality.size();
  std::vector<double> adjusted_setting(n), adjusted_reference(n);
  c.per_prompt.resize(n);
  for (size_t p = 0; p < n; ++p) {
    const double q_ref = (1 - w) * (*curve[lo].quality)[p] + w * (*curve[hi].quality)[p];
    const double d_ref = (1 - w) * (*curve[lo].diversity)[p] + w * (*curve[hi].diversity)[p];
    adjusted_setting[p] = quality[p] - slope * diversity[p];
    adjusted_reference[p] = q_ref - slope * d_ref;
    c.per_prompt[p] = adjusted_setting[p] - adjusted_reference[p];
  }
  c.reference_quality = (1 - w) * curve_q[lo] + w * curve_q[hi];
  c.paired = bootstrap_mean(c.per_prompt, spec);
  c.unpaired = bootstrap_mean_difference(adjusted_setting, adjusted_reference, spec);
  return c;
}

}  // namespace edt
