// edt convert / inspect / logits driven as a subprocess: results, messages and exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/cli_util.h"
#include "tests/test_util.h"
#include "weights/npy.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& name) { return ::testing::TempDir() + name; }

TEST(CliConvert, ConvertsInspectsAndRunsTheDemoModel) {
  const std::string out = tmp("edt_cli_demo_q8.gguf");
  const auto r = test::run_edt("convert " + test::models_path("prose-15m") + " -o " + out + " --outtype q8_0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("75 tensors"), std::string::npos) << r.output;
  const auto inspect = test::run_edt("inspect " + out);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("blk.7.ffn_down.weight"), std::string::npos);
  EXPECT_NE(inspect.output.find("Q8_0"), std::string::npos);
  EXPECT_NE(inspect.output.find("tokenizer.ggml.pre"), std::string::npos);
  const std::string npy = tmp("edt_cli_logits.npy");
  const auto logits = test::run_edt("logits -m " + out + " --ids 0,491,552 --out " + npy);
  ASSERT_EQ(logits.exit_code, 0) << logits.output;
  const NpyArray a = read_npy(npy);
  EXPECT_EQ(a.shape, (std::vector<uint64_t>{3, 4096}));
  fs::remove(out);
  fs::remove(npy);
}

TEST(CliConvert, BadInputsGiveOneLineAndNonZeroExit) {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::string bad_gguf = tmp("edt_cli_not_gguf.gguf");
  std::ofstream(bad_gguf) << "this is not a model";
  const std::vector<Case> cases = {
      {"convert", "expected exactly one input path"},
      {"convert " + test::models_path("prose-15m"), "flag '-o' is required"},
      {"convert " + test::models_path("prose-15m") + " -o", "flag '-o' needs a value"},
      {"convert " + test::models_path("prose-15m") + " -o x.gguf --outtype q5_k_l", "expected one of F32, F16, BF16, Q8_0"},
      {"convert " + test::models_path("prose-15m") + " -o x.gguf --bogus", "unknown flag '--bogus'"},
      {"convert /nonexistent/model -o x.gguf", "no such file or folder"},
      {"convert " + test::models_path("prose-15m") + " -o /nonexistent-dir/x.gguf", "cannot write output"},
      {"inspect " + bad_gguf, "bad magic 'this'"},
      {"inspect /nonexistent.gguf", "cannot open"},
      {"logits -m " + test::data_path("random/llama2-mha") + " --ids 1,x,3", "expected non-negative integers"},
      {"logits -m " + test::data_path("random/llama2-mha") + " --ids 1,999999", "outside the vocabulary"},
      {"frobnicate", "unknown command 'frobnicate'"},
  };
  for (const Case& c : cases) {
    const auto r = test::run_edt(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_LT(r.exit_code, 128) << "crashed: " << c.args;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists("/nonexistent-dir/x.gguf.partial"));
  fs::remove(bad_gguf);
}

}  // namespace
}  // namespace edt
