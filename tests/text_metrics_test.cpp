// BLEU-4, ROUGE-L, Self-BLEU and distinct-n on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>

#include "eval/text_metrics.h"

namespace edt {
namespace {

TEST(Bleu, IdenticalIsOneAndEmptyIsZero) {
  const TokenSeq s = {1, 2, 3, 4, 5};
  EXPECT_NEAR(bleu4(s, {s}), 1.0, 1e-12);
  EXPECT_EQ(bleu4({}, {s}), 0.0);
  EXPECT_EQ(bleu4(s, {}), 0.0);
  EXPECT_EQ(bleu4({9, 9}, {s}), 0.0);  // no unigram in common
}

TEST(Bleu, HandComputedWithSmoothingAndBrevity) {
  // hyp 1 2 3 5 (4 tokens), ref 1 2 3 4 5 6 (6 tokens)
  // p1 = 4/4; p2: bigrams 12 23 35 -> 2 match -> (2+1)/(3+1); p3: 123 235 -> 1 -> 2/3; p4: 1235 -> 0 -> 1/2
  // BP = exp(1 - 6/4)
  const double want = std::exp(1.0 - 1.5) * std::exp((std::log(1.0) + std::log(0.75) + std::log(2.0 / 3) + std::log(0.5)) / 4);
  EXPECT_NEAR(bleu4({1, 2, 3, 5}, {{1, 2, 3, 4, 5, 6}}), want, 1e-12);
}

TEST(Bleu, OneTokenHypothesis) {
  // p1 = 1/1; no bigrams: p2..p4 = (0+1)/(0+1) = 1; BP = exp(1 - 3/1)
  EXPECT_NEAR(bleu4({7}, {{7, 8, 9}}), std::exp(1.0 - 3.0), 1e-12);
}

TEST(Bleu, ClipsCountsAndUsesTheBestReference) {
  // hyp 5 5 5 5 against ref 5 6 7 8: unigram 5 matches once (clipped) -> p1 = 1/4
  // p2: 55 x3, 0 matches -> 1/4; p3: 55 5 x2 -> 1/3; p4: 1 -> 1/2; BP = 1 (same length)
  const double want = std::exp((std::log(0.25) + std::log(0.25) + std::log(1.0 / 3) + std::log(0.5)) / 4);
  EXPECT_NEAR(bleu4({5, 5, 5, 5}, {{5, 6, 7, 8}}), want, 1e-12);
  // Two references: counts clip at the most any one reference has: two 5s and one "5 5" in the second, so
  // p1 = 2/4, p2 = (1+1)/(3+1), p3 = 1/3, p4 = 1/2.
  const double want2 = std::exp((std::log(0.5) + std::log(0.5) + std::log(1.0 / 3) + std::log(0.5)) / 4);
  EXPECT_NEAR(bleu4({5, 5, 5, 5}, {{5, 6, 7, 8}, {5, 5, 1, 2}}), want2, 1e-12);
}

TEST(RougeL, HandComputed) {
  // LCS of 1 2 3 4 5 and 1 3 5 7 is 1 3 5 (3): P = 3/5, R = 3/4, F = 2PR/(P+R)
  const double p = 0.6, r = 0.75;
  EXPECT_NEAR(rouge_l_f1({1, 2, 3, 4, 5}, {1, 3, 5, 7}), 2 * p * r / (p + r), 1e-12);
  EXPECT_EQ(rouge_l_f1({}, {1}), 0.0);
  EXPECT_EQ(rouge_l_f1({1}, {}), 0.0);
  EXPECT_EQ(rouge_l_f1({1}, {1}), 1.0);
  EXPECT_EQ(rouge_l_f1({1}, {2}), 0.0);
}

TEST(SelfBleu, IdenticalSamplesScoreOneAndDisjointZero) {
  EXPECT_NEAR(self_bleu({{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}), 1.0, 1e-12);
  EXPECT_EQ(self_bleu({{1, 2}, {3, 4}, {5, 6}}), 0.0);
  EXPECT_EQ(self_bleu({{1, 2}}), 0.0);
  EXPECT_EQ(self_bleu({}), 0.0);
  // Two samples: the mean of each against the other.
  const double ab = bleu4({1, 2, 3, 5}, {{1, 2, 3, 4, 5, 6}}), ba = bleu4({1, 2, 3, 4, 5, 6}, {{1, 2, 3, 5}});
  EXPECT_NEAR(self_bleu({{1, 2, 3, 5}, {1, 2, 3, 4, 5, 6}}), (ab + ba) / 2, 1e-12);
}

TEST(Distinct, HandComputed) {
  // unigrams: 1 2 1 | 3 1 -> 5 total, unique {1,2,3} = 3; bigrams: 12 21 | 31 -> 3 unique of 3
  EXPECT_NEAR(distinct_n({{1, 2, 1}, {3, 1}}, 1), 3.0 / 5.0, 1e-12);
  EXPECT_NEAR(distinct_n({{1, 2, 1}, {3, 1}}, 2), 1.0, 1e-12);
  EXPECT_EQ(distinct_n({{1, 2, 1}, {3, 1}}, 3), 1.0);  // one trigram
  EXPECT_EQ(distinct_n({{1}, {}}, 2), 0.0);
  EXPECT_NEAR(distinct_n({{4, 4, 4, 4}}, 1), 0.25, 1e-12);
}

}  // namespace
}  // namespace edt
