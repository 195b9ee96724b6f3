// The evaluation's statistics against hand-computed cases: quantiles, the bootstrap, Holm's adjustment, matching a
// setting on the fixed-T curve (inside and outside its range), the paired difference; and, statistically, that
// pairing shrinks the interval when prompts share an effect.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/paired_stats.h"
#include "sampling/rng.h"

namespace edt {
namespace {

TEST(PairedStats, QuantileInterpolatesBetweenOrderStatistics) {
  const std::vector<double> v = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.25), 2);    // at (5-1)·0.25 = 1
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.1), 1.4);   // at 0.4
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.975), 4.9); // at 3.9
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1.0), 5);
}

TEST(PairedStats, BootstrapOfConstantDataIsAPoint) {
  BootstrapSpec spec;
  spec.resamples = 500;
  const BootstrapResult r = bootstrap_mean({0.25, 0.25, 0.25}, spec);
  EXPECT_DOUBLE_EQ(r.estimate, 0.25);
  EXPECT_DOUBLE_EQ(r.lo, 0.25);
  EXPECT_DOUBLE_EQ(r.hi, 0.25);
  EXPECT_DOUBLE_EQ(r.p_value, 2.0 / 501);  // no resample at or below 0: (0 + 1) · 2 / (B + 1)
  EXPECT_DOUBLE_EQ(bootstrap_mean({0.0, 0.0}, spec).p_value, 1.0);
}

TEST(PairedStats, BootstrapOfTwoPointsMatchesTheExactResamplingDistribution) {
  // Resampling {0, 1} twice: means 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4. The 2.5% and 97.5% quantiles fall
  // inside the end blocks, so the interval is [0, 1]; #{mean* <= 0} ≈ B/4, so p ≈ 2 (B/4 + 1) / (B + 1) ≈ 0.5
  // (standard error of the 1/4 estimate at B = 4000: 0.007, so ±0.04 is > 5 sigma).
  BootstrapSpec spec;
  spec.resamples = 4000;
  spec.seed = 7;
  const BootstrapResult r = bootstrap_mean({0.0, 1.0}, spec);
  EXPECT_DOUBLE_EQ(r.estimate, 0.5);
  EXPECT_DOUBLE_EQ(r.lo, 0.0);
  EXPECT_DOUBLE_EQ(r.hi, 1.0);
  EXPECT_NEAR(r.p_value, 0.5, 0.04);
  // Same seed, same answer; another seed, another sequence.
  EXPECT_EQ(bootstrap_mean({0.0, 1.0}, spec).p_value, r.p_value);
}

TEST(PairedStats, BootstrapIntervalOfANormalSampleIsAboutTwoStandardErrors) {
  Rng rng(3);
  std::vector<double> x(400);
  double mean = 0;
  for (double& v : x) {
    v = 1.0 + std::sqrt(-2 * std::log(1 - rng.uniform())) * std::cos(2 * M_PI * rng.uniform());  // N(1, 1)
    mean += v / 400;
  }
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double se = std::sqrt(ss / 399 / 400);
  const BootstrapResult r = bootstrap_mean(x, {});
  EXPECT_NEAR(r.estimate, mean, 1e-12);
  // Half-widths within 10% of 1.96 standard errors (the bootstrap's own error at B = 10000 is ~1.5%).
  EXPECT_NEAR(mean - r.lo, 1.96 * se, 0.1 * 1.96 * se);
  EXPECT_NEAR(r.hi - mean, 1.96 * se, 0.1 * 1.96 * se);
  EXPECT_LT(r.p_value, 1e-3);  // the mean is ~20 standard errors from 0
}

TEST(PairedStats, HolmByHand) {
  // Sorted 0.01, 0.03, 0.04 times 3, 2, 1: 0.03, 0.06, 0.04 -> running max 0.03, 0.06, 0.06.
  const std::vector<double> a = holm_adjust({0.01, 0.04, 0.03});
  ASSERT_EQ(a.size(), 3u);
  EXPECT_NEAR(a[0], 0.03, 1e-15);
  EXPECT_NEAR(a[1], 0.06, 1e-15);
  EXPECT_NEAR(a[2], 0.06, 1e-15);
  const std::vector<double> b = holm_adjust({0.2, 0.001, 0.6});
  EXPECT_NEAR(b[1], 0.003, 1e-15);
  EXPECT_NEAR(b[0], 0.4, 1e-15);
  EXPECT_NEAR(b[2], 0.6, 1e-15);
  EXPECT_EQ(holm_adjust({0.9, 0.8})[0], 1.0);  // capped at 1
  EXPECT_TRUE(holm_adjust({}).empty());
}

TEST(PairedStats, MatchOnCurveInsideAndOutside) {
  const std::vector<double> d = {0.8, 0.6, 0.4};  // Self-BLEU falls as T rises
  CurveMatch m = match_on_curve(d, 0.7);
  ASSERT_TRUE(m.inside());
  EXPECT_EQ(m.lo, 0u);
  EXPECT_EQ(m.hi, 1u);
  EXPECT_NEAR(m.weight, 0.5, 1e-12);
  m = match_on_curve(d, 0.45);
  ASSERT_TRUE(m.inside());
  EXPECT_EQ(m.lo, 1u);
  EXPECT_NEAR(m.weight, 0.75, 1e-12);
  EXPECT_TRUE(match_on_curve(d, 0.4).inside());  // the end points belong to the range
  EXPECT_TRUE(match_on_curve(d, 0.8).inside());
  EXPECT_EQ(match_on_curve(d, 0.81).where, CurveMatch::Where::AboveRange);
  EXPECT_EQ(match_on_curve(d, 0.39).where, CurveMatch::Where::BelowRange);
  EXPECT_NEAR(match_on_curve({0.2, 0.5}, 0.35).weight, 0.5, 1e-12);  // rising curves too (distinct-2)
}

TEST(PairedStats, PairedDifferenceByHand) {
  // Fixed T = 0.5: Q (0.3, 0.5, 0.4), D 0.8 each; T = 1.0: Q (0.1, 0.3, 0.2), D 0.4 each. A setting at mean D 0.6 is
  // matched half way (w = 0.5, T = 0.75): Q_ref = (0.2, 0.4, 0.3), slope b = (0.2 - 0.4) / (0.4 - 0.8) = 0.5.
  const std::vector<double> q05 = {0.3, 0.5, 0.4}, d05 = {0.8, 0.8, 0.8}, q10 = {0.1, 0.3, 0.2}, d10 = {0.4, 0.4, 0.4};
  const std::vector<CurveSetting> curve = {{&q05, &d05}, {&q10, &d10}};
  const std::vector<double> knobs = {0.5, 1.0};
  BootstrapSpec spec;
  spec.resamples = 1000;
  // Setting Q (0.3, 0.4, 0.35), D (0.5, 0.6, 0.7): d_p = (Q - Q_ref) - 0.5 (D - 0.6) = (0.1 + 0.05, 0, 0.05 - 0.05).
  const PairedComparison c = compare_at_matched_diversity({0.3, 0.4, 0.35}, {0.5, 0.6, 0.7}, curve, knobs, spec);
  ASSERT_TRUE(c.match.inside());
  EXPECT_NEAR(c.matched_knob, 0.75, 1e-12);
  EXPECT_NEAR(c.reference_quality, 0.3, 1e-12);
  EXPECT_NEAR(c.quality, 0.35, 1e-12);
  ASSERT_EQ(c.per_prompt.size(), 3u);
  EXPECT_NEAR(c.per_prompt[0], 0.15, 1e-12);
  EXPECT_NEAR(c.per_prompt[1], 0.0, 1e-12);
  EXPECT_NEAR(c.per_prompt[2], 0.0, 1e-12);
  EXPECT_NEAR(c.paired.estimate, 0.05, 1e-12);  // = Q̄_s - Q̄_ref: the slope term averages to zero
  EXPECT_NEAR(c.unpaired.estimate, 0.05, 1e-12);
  EXPECT_GE(c.paired.lo, 0.0 - 1e-12);  // every resampled mean of (0.15, 0, 0) is in [0, 0.15]
  EXPECT_LE(c.paired.hi, 0.15 + 1e-12);

  // Outside the range: reported, not extrapolated.
  const PairedComparison out = compare_at_matched_diversity({0.5, 0.5, 0.5}, {0.9, 0.85, 0.95}, curve, knobs, spec);
  EXPECT_EQ(out.match.where, CurveMatch::Where::AboveRange);
  EXPECT_TRUE(out.per_prompt.empty());
  EXPECT_EQ(out.paired.lo, 0.0);
  EXPECT_EQ(out.paired.hi, 0.0);
  EXPECT_EQ(compare_at_matched_diversity({0.5}, {0.3}, {{&q05, &d05}, {&q10, &d10}}, knobs, spec).match.where,
            CurveMatch::Where::BelowRange);
}

TEST(PairedStats, PairingShrinksTheIntervalWithASharedPromptEffect) {
  // 200 prompts, each with its own difficulty u_p ~ N(0, 0.1) shared by every setting, plus per-setting noise
  // N(0, 0.01); the setting is 0.005 above the curve. Unpaired, the prompt effect is in the interval (±~0.02);
  // paired, it cancels (±~0.003).
  Rng rng(11);
  auto normal = [&](double sd) { return sd * std::sqrt(-2 * std::log(1 - rng.uniform())) * std::cos(2 * M_PI * rng.uniform()); };
  const size_t n = 200;
  std::vector<double> u(n), qa(n), qb(n), qs(n), da(n, 0.8), db(n, 0.4), ds(n, 0.6);
  for (size_t p = 0; p < n; ++p) {
    u[p] = normal(0.1);
    qa[p] = 0.30 + u[p] + normal(0.01);
    qb[p] = 0.20 + u[p] + normal(0.01);
    qs[p] = 0.255 + u[p] + normal(0.01);
  }
  const PairedComparison c = compare_at_matched_diversity(qs, ds, {{&qa, &da}, {&qb, &db}}, {0.5, 1.0}, {});
  ASSERT_TRUE(c.match.inside());
  const double paired_width = c.paired.hi - c.paired.lo, unpaired_width = c.unpaired.hi - c.unpaired.lo;
  EXPECT_LT(paired_width, 0.25 * unpaired_width) << paired_width << " vs " << unpaired_width;
  EXPECT_GT(c.paired.lo, 0.0);  // the 0.005 effect is resolved paired (it is 3+ standard errors)...
  EXPECT_LT(c.unpaired.lo, 0.0);  // ...and lost unpaired
}

}  // namespace
}  // namespace edt
