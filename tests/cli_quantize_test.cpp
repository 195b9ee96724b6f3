// edt quantize and edt convert --outtype PRESET driven as a subprocess: the demo model in Q4_K_M both ways gives
// llama-quantize's tensor data (same types, same blocks), the type mix is printed, and the result loads.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/cli_util.h"
#include "tests/test_util.h"
#include "weights/gguf.h"
#include "weights/mapped_file.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

std::string tmp(const std::string& name) { return ::testing::TempDir() + name; }

// Every tensor of a equals the tensor of the same name in b: type, shape and bytes.
void expect_same_tensors(const std::string& a_path, const std::string& b_path) {
  MappedFile a_file(a_path), b_file(b_path);
  const GgufFile a = parse_gguf(a_file.bytes(), a_path), b = parse_gguf(b_file.bytes(), b_path);
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (const GgufTensorInfo& t : a.tensors) {
    const GgufTensorInfo* u = b.find_tensor(t.name);
    ASSERT_NE(u, nullptr) << t.name;
    EXPECT_EQ(t.type, u->type) << t.name;
    EXPECT_EQ(t.dims, u->dims) << t.name;
    ASSERT_EQ(t.n_bytes, u->n_bytes) << t.name;
    EXPECT_EQ(std::memcmp(t.data, u->data, t.n_bytes), 0) << t.name;
  }
  EXPECT_EQ(a.get_uint("general.file_type"), b.get_uint("general.file_type"));
}

TEST(CliQuantize, DemoModelQ4KMEqualsLlamaQuantizeBothWays) {
  const std::string f32 = tmp("edt_q_f32.gguf"), q = tmp("edt_q_q4km.gguf"), c = tmp("edt_c_q4km.gguf");
  const std::string llama = test::data_path("interop/kquant/prose-15m-Q4_K_M.gguf");
  ASSERT_EQ(test::run_edt("convert " + test::models_path("prose-15m") + " -o " + f32 + " --outtype f32").exit_code, 0);
  auto r = test::run_edt("quantize " + f32 + " " + q + " q4_k_m -t 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Q4_K_M, 75 tensors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Q5_0       45 tensors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("note: 49 tensors took a fallback type"), std::string::npos) << r.output;
  expect_same_tensors(q, llama);
  r = test::run_edt("convert " + test::models_path("prose-15m") + " -o " + c + " --outtype Q4_K_M");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_tensors(c, llama);
  const auto inspect = test::run_edt("inspect " + c);
  EXPECT_NE(inspect.output.find("Q6_K        4 tensors      1572864 weights    6.562 bits/weight"), std::string::npos)
      << inspect.output;
  EXPECT_NE(inspect.output.find("all                       15735168 weights    5.855 bits/weight"), std::string::npos)
      << inspect.output;
  // The F32 reference path runs it: the first logits are finite and the same as through llama-quantize's file.
  const std::string text = tmp("edt_q_text.txt");
  std::ofstream(text) << "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
                         "age of foolishness, it was the epoch of belief, it was the epoch of incredulity.\n";
  const auto ppl = test::run_edt("perplexity -m " + q + " -f " + text + " -c 16 --dequantize");
  const auto ppl_llama = test::run_edt("perplexity -m " + llama + " -f " + text + " -c 16 --dequantize");
  ASSERT_EQ(ppl.exit_code, 0) << ppl.output;
  const auto figure = [](const std::string& out) { return out.substr(out.find("perplexity "), 20); };
  EXPECT_EQ(figure(ppl.output), figure(ppl_llama.output));
  for (const auto& p : {f32, q, c, text}) fs::remove(p);
}

TEST(CliQuantize, PureGivesOneTypeWithFallbacksOnly) {
  const std::string f32 = tmp("edt_qp_f32.gguf"), q = tmp("edt_qp_q6k.gguf");
  ASSERT_EQ(test::run_edt("convert " + test::models_path("prose-15m") + " -o " + f32 + " --outtype f32").exit_code, 0);
  const auto r = test::run_edt("quantize " + f32 + " " + q + " Q6_K --pure -t 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Only ffn_down's rows (1024) are whole 256-blocks; every other matrix falls back to Q8_0.
  EXPECT_NE(r.output.find("Q8_0       50 tensors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Q6_K        8 tensors"), std::string::npos) << r.output;
  fs::remove(f32);
  fs::remove(q);
}

}  // namespace
}  // namespace edt
