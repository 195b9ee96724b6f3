// edt run end to end, as a user runs it: the demo model converted, seeded generation reproducible, greedy text
// equal to the reference, and each bad input refused with one line and a non-zero exit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "tests/cli_util.h"
#include "tests/test_util.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

class CliRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // ctest runs each test in its own process, in parallel: each process converts its own copy.
    model_ = ::testing::TempDir() + "edt_cli_run_demo_" + std::to_string(::getpid()) + ".gguf";
    const auto r = test::run_edt("convert " + test::models_path("prose-15m") + " -o " + model_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove(model_); }
  static std::string model_;
};
std::string CliRun::model_;

// stdout only (the summary goes to stderr).
test::CommandResult run_stdout(const std::string& args) {
  return test::run_edt(args, "", false);
}

TEST_F(CliRun, SeededGenerationIsReproducible) {
  const std::string args = "run -m " + model_ + " -p 'The Congress shall' -n 40 --seed 7";
  const auto a = run_stdout(args), b = run_stdout(args), c = run_stdout(args + " -t 1");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.output, c.output);  // any thread count
  EXPECT_GT(a.output.size(), std::string("The Congress shall").size() + 20);
  const auto other = run_stdout("run -m " + model_ + " -p 'The Congress shall' -n 40 --seed 8");
  EXPECT_NE(a.output, other.output);
}

// With either KV cache type: the F16 cache moves the logits by ~2e-4 relative (forward_test), which changes no
// greedy choice on these prompts.
TEST_F(CliRun, GreedyTextEqualsTheReference) {
  std::ifstream in(test::data_path("prose-15m-refs/refs.json"));
  const auto refs = nlohmann::json::parse(in);
  for (const char* cache : {"f32", "f16"})
  for (size_t i : {0u, 1u, 3u, 5u}) {
    const std::string prompt = refs[i]["prompt"].get<std::string>();
    const size_t n = refs[i]["greedy_ids"].size() - refs[i]["input_ids"].size();
    std::ofstream(::testing::TempDir() + "edt_prompt.txt", std::ios::binary) << prompt;
    const auto r = run_stdout("run -m " + model_ + " -f " + ::testing::TempDir() + "edt_prompt.txt -n " +
                              std::to_string(n) + " --temp 0 --no-display-prompt --cache-type " + cache);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, refs[i]["greedy_text"].get<std::string>()) << prompt << " (cache " << cache << ")";
  }
}

TEST_F(CliRun, AcceptsCheckpointsDirectlyAndPrintsASummary) {
  const auto hf = test::run_edt("run -m " + test::models_path("prose-15m") + " -p 'The' -n 5 --temp 0");
  ASSERT_EQ(hf.exit_code, 0) << hf.output;
  EXPECT_NE(hf.output.find("generated 5 tokens"), std::string::npos) << hf.output;
  EXPECT_NE(hf.output.find("sampler"), std::string::npos);
  EXPECT_NE(hf.output.find("first token"), std::string::npos);
  const auto l2c = test::run_edt("run -m " + test::data_path("stories260K/stories260K.bin") + " -p 'Once upon a time' -n 20 --temp 0");
  ASSERT_EQ(l2c.exit_code, 0) << l2c.output;
  EXPECT_NE(l2c.output.find("Once upon a time"), std::string::npos);
}

TEST_F(CliRun, InteractiveKeepsTheConversation) {
  const auto r = test::run_edt("run -m " + model_ + " -i -n 8 --temp 0 --seed 1", "The\nAnd then\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("generated 16 tokens"), std::string::npos) << r.output;
}

TEST_F(CliRun, InteractiveSaysWhenTheContextIsFull) {
  const auto r = test::run_edt("run -m " + model_ + " -i -c 24 -n 10 --temp 0", "The\nAnd then\nMore\nAgain\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the context is full (24 tokens)"), std::string::npos) << r.output;
}

TEST_F(CliRun, BadInputsGiveOneLineAndNonZeroExit) {
  const std::string not_model = ::testing::TempDir() + "edt_not_a_model.bin";
  std::ofstream(not_model) << "hello";
  std::string long_prompt;
  for (int i = 0; i < 300; ++i) long_prompt += "word ";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"run -m /nonexistent.gguf -p hi", "no such file or folder"},
      {"run -m " + not_model + " -p hi", "not a llama2.c checkpoint"},
      {"run -m " + model_ + " -p ''", "the prompt is empty"},
      {"run -m " + model_ + " -p '" + long_prompt + "' -c 64", "the context holds 64"},
      {"run -m " + model_ + " -p hi -c 64 -n 100", "needs 103 positions, the context holds 64"},
      {"run -m " + model_ + " -p", "flag '-p' needs a value"},
      {"run -m " + model_ + " -p hi --frobnicate", "unknown flag '--frobnicate'"},
      {"run -m " + model_ + " -p hi --edt-n 1.5", "flag '--edt-n' must be in (0, 1)"},
      {"run -m " + model_ + " -p hi --edt-theta 0", "flag '--edt-theta' must be > 0"},
      {"run -m " + model_ + " -p hi --top-p 0", "flag '--top-p' must be in (0, 1]"},
      {"run -m " + model_ + " -p hi -n abc", "flag '-n' needs an integer"},
      {"run -m " + model_ + " -p hi --temp -1", "flag '--temp' is -1"},
      {"run -m " + model_ + " -p hi --samplers 'top_k;nope'", "'nope'"},
      {"run -m " + model_ + " -p hi --cache-type q8", "unknown cache type 'q8' (expected f32 or f16)"},
      {"run -m " + model_ + " -p hi -ctk f16 -ctv f32", "keys (f16) and values (f32) must have the same cache type"},
      {"run -p hi", "flag '-m' is required"},
  };
  for (const Case& c : cases) {
    const auto r = test::run_edt(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_LT(r.exit_code, 128) << "crashed: " << c.args;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
  fs::remove(not_model);
}

TEST_F(CliRun, CtrlCStopsCleanlyWithASummary) {
  // SIGINT mid-generation: the run stops after the current token and still prints its summary.
  const std::string cmd = std::string(EDT_BINARY) + " run -m " + model_ +
                          " -p 'The' -n -1 -c 1024 --seed 3 > /dev/null 2> " + ::testing::TempDir() +
                          "edt_sigint.txt & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo $?";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = {};
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  pclose(p);
  const int code = std::atoi(buf);
  std::ifstream in(::testing::TempDir() + "edt_sigint.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  // Either the run was interrupted (exit 130, "interrupted") or it had already finished (end of text / context).
  EXPECT_TRUE(code == 130 || code == 0) << code;
  EXPECT_NE(ss.str().find("[prompt"), std::string::npos) << ss.str();
  if (code == 130) {
    EXPECT_NE(ss.str().find("stop: interrupted"), std::string::npos);
  }
}

}  // namespace
}  // namespace edt
