// The fused path's entropy pass over vocabularies of several 4,096-logit superblocks: the AVX2 pass weighs each
// superblock against the running max (optimistically, then the careful way when the exponents' range says so) and
// rescales; whatever route each superblock took, its sums must be the reference's, the proposals' recomputed
// weights must be the ones the sums were made of, and the draws must follow softmax(z/T).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sampling/sampler_kernels.h"
#include "sampling/fused_edt.h"
#include "sampling/proposal.h"
#include "sampling/rng.h"
#include "tests/test_util.h"

namespace edt {
namespace {

constexpr size_t kN = 5 * kSuperblock + 100;  // five whole superblocks, a partial one, and a tail of 36

struct Layout {
  std::string name;
  std::vector<float> z;
};

// Logit layouts that send superblocks down each route of the pass.
std::vector<Layout> layouts() {
  std::vector<Layout> out;
  const auto base = test::random_floats(kN, 7, 3.0f);
  out.push_back({"random", base});
  std::vector<float> ramp(kN);  // the max rises in every superblock: each one moves m up
  for (size_t i = 0; i < kN; ++i) ramp[i] = 0.002f * static_cast<float>(i) + 0.3f * base[i];
  out.push_back({"rising max", ramp});
  auto jump = base;  // superblock 3 jumps 80 nats above everything before it (past 2^64): redone carefully
  jump[3 * kSuperblock + 1234] = 90.0f;
  out.push_back({"jump", jump});
  auto masked = base;  // a banned half superblock and scattered bans: the clamp, then the careful way throughout
  for (size_t i = 2 * kSuperblock; i < 2 * kSuperblock + kSuperblock / 2; ++i) masked[i] = -INFINITY;
  for (size_t i = 17; i < kN; i += 997) masked[i] = -INFINITY;
  out.push_back({"masked", masked});
  auto first_masked = base;  // no m until the second superblock (the tail has one, though)
  for (size_t i = 0; i < kSuperblock; ++i) first_masked[i] = -INFINITY;
  out.push_back({"first superblock masked", first_masked});
  auto wide = base;  // a finite logit 120 nats below the rest: the clamp without any -inf
  wide[4 * kSuperblock + 5] = -120.0f;
  out.push_back({"wide span", wide});
  auto tail_high = base;  // the tail holds the max: every superblock is weighed against it from the start
  tail_high[kN - 3] = 30.0f;
  out.push_back({"max in the tail", tail_high});
  return out;
}

// The SIMD levels this process may run (the scalar reference is what they are checked against).
std::vector<Isa> simd_levels() {
  std::vector<Isa> out;
  for (Isa isa : test::isa_levels())
    if (isa != Isa::Scalar) out.push_back(isa);
  return out;
}

TEST(FusedSuperblocks, SumsAndEntropyMatchTheReferenceOnEveryRoute) {
  if (simd_levels().empty()) GTEST_SKIP() << "no SIMD level";
  std::vector<float> ref_scratch(fused_scratch_floats(kN)), simd_scratch(fused_scratch_floats(kN));
  for (Isa isa : simd_levels())
  for (const Layout& l : layouts()) {
    SCOPED_TRACE(std::string(isa_name(isa)) + " " + l.name);
    const EntropyAndSums ref = entropy_and_sums_ref(l.z.data(), kN, ref_scratch.data());
    const EntropyAndSums simd = sampler_kernels(isa).entropy_and_sums(l.z.data(), kN, simd_scratch.data());
    EXPECT_EQ(simd.stats.max, ref.stats.max);
    EXPECT_NEAR(simd.stats.entropy, ref.stats.entropy, 2e-5 * std::max(1.0, ref.stats.entropy));
    EXPECT_NEAR(simd.stats.sum_exp, ref.stats.sum_exp, 1e-5 * ref.stats.sum_exp);
    EXPECT_NEAR(simd.weight_total, ref.weight_total, 1e-5 * ref.weight_total);
    for (size_t b = 0; b < kN / kWeightBlock; ++b) {
      const float r = block_total(ref_scratch.data() + kBlockLanes * b);
      const float s = block_total(simd_scratch.data() + kBlockLanes * b);
      ASSERT_NEAR(s, r, 1e-5f * r + 1e-30f) << "block " << b;
    }
    for (size_t c = 0; c < kN / kSuperblock; ++c) {
      const float r = superblock_sums(ref_scratch.data(), kN)[c], s = superblock_sums(simd_scratch.data(), kN)[c];
      EXPECT_NEAR(s, r, 1e-5f * r + 1e-30f) << "superblock " << c;
    }
  }
}

// A proposal's weight is what the sums counted for that token: e^(z - max) within the accuracy the acceptance
// bound assumes (fused_edt.h), whichever reference its superblock was weighed against.
TEST(FusedSuperblocks, ProposalWeightsAreTheTokensWeights) {
  if (simd_levels().empty()) GTEST_SKIP() << "no SIMD level";
  std::vector<float> scratch(fused_scratch_floats(kN));
  for (Isa isa : simd_levels())
  for (const Layout& l : layouts()) {
    SCOPED_TRACE(std::string(isa_name(isa)) + " " + l.name);
    const SamplerKernels& k = sampler_kernels(isa);
    const EntropyAndSums s = k.entropy_and_sums(l.z.data(), kN, scratch.data());
    Rng rng(3);
    for (int trial = 0; trial < 200; ++trial) {
      const Proposal p = propose(l.z.data(), kN, s.stats.max, scratch.data(), s.weight_total, rng.uniform(),
                                 k.block_weights);
      ASSERT_GE(p.index, 0);
      const double exact = std::exp(static_cast<double>(l.z[static_cast<size_t>(p.index)]) - s.stats.max);
      ASSERT_NEAR(p.weight, exact, (kProposalBound - 1.0) * exact) << "token " << p.index;
    }
  }
}

// Draws over a vocabulary of several superblocks whose max rises from one superblock to the next (so each one's
// sums are rescaled): 40 live tokens spread over the superblocks, the rest 40 nats below (never drawn in practice,
// counted in one bin). 200,000 draws at T = 0.3; 39 degrees of freedom, 0.001 level: 72.05. SIMD levels only:
// the scalar reference weighs everything against the max (no rescaling) and is tested on small vocabularies.
TEST(FusedSuperblocks, DrawsMatchSoftmaxAcrossRescaledSuperblocks) {
  if (simd_levels().empty()) GTEST_SKIP() << "no SIMD level";
  constexpr size_t kN = 3 * kSuperblock + 100;
  std::vector<float> z(kN, -40.0f);
  std::vector<size_t> live;
  for (size_t j = 0; j < 40; ++j) {
    const size_t i = j * ((kN - 500) / 40) + 11 * j;
    ASSERT_LT(i, kN);
    live.push_back(i);
    z[i] = 0.5f * std::sin(static_cast<float>(j)) + 0.05f * static_cast<float>(j);  // rising on the whole
  }
  std::vector<double> p(live.size());
  double total = 0;
  for (size_t j = 0; j < live.size(); ++j) total += p[j] = std::exp(z[live[j]] / 0.3);
  for (double& x : p) x /= total;
  std::vector<float> scratch(fused_scratch_floats(kN));
  for (Isa isa : simd_levels()) {
    Rng rng(21);
    std::vector<int> counts(live.size() + 1, 0);
    const int draws = 200000;
    for (int d = 0; d < draws; ++d) {
      const int32_t token = fused_edt_draw(z.data(), kN, {}, 0.3, rng, scratch.data(), isa, false).token;
      size_t bin = live.size();
      for (size_t j = 0; j < live.size(); ++j)
        if (live[j] == static_cast<size_t>(token)) bin = j;
      ++counts[bin];
    }
    EXPECT_LE(counts.back(), 2) << "tokens 40 nats down were drawn";
    double chi2 = 0;
    for (size_t j = 0; j < live.size(); ++j) {
      const double expected = p[j] * draws;
      ASSERT_GT(expected, 5.0);
      chi2 += (counts[j] - expected) * (counts[j] - expected) / expected;
    }
    EXPECT_LT(chi2, 72.05) << "isa " << isa_name(isa) << ": chi-square " << chi2;
  }
}

// Every level computes each element's weight with the same instructions (fused_edt_body.h), so the weights one
// level recomputes for a proposal are bit for bit the ones another level summed.
TEST(FusedSuperblocks, EveryLevelComputesTheSameWeights) {
  const auto z = layouts()[0].z;
  float a[kWeightBlock], b[kWeightBlock];
  for (Isa isa : simd_levels())
    for (size_t blk : {0u, 7u, 100u}) {
      block_weights_avx2(z.data() + blk * kWeightBlock, kWeightBlock, 1.5f, a);
      sampler_kernels(isa).block_weights(z.data() + blk * kWeightBlock, kWeightBlock, 1.5f, b);
      for (size_t j = 0; j < kWeightBlock; ++j) ASSERT_EQ(a[j], b[j]) << isa_name(isa) << " block " << blk;
    }
}

// A NaN logit: AVX2's integer exponents and AVX-512's float ones (cpu/vec_avx512.h) see it differently, but every
// level gives the max of the other logits, NaN sums and so an entropy of 0, which makes the step greedy.
TEST(FusedSuperblocks, ANanLogitMakesEveryLevelGreedy) {
  if (simd_levels().empty()) GTEST_SKIP() << "no SIMD level";
  auto z = layouts()[0].z;
  z[2 * kSuperblock + 77] = NAN;
  float max = -INFINITY;
  for (float x : z)
    if (x > max) max = x;  // false for the NaN
  std::vector<float> scratch(fused_scratch_floats(kN));
  for (Isa isa : simd_levels()) {
    SCOPED_TRACE(isa_name(isa));
    const EntropyAndSums r = sampler_kernels(isa).entropy_and_sums(z.data(), kN, scratch.data());
    EXPECT_EQ(r.stats.max, max);
    EXPECT_EQ(r.stats.entropy, 0.0);
    EXPECT_TRUE(std::isnan(r.stats.sum_exp));
    EXPECT_TRUE(std::isnan(r.weight_total));
  }
}

}  // namespace
}  // namespace edt
