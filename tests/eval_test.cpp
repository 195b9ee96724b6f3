// The evaluation runner: passages cut from text, results independent of the thread count, sane metric ranges.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "eval/evaluator.h"
#include "eval/sample_store.h"
#include "weights/error.h"
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

EvalSetting fixed_t(float t) {
  EvalSetting s;
  s.method = "fixed T";
  s.label = "T=" + std::to_string(t);
  s.knob = t;
  s.params.edt = false;
  s.params.samplers = "temperature";
  s.params.temp = t;
  return s;
}

EvalSetting edt_setting(float t0, float theta) {
  EvalSetting s;
  s.method = "EDT";
  s.label = "T0=" + std::to_string(t0);
  s.knob = t0;
  s.params.edt = true;
  s.params.temp = t0;
  s.params.edt_theta = theta;
  return s;
}

struct SmallEval {
  std::shared_ptr<const Model> model = test::convert_and_load(test::models_path("prose-15m"));
  std::unique_ptr<Tokenizer> tok = Tokenizer::from_path(test::models_path("prose-15m"));
  std::vector<EvalPassage> passages;
  SmallEval() {
    std::string text;
    for (int i = 0; i < 6; ++i)
      text += "The river ran past the old mill, and the miller's daughter watched the boats go by every evening.\n\n";
    passages = passages_from_text(text, *tok, 8, 10, 3);
  }
};

TEST(Eval, CommonRandomNumbersGiveTheSameSamplesForTheSameRule) {
  SmallEval e;
  ASSERT_EQ(e.passages.size(), 3u);
  // The same rule at settings 0 and 2 (another rule between them): identical samples, step by step. Seeds depend on
  // (prompt, sample, step) only, not on the setting's position.
  const std::vector<EvalSetting> settings = {edt_setting(0.9f, 1.0f), fixed_t(0.8f), edt_setting(0.9f, 1.0f)};
  EvalOptions opt;
  opt.samples_per_prompt = 3;
  opt.continuation_tokens = 10;
  opt.threads = 2;
  const auto runs = generate_samples(e.model, *e.tok, e.passages, settings, opt);
  size_t differing_tokens = 0;
  for (size_t p = 0; p < e.passages.size(); ++p)
    for (size_t k = 0; k < 3; ++k) {
      const SampleTrace &a = runs[0].samples[p][k], &b = runs[2].samples[p][k], &f = runs[1].samples[p][k];
      EXPECT_EQ(a.tokens, b.tokens);
      EXPECT_EQ(a.logprob, b.logprob);
      EXPECT_EQ(a.temperature, b.temperature);
      // The first step sees the same logits under every rule: the same H, and the same log p when the same token
      // is drawn.
      EXPECT_EQ(a.entropy[0], f.entropy[0]);
      for (float t : f.temperature) EXPECT_FLOAT_EQ(t, 0.8f);
      for (size_t i = 0; i < std::min(a.tokens.size(), f.tokens.size()); ++i) differing_tokens += a.tokens[i] != f.tokens[i];
      ASSERT_FALSE(a.temperature.empty());
      EXPECT_GT(a.temperature[0], 0.0f);
      EXPECT_LE(a.temperature[0], 0.9f);
    }
  EXPECT_GT(differing_tokens, 0u);  // a different rule does change the samples
  // Different samples of one prompt are different streams.
  EXPECT_NE(runs[1].samples[0][0].tokens, runs[1].samples[0][1].tokens);
}

TEST(Eval, ShorterLengthsScoreExactlyWhatAShorterRunDraws) {
  SmallEval e;
  const std::vector<EvalSetting> settings = {edt_setting(1.0f, 0.5f), fixed_t(0.7f)};
  EvalOptions opt;
  opt.samples_per_prompt = 2;
  opt.threads = 1;
  opt.continuation_tokens = 10;
  const auto long_runs = generate_samples(e.model, *e.tok, e.passages, settings, opt);
  opt.continuation_tokens = 4;
  opt.threads = 2;
  const auto short_runs = generate_samples(e.model, *e.tok, e.passages, settings, opt);
  std::vector<EvalPassage> short_passages = e.passages;
  for (EvalPassage& p : short_passages) p.reference.resize(4);
  for (size_t s = 0; s < settings.size(); ++s) {
    for (size_t p = 0; p < e.passages.size(); ++p)
      for (size_t k = 0; k < 2; ++k) {
        const SampleTrace &l = long_runs[s].samples[p][k], &sh = short_runs[s].samples[p][k];
        ASSERT_EQ(sh.logprob.size(), 4u);
        EXPECT_EQ(std::vector<float>(l.logprob.begin(), l.logprob.begin() + 4), sh.logprob);
      }
    const EvalResult a = score_run(long_runs[s], e.passages, 4), b = score_run(short_runs[s], short_passages, 4);
    EXPECT_EQ(a.rouge_l, b.rouge_l);
    EXPECT_EQ(a.bleu, b.bleu);
    EXPECT_EQ(a.loglik, b.loglik);
    EXPECT_EQ(a.self_bleu, b.self_bleu);
    EXPECT_EQ(a.continuation_tokens, 4u);
  }
}

TEST(Eval, SampleStoreRoundTripsAndRejectsBadFiles) {
  SmallEval e;
  EvalOptions opt;
  opt.samples_per_prompt = 2;
  opt.continuation_tokens = 5;
  SampleStore st;
  st.model = "prose-15m";
  st.seed = opt.seed;
  st.samples_per_prompt = 2;
  st.generated_tokens = 5;
  st.prompt_tokens = 8;
  st.passages = e.passages;
  st.runs = generate_samples(e.model, *e.tok, e.passages, {fixed_t(0.9f), edt_setting(0.9f, 1.0f)}, opt);
  const std::string path = ::testing::TempDir() + "eval_samples_roundtrip.json";
  save_samples(path, st);
  const SampleStore back = load_samples(path);
  std::remove(path.c_str());
  ASSERT_EQ(back.runs.size(), 2u);
  EXPECT_EQ(back.generated_tokens, 5u);
  EXPECT_EQ(back.runs[1].setting.label, st.runs[1].setting.label);
  for (size_t s = 0; s < 2; ++s) {
    const EvalResult a = score_run(st.runs[s], st.passages, 5), b = score_run(back.runs[s], back.passages, 5);
    EXPECT_EQ(a.rouge_l, b.rouge_l);
    EXPECT_EQ(a.loglik, b.loglik);  // floats survive the JSON exactly
  }
  // Samples of other settings over the same passages and seed combine; anything else does not.
  SampleStore merged = back;
  merge_samples(merged, back, "again.json");
  EXPECT_EQ(merged.runs.size(), 4u);
  SampleStore other_seed = back;
  other_seed.seed += 1;
  EXPECT_THROW(merge_samples(merged, other_seed, "other.json"), FormatError);
  SampleStore other_passages = back;
  other_passages.passages[1].reference.push_back(1);
  EXPECT_THROW(merge_samples(merged, other_passages, "other.json"), FormatError);
  EXPECT_THROW(parse_samples("{", "x.json"), FormatError);
  EXPECT_THROW(parse_samples(R"({"format":"other"})", "x.json"), FormatError);
  try {
    parse_samples(R"({"format":"edt-eval-samples","version":1,"model":"m","seed":1,"samples_per_prompt":1,
      "generated_tokens":4,"prompt_tokens":2,"passages":[{"prompt":[1,2],"reference":[3]}],
      "settings":[{"method":"fixed T","label":"T=1","knob":1,"samples":[[{"tokens":[5,6],"logprob":[-1],
      "entropy":[1],"temperature":[1]}]]}]})", "x.json");
    FAIL() << "a trace with fewer steps than tokens was accepted";
  } catch (const FormatError& err) {
    EXPECT_NE(std::string(err.what()).find("settings[0].samples[0][0]"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace edt
