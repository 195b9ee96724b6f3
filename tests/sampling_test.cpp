// The sampling stages on hand-computed distributions, EDT at its edges, the fused path against the reference
// chain, and seeded draws against softmax(z / T) by chi-square.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "sampling/sampler_kernels.h"
#include "sampling/chain.h"
#include "sampling/sampler_params.h"
#include "sampling/stages/stages.h"
#include "tests/test_util.h"
#include "weights/error.h"

namespace edt {
namespace {

// Runs one stage over logits and returns the surviving (id, logit) pairs.
struct Applied {
  std::vector<int32_t> ids;
  std::vector<float> logits;
  StepReport report;
  int32_t selected = -1;
};

Applied run_stage(SamplerStage& stage, std::vector<float> logits, uint64_t seed = 1) {
  std::vector<int32_t> ids(logits.size());
  std::vector<float> scratch(fused_scratch_floats(logits.size())), scratch2(logits.size());
  Candidates c;
  c.scratch2 = scratch2.data();
  c.logits = logits.data();
  c.ids = ids.data();
  c.scratch = scratch.data();
  c.size = c.n_vocab = logits.size();
  c.full_logits = logits.data();
  Rng rng(seed);
  Applied out;
  SamplingContext ctx{rng, out.report, sampler_kernels(process_isa())};
  stage.apply(c, ctx);
  for (size_t i = 0; i < c.size; ++i) {
    out.ids.push_back(c.id(i));
    out.logits.push_back(c.logits[i]);
  }
  out.selected = c.selected;
  return out;
}

double entropy_of(const std::vector<double>& p) {
  double h = 0;
  for (double x : p)
    if (x > 0) h -= x * std::log(x);
  return h;
}

std::vector<double> softmax_at(const std::vector<float>& z, double t) {
  double m = -INFINITY;
  for (float x : z) m = std::max(m, static_cast<double>(x));
  std::vector<double> p(z.size());
  double s = 0;
  for (size_t i = 0; i < z.size(); ++i) s += p[i] = std::exp((z[i] - m) / t);
  for (double& x : p) x /= s;
  return p;
}

constexpr double kN = 0.8f;  // the parameter as the stage holds it (float)

TEST(EdtRule, TemperatureFollowsThePaperExamples) {
  const EdtParams p{1.0f, 0.8f, 1.0f};
  EXPECT_NEAR(edt_temperature(0.2, p), std::pow(kN, 5.0), 1e-12);  // ≈ 0.33
  EXPECT_NEAR(edt_temperature(1.0, p), kN, 1e-12);
  EXPECT_NEAR(edt_temperature(3.0, p), std::pow(kN, 1.0 / 3.0), 1e-12);  // ≈ 0.93
  // Never above T0, and growing with H.
  double prev = 0;
  for (double h = 0.01; h < 12; h *= 1.3) {
    const double t = edt_temperature(h, {0.7f, 0.8f, 1.0f});
    EXPECT_LE(t, 0.7 + 1e-12);
    EXPECT_GE(t, prev);
    prev = t;
  }
  EXPECT_EQ(edt_temperature(0.0, p), 0.0);        // one-hot: argmax
  EXPECT_EQ(edt_temperature(1e-7, p), 0.0);
  EXPECT_NEAR(edt_temperature(0.05, p), std::pow(kN, 20.0), 1e-12);  // 0.0115: still above the 1e-3 floor
  EXPECT_EQ(edt_temperature(0.02, p), 0.0);                            // 0.8^50 ≈ 1.4e-5: below it, argmax
  EXPECT_EQ(edt_temperature(NAN, p), 0.0);
  EXPECT_NEAR(edt_temperature(0.05, {1.0f, 0.8f, 0.1f}), kN * kN, 1e-7);  // θ/H = 2 (θ = 0.1f)
}

TEST(EdtStage, EntropyIsInNatsOverTheFullVocabulary) {
  // Uniform over n: H = ln n exactly, T = T0 · N^(θ / ln n).
  for (size_t n : {2u, 10u, 1000u}) {
    EdtStage stage({1.0f, 0.8f, 1.0f}, EdtStage::Scope::FullVocabulary);
    const Applied a = run_stage(stage, std::vector<float>(n, 0.5f));
    EXPECT_NEAR(a.report.entropy, std::log(static_cast<double>(n)), 1e-6);
    EXPECT_NEAR(a.report.temperature, std::pow(kN, 1.0 / std::log(static_cast<double>(n))), 1e-6);
  }
  // A hand-computed distribution: logits ln(0.5), ln(0.3), ln(0.2).
  const std::vector<float> z = {std::log(0.5f), std::log(0.3f), std::log(0.2f)};
  const double h = -(0.5 * std::log(0.5) + 0.3 * std::log(0.3) + 0.2 * std::log(0.2));
  EdtStage stage({2.0f, 0.8f, 1.0f}, EdtStage::Scope::FullVocabulary);
  const Applied a = run_stage(stage, z);
  EXPECT_NEAR(a.report.entropy, h, 1e-6);
  const double t = 2.0 * std::pow(kN, 1.0 / h);
  EXPECT_NEAR(a.report.temperature, t, 1e-6);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(a.logits[i], z[i] / t, 1e-5);
}

TEST(EdtStage, OneHotAndMaskedTokens) {
  EdtStage stage({1.0f, 0.8f, 1.0f}, EdtStage::Scope::FullVocabulary);
  // One-hot (others at -inf): H = 0, the argmax is kept.
  const float inf = INFINITY;
  const Applied one_hot = run_stage(stage, {-inf, 3.0f, -inf, -inf});
  EXPECT_EQ(one_hot.report.entropy, 0.0);
  EXPECT_EQ(one_hot.report.temperature, 0.0);
  ASSERT_EQ(one_hot.ids.size(), 1u);
  EXPECT_EQ(one_hot.ids[0], 1);
  // Masked tokens add nothing to H: two live equal tokens among masked ones give ln 2, not NaN.
  const Applied masked = run_stage(stage, {-inf, 1.0f, -inf, 1.0f, -inf});
  EXPECT_NEAR(masked.report.entropy, std::log(2.0), 1e-6);
  EXPECT_TRUE(std::isfinite(masked.report.temperature));
  // A very peaked distribution: T far below T0 but H > 0.
  const Applied peaked = run_stage(stage, {10.0f, 0.0f, 0.0f});
  EXPECT_GT(peaked.report.entropy, 0.0);
  EXPECT_LT(peaked.report.temperature, 0.1);
}

TEST(EdtStage, CandidateScopeUsesOnlySurvivors) {
  std::vector<float> z(100, 0.0f);
  z[0] = 5.0f;
  z[1] = 5.0f;
  SamplerParams p;
  p.samplers = "top_k;edt";
  p.top_k = 2;
  p.temp = 1.0f;
  for (bool over_candidates : {false, true}) {
    p.edt_over_candidates = over_candidates;
    auto chain = p.build(z.size(), Isa::Scalar);
    std::vector<float> logits = z;
    chain->sample(logits);
    const double full_h = entropy_of(softmax_at(z, 1.0));
    // The vectorised exp is accurate to 3e-6 relative, so H is good to about that.
    EXPECT_NEAR(chain->last_report().entropy, over_candidates ? std::log(2.0) : full_h, 1e-5);
  }
}

TEST(Stages, TemperatureAndGreedy) {
  TemperatureStage half(0.5f);
  const Applied a = run_stage(half, {1.0f, -2.0f, 0.25f});
  EXPECT_EQ(a.logits, (std::vector<float>{2.0f, -4.0f, 0.5f}));
  TemperatureStage zero(0.0f);
  const Applied g = run_stage(zero, {1.0f, 3.0f, 2.0f});
  EXPECT_EQ(g.ids, std::vector<int32_t>{1});
  GreedyStage greedy;
  const Applied s = run_stage(greedy, {1.0f, 3.0f, 3.0f, 2.0f});
  EXPECT_EQ(s.selected, 1);  // lowest id on ties
  EXPECT_NEAR(s.report.probability, softmax_at({1, 3, 3, 2}, 1.0)[1], 1e-9);
}

TEST(Stages, TopKTopPMinP) {
  const std::vector<float> z = {0.0f, 3.0f, 1.0f, 2.0f, 3.0f, -1.0f};
  TopKStage k3(3);
  EXPECT_EQ(run_stage(k3, z).ids, (std::vector<int32_t>{1, 3, 4}));
  TopKStage k2(2);
  EXPECT_EQ(run_stage(k2, z).ids, (std::vector<int32_t>{1, 4}));
  TopKStage k0(0), big(100);
  EXPECT_EQ(run_stage(k0, z).ids.size(), z.size());
  EXPECT_EQ(run_stage(big, z).ids.size(), z.size());

  // probabilities 0.5, 0.25, 0.125, 0.125: top-p 0.7 keeps the first two (0.75 >= 0.7), 0.75 keeps two, 0.76 three.
  const std::vector<float> q = {std::log(0.125f), std::log(0.5f), std::log(0.125f), std::log(0.25f)};
  TopPStage p70(0.7f), p75(0.75f), p76(0.76f), p1(1.0f);
  EXPECT_EQ(run_stage(p70, q).ids, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(run_stage(p75, q).ids, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(run_stage(p76, q).ids.size(), 3u);
  EXPECT_EQ(run_stage(p1, q).ids.size(), 4u);
  // A large vocabulary where the nucleus is wider than the first sorted head (64).
  std::vector<float> flat(5000, 0.0f);
  TopPStage p50(0.5f);
  EXPECT_EQ(run_stage(p50, flat).ids.size(), 2500u);

  // min-p 0.3: keep p >= 0.3 · 0.5 = 0.15 -> tokens 1 (0.5) and 3 (0.25).
  MinPStage m(0.3f);
  EXPECT_EQ(run_stage(m, q).ids, (std::vector<int32_t>{1, 3}));
  MinPStage m0(0.0f);
  EXPECT_EQ(run_stage(m0, q).ids.size(), 4u);
}

TEST(Stages, PenaltiesFollowLlamaCpp) {
  PenaltiesStage p(3, 2.0f, 0.5f, 0.25f);
  for (int32_t t : {1, 2, 1, 0}) p.accept(t);  // window of 3: 2, 1, 0 (the first 1 fell out)
  const Applied a = run_stage(p, {4.0f, -4.0f, 1.0f, 1.0f});
  // token 0: count 1, positive: 4/2 - 0.5 - 0.25; token 1: count 1, negative: -4·2 - 0.75; token 2: 1/2 - 0.75.
  EXPECT_FLOAT_EQ(a.logits[0], 1.25f);
  EXPECT_FLOAT_EQ(a.logits[1], -8.75f);
  EXPECT_FLOAT_EQ(a.logits[2], -0.25f);
  EXPECT_FLOAT_EQ(a.logits[3], 1.0f);
  p.reset();
  EXPECT_EQ(run_stage(p, {4.0f, -4.0f}).logits, (std::vector<float>{4.0f, -4.0f}));
}

TEST(Stages, LogitBiasBans) {
  LogitBiasStage b({{0, -INFINITY}, {2, 1.5f}});
  const Applied a = run_stage(b, {1.0f, 1.0f, 1.0f});
  EXPECT_EQ(a.logits[0], -INFINITY);
  EXPECT_EQ(a.logits[2], 2.5f);
}

// llama.cpp's formula: T = lo + (hi - lo)·(H / ln n)^e, lo = max(0, T - Δ), hi = T + Δ.
TEST(Stages, DynatempEqualsLlamaCppFormula) {
  const std::vector<float> z = {2.0f, 1.0f, 0.5f, -1.0f};
  const double h = entropy_of(softmax_at(z, 1.0));
  for (const auto& [t, range, e] : {std::tuple{0.8f, 0.5f, 1.0f}, std::tuple{0.8f, 1.5f, 2.0f}, std::tuple{1.2f, 0.3f, 0.5f}}) {
    DynatempStage d(t, range, e);
    const Applied a = run_stage(d, z);
    const double lo = std::max(0.0f, t - range), hi = t + range;
    const double want = lo + (hi - lo) * std::pow(h / std::log(4.0), e);
    EXPECT_NEAR(a.report.temperature, want, 1e-6);
    for (size_t i = 0; i < z.size(); ++i) EXPECT_NEAR(a.logits[i], z[i] / want, 1e-5);
  }
  DynatempStage no_range(0.7f, 0.0f, 1.0f);  // range 0: plain temperature
  EXPECT_NEAR(run_stage(no_range, z).logits[0], 2.0f / 0.7f, 1e-5);
  DynatempStage single(0.7f, 0.5f, 1.0f);  // n <= 1: no-op
  EXPECT_EQ(run_stage(single, {3.0f}).logits, std::vector<float>{3.0f});
  // Uniform: normalised entropy 1 -> T = hi.
  DynatempStage uniform(1.0f, 0.5f, 1.0f);
  EXPECT_NEAR(run_stage(uniform, std::vector<float>(8, 0.0f)).report.temperature, 1.5, 1e-6);
}

std::vector<float> realistic_logits(size_t n, uint32_t seed, float spread = 3.0f) {
  auto z = test::random_floats(n, seed, spread);
  z[seed % n] += 8.0f;  // a few likely tokens over a long tail
  z[(seed * 7) % n] += 6.0f;
  return z;
}

TEST(FusedEdt, EqualsTheReferencePath) {
  if (process_isa() == Isa::Scalar) GTEST_SKIP() << "no SIMD level";
  for (Isa isa : test::isa_levels()) {
  if (isa == Isa::Scalar) continue;
  SCOPED_TRACE(isa_name(isa));
  const SamplerKernels& k = sampler_kernels(isa);
  size_t same = 0, trials = 0;
  for (size_t n : {17u, 100u, 1000u, 32000u}) {
    for (uint32_t seed = 1; seed <= 25; ++seed) {
      auto z = realistic_logits(n, seed, 1.0f + static_cast<float>(seed % 5));
      if (seed % 3 == 0) z[seed % n] = -INFINITY;  // a banned token
      const EntropyStats ref = entropy_stats_ref(z.data(), n), simd = k.entropy_stats(z.data(), n);
      EXPECT_EQ(simd.argmax, ref.argmax);
      EXPECT_NEAR(simd.entropy, ref.entropy, 2e-5 * std::max(1.0, ref.entropy)) << n << " " << seed;
      std::vector<float> scratch(fused_scratch_floats(n));
      Rng rng(seed);
      const double u = rng.uniform();
      double p_ref = 0, p_simd = 0;
      const int32_t a = draw_at_temperature_ref(z.data(), n, ref.max, 0.7, u, scratch.data(), &p_ref);
      const int32_t b = k.draw_at_temperature(z.data(), n, ref.max, 0.7, u, scratch.data(), &p_simd);
      same += a == b;
      ++trials;
      if (a == b) {
        EXPECT_NEAR(p_simd, p_ref, 1e-5 * p_ref + 1e-9);
      }
    }
  }
  EXPECT_GE(same, trials - 1);  // a different token only when u falls within rounding of a CDF boundary
  }
}

TEST(FusedEdt, ChainTakesTheFusedPathAndMatchesStagesByEntropyAndTemperature) {
  SamplerParams p;
  p.temp = 1.0f;
  auto fused = p.build(5000, process_isa());
  EXPECT_TRUE(fused->fused());
  p.samplers = "edt;top_k";  // the same EDT stage, unfused (top-k 0 is a no-op), then dist
  p.top_k = 0;
  auto staged = p.build(5000, process_isa());
  EXPECT_FALSE(staged->fused());
  const auto z = realistic_logits(5000, 9);
  std::vector<float> a = z, b = z;
  fused->sample(a);
  staged->sample(b);
  EXPECT_NEAR(fused->last_report().entropy, staged->last_report().entropy, 1e-5);
  EXPECT_NEAR(fused->last_report().temperature, staged->last_report().temperature, 1e-5);
}

// Chi-square goodness of fit of seeded draws against softmax(z / T), 40 tokens, 200,000 draws.
// 39 degrees of freedom: the 0.001 critical value is 72.05.
void expect_chi_square(SamplerChain& chain, const std::vector<float>& z, const std::vector<double>& p) {
  const int draws = 200000;
  std::vector<int> counts(z.size(), 0);
  std::vector<float> logits(z.size());
  for (int i = 0; i < draws; ++i) {
    logits = z;
    ++counts[static_cast<size_t>(chain.sample(logits))];
  }
  double chi2 = 0;
  for (size_t i = 0; i < z.size(); ++i) {
    const double expected = p[i] * draws;
    ASSERT_GT(expected, 5.0);
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  EXPECT_LT(chi2, 72.05) << "chi-square " << chi2;
}

TEST(Statistics, TemperatureDrawsMatchSoftmax) {
  std::vector<float> z(40);
  for (size_t i = 0; i < z.size(); ++i) z[i] = std::sin(static_cast<float>(i)) * 1.5f;
  for (bool fused : {true, false}) {
    SamplerParams p;
    p.edt = false;
    p.temp = 0.7f;
    p.samplers = fused ? "temperature" : "temperature;top_k";  // top_k 0: a no-op that keeps the chain unfused
    p.top_k = 0;
    auto chain = p.build(z.size(), process_isa());
    EXPECT_EQ(chain->fused(), fused);
    expect_chi_square(*chain, z, softmax_at(z, 0.7));
  }
}

TEST(Statistics, EdtDrawsMatchSoftmaxAtTheEdtTemperature) {
  std::vector<float> z(40);
  for (size_t i = 0; i < z.size(); ++i) z[i] = std::cos(static_cast<float>(i) * 0.7f) * 2.0f;
  const double h = entropy_of(softmax_at(z, 1.0));
  const double t = edt_temperature(h, {0.9f, 0.8f, 1.0f});
  for (bool fused : {true, false}) {
    SamplerParams p;
    p.temp = 0.9f;
    if (!fused) {
      p.samplers = "edt;top_k";
      p.top_k = 0;
    }
    auto chain = p.build(z.size(), process_isa());
    EXPECT_EQ(chain->fused(), fused);
    expect_chi_square(*chain, z, softmax_at(z, t));
    EXPECT_NEAR(chain->last_report().temperature, t, 1e-5);
  }
}

// Each branch of the fused draw alone and mixed: the second pass only (0 proposals), one proposal then the second
// pass, and the full proposal budget, on both ISAs. At T = 0.2 over this flat-ish distribution 42% of the
// proposals are accepted (Σ e^((z-m)/T) / Σ e^(z-m)), so the 1-proposal runs take both branches. 39 degrees of freedom, 0.001 level: 72.05.
TEST(Statistics, FusedProposalsAndSecondPassEachMatchSoftmax) {
  std::vector<float> z(40);
  for (size_t i = 0; i < z.size(); ++i) z[i] = std::sin(static_cast<float>(i)) * 0.6f;
  const auto p = softmax_at(z, 0.2);
  std::vector<float> scratch(fused_scratch_floats(z.size()));
  for (Isa isa : test::isa_levels()) {
    for (int proposals : {0, 1, kMaxProposals}) {
      Rng rng(11 + static_cast<uint64_t>(proposals));
      std::vector<int> counts(z.size(), 0);
      const int draws = 200000;
      for (int i = 0; i < draws; ++i)
        ++counts[static_cast<size_t>(
            fused_edt_draw(z.data(), z.size(), {}, 0.2, rng, scratch.data(), isa, false, proposals).token)];
      double chi2 = 0;
      for (size_t i = 0; i < z.size(); ++i) {
        const double expected = p[i] * draws;
        ASSERT_GT(expected, 5.0);
        chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
      }
      EXPECT_LT(chi2, 72.05) << "isa " << isa_name(isa) << ", " << proposals << " proposals";
    }
  }
}

// The chosen token's probability, when asked for, is the token's softmax(z/T) on either branch.
TEST(FusedEdt, ReportsTheChosenTokensProbabilityWhenAsked) {
  const auto z = realistic_logits(1000, 5);
  std::vector<float> scratch(fused_scratch_floats(z.size()));
  const auto p = softmax_at(z, 0.5);
  Rng rng(3);
  for (int proposals : {0, kMaxProposals}) {
    for (int k = 0; k < 20; ++k) {
      const auto r = fused_edt_draw(z.data(), z.size(), {}, 0.5, rng, scratch.data(), process_isa(), true, proposals);
      EXPECT_NEAR(r.probability, p[static_cast<size_t>(r.token)], 1e-5 * p[static_cast<size_t>(r.token)]);
    }
    const auto r = fused_edt_draw(z.data(), z.size(), {}, 0.5, rng, scratch.data(), process_isa(), false, proposals);
    if (proposals > 0) {
      EXPECT_EQ(r.probability, -1.0);  // (without proposals the second pass computes it anyway)
    }
  }
}

TEST(Chain, SameSeedSameTokensAndCloneIsIndependent) {
  SamplerParams p;
  p.seed = 42;
  auto a = p.build(1000, process_isa()), b = p.build(1000, process_isa());
  auto c = a->clone();
  for (uint32_t step = 0; step < 50; ++step) {
    const auto z = realistic_logits(1000, step + 3);
    std::vector<float> la = z, lb = z, lc = z;
    const int32_t ta = a->sample(la);
    EXPECT_EQ(ta, b->sample(lb));
    EXPECT_EQ(ta, c->sample(lc));
  }
}

TEST(Chain, ParamsAreValidatedByFlagName) {
  auto error_of = [](auto mutate) {
    SamplerParams p;
    mutate(p);
    try {
      p.build(100, Isa::Scalar);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of([](SamplerParams& p) { p.edt_n = 1.0f; }).find("--edt-n"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.edt_n = 0.0f; }).find("--edt-n"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.edt_theta = 0.0f; }).find("--edt-theta"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.edt_t0 = -2.0f; }).find("--edt-t0"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.top_p = 0.0f; }).find("--top-p"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.min_p = 2.0f; }).find("--min-p"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.samplers = "top_k;bogus"; }).find("'bogus'"), std::string::npos);
  EXPECT_NE(error_of([](SamplerParams& p) { p.logit_bias = {{500, 1.0f}}; }).find("--logit-bias"), std::string::npos);
  EXPECT_EQ(error_of([](SamplerParams&) {}), "");
}

TEST(Chain, TempZeroIsGreedyWhateverTheSampler) {
  SamplerParams p;
  p.temp = 0.0f;
  auto chain = p.build(100, process_isa());
  const auto z = realistic_logits(100, 4);
  for (int i = 0; i < 5; ++i) {
    std::vector<float> l = z;
    EXPECT_EQ(chain->sample(l), static_cast<int32_t>(test::argmax(z.data(), z.size())));
  }
}

}  // namespace
}  // namespace edt

namespace edt {
namespace {

// sample_view leaves the caller's logits alone and draws what sample() draws from a copy, for a chain that only
// reads (the default fused EDT) and for one whose stages write (penalties before the fused kernel, a staged chain).
TEST(Chain, SampleViewDrawsLikeSampleAndLeavesTheLogits) {
  SamplerParams fused_only, with_penalty, staged;
  with_penalty.repeat_penalty = 1.3f;
  staged.samplers = "top_k;top_p;min_p;temperature";
  for (SamplerParams* p : {&fused_only, &with_penalty, &staged}) {
    p->seed = 7;
    auto a = p->build(3000, process_isa()), b = p->build(3000, process_isa());
    EXPECT_EQ(a->reads_only(), p == &fused_only);
    const std::vector<float> z = realistic_logits(3000, 4);
    for (int step = 0; step < 50; ++step) {
      std::vector<float> copy = z;
      const int32_t x = a->sample(copy);
      const int32_t y = b->sample_view(z);
      ASSERT_EQ(x, y) << "step " << step;
      a->accept(x);
      b->accept(y);
    }
    EXPECT_EQ(z, realistic_logits(3000, 4));
  }
}

}  // namespace
}  // namespace edt
