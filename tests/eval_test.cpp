// The evaluation runner: passages cut from text, results independent of the thread count, sane metric ranges.
#include <gtest/gtest.h>

#include "eval/evaluator.h"
#include "tests/test_util.h"

namespace edt {
namespace {

TEST(Eval, PassagesAreWholeWindowsWithBos) {
  const auto tok = Tokenizer::from_path(test::models_path("prose-15m"));
  std::string text = "short one.\n\n";
  for (int i = 0; i < 40; ++i) text += "the cat sat on the mat and the dog sat on the log ";
  text += "\n\nanother short paragraph.";
  const auto passages = passages_from_text(text, *tok, 10, 6, 100);
  ASSERT_GE(passages.size(), 3u);
  for (const EvalPassage& p : passages) {
    EXPECT_EQ(p.prompt.size(), 11u);  // BOS + 10
    EXPECT_EQ(p.prompt[0], 0);
    EXPECT_EQ(p.reference.size(), 6u);
  }
  EXPECT_EQ(passages_from_text(text, *tok, 10, 6, 2).size(), 2u);
}

TEST(Eval, ResultsDoNotDependOnThreadsAndGreedyIsNotDiverse) {
  const auto model = test::convert_and_load(test::models_path("prose-15m"));
  const auto tok = Tokenizer::from_path(test::models_path("prose-15m"));
  std::string text;
  for (int i = 0; i < 6; ++i) text += "In the year of our Lord the Congress declared that the people of the States shall be free.\n\n";
  const auto passages = passages_from_text(text, *tok, 8, 8, 4);
  ASSERT_EQ(passages.size(), 4u);
  std::vector<EvalSetting> settings(2);
  settings[0].method = "fixed T";
  settings[0].params.edt = false;
  settings[0].params.samplers = "temperature";
  settings[0].params.temp = 1.0f;
  settings[1].method = "greedy";
  settings[1].params.temp = 0.0f;
  EvalOptions opt;
  opt.samples_per_prompt = 3;
  opt.continuation_tokens = 8;
  opt.threads = 1;
  const auto one = run_evaluation(model, *tok, passages, settings, opt);
  opt.threads = 2;
  const auto two = run_evaluation(model, *tok, passages, settings, opt);
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(one[s].rouge_l, two[s].rouge_l);
    EXPECT_EQ(one[s].self_bleu, two[s].self_bleu);
    EXPECT_EQ(one[s].loglik, two[s].loglik);
    for (double v : one[s].rouge_l) EXPECT_TRUE(v >= 0 && v <= 1);
    for (double v : one[s].loglik) EXPECT_LT(v, 0.0);
  }
  // Greedy: the three samples of a prompt are identical.
  for (double v : one[1].self_bleu) EXPECT_NEAR(v, 1.0, 1e-12);
  EXPECT_LT(one[0].summary(one[0].self_bleu).mean, 0.9);
}

}  // namespace
}  // namespace edt
