// `edt eval --load-samples` as a user runs it: a small samples file written here (three fixed temperatures, an EDT
// setting inside their diversity range and one outside it), then the report, JSON, CSV and plots it writes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "eval/sample_store.h"
#include "sampling/rng.h"
#include "tests/cli_util.h"
#include "tests/test_util.h"

namespace edt {
namespace {

// Samples whose diversity is set by construction: at "temperature" t a sample repeats a token drawn from the first
// `spread` ids, so more spread = more distinct samples.
EvalRun synthetic_run(const std::string& method, const std::string& label, double knob, size_t spread, size_t prompts,
                      uint64_t seed) {
  EvalRun run;
  run.setting.method = method;
  run.setting.label = label;
  run.setting.knob = knob;
  Rng rng(seed);
  run.samples.resize(prompts);
  for (auto& per_prompt : run.samples)
    for (size_t k = 0; k < 3; ++k) {
      SampleTrace t;
      for (size_t i = 0; i < 8; ++i) {
        t.tokens.push_back(static_cast<int32_t>(rng.uniform() * static_cast<double>(spread)));
        t.logprob.push_back(-static_cast<float>(spread) / 10.0f);
        t.entropy.push_back(2.0f);
        t.temperature.push_back(static_cast<float>(knob));
      }
      per_prompt.push_back(t);
    }
  return run;
}

TEST(CliEval, LoadedSamplesGiveAReportWithPairedStatistics) {
  const std::string dir = ::testing::TempDir() + "cli_eval/";
  std::filesystem::create_directories(dir);
  SampleStore st;
  st.model = "synthetic";
  st.command = "edt eval (synthetic)";
  st.seed = 5;
  st.samples_per_prompt = 3;
  st.generated_tokens = 8;
  st.prompt_tokens = 4;
  const size_t prompts = 12;
  for (size_t p = 0; p < prompts; ++p) st.passages.push_back({{1, 2, 3, 4}, {0, 1, 2, 3, 4, 5, 6, 7}});
  st.runs = {synthetic_run("fixed T", "T=0.5", 0.5, 3, prompts, 1), synthetic_run("fixed T", "T=1", 1.0, 8, prompts, 2),
             synthetic_run("fixed T", "T=1.5", 1.5, 30, prompts, 3), synthetic_run("EDT", "T0=1", 1.0, 8, prompts, 4),
             synthetic_run("EDT", "T0=9", 9.0, 2, prompts, 5)};
  save_samples(dir + "s.json", st);
  const auto r = test::run_edt("eval --load-samples " + dir + "s.json --continuation-tokens 4,8 --bootstrap 300 "
                               "--bootstrap-seed 9 --report " + dir + "r.md --plot " + dir + "p.svg --out-json " + dir +
                               "r.json --out-csv " + dir + "r.csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("300 resamples, seed 9"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Holm"), std::string::npos);
  EXPECT_NE(r.output.find("out of range: less diverse than every fixed T"), std::string::npos) << r.output;
  const std::string md = test::read_file(dir + "r.md");
  EXPECT_NE(md.find("## 4-token continuations"), std::string::npos);
  EXPECT_NE(md.find("## 8-token continuations"), std::string::npos);
  EXPECT_NE(md.find("](p-8.svg)"), std::string::npos);
  EXPECT_NE(md.find("edt eval (synthetic)"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir + "p-4.svg"));
  const auto j = nlohmann::json::parse(test::read_file(dir + "r.json"));
  ASSERT_EQ(j["lengths"].size(), 2u);
  const auto& edt_in = j["lengths"][1]["settings"][3];
  const auto& cmp = edt_in["paired"]["self_bleu"]["rouge_l"];
  ASSERT_TRUE(cmp.contains("paired")) << cmp.dump();
  EXPECT_EQ(cmp["per_prompt_difference"].size(), prompts);
  EXPECT_TRUE(j["lengths"][1]["settings"][4]["paired"]["self_bleu"]["rouge_l"].contains("out_of_range"));
  EXPECT_EQ(edt_in["tokens"]["steps"], prompts * 3 * 8);
  EXPECT_EQ(j["bootstrap"]["resamples"], 300);
  // A bad file is a one-line error naming it.
  std::ofstream(dir + "bad.json") << "{\"format\": \"edt-eval-samples\", \"version\": 2}";
  const auto bad = test::run_edt("eval --load-samples " + dir + "bad.json");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("bad.json"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace edt
