// Bad quantized inputs (docs/robustness.md): a file cut inside a block or super-block, rows that are not whole
// blocks, NaN/Inf scales, types we cannot read, bad `edt quantize` arguments — each a clear one-line error or
// warning naming the file and tensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/cli_util.h"
#include "tests/test_util.h"
#include "weights/dequantize_gguf.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"
#include "weights/quant/quant_types.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> every_type_file() {
  std::ifstream in(test::data_path("quant-golden/every-type.gguf"), std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string parse_error(const std::vector<uint8_t>& bytes) {
  try {
    parse_gguf(bytes, "cut.gguf");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(QuantRobustness, FileCutInsideABlockIsASizeError) {
  const auto bytes = every_type_file();
  const GgufFile file = parse_gguf(bytes, "every-type.gguf");
  ASSERT_EQ(file.tensors.size(), 12u);
  // A file whose data section ends inside each tensor's last block: the last tensor is the one cut, so build a
  // file per type with that type's tensor last.
  for (const GgufTensorInfo& t : file.tensors) {
    GgufWriter w;
    for (const auto& [k, v] : file.metadata) w.set(k, v);
    w.add_tensor_bytes(t.name, t.type, t.dims, {t.data, t.n_bytes});
    auto whole = w.write_to_memory();
    const uint32_t block_bytes = ggml_traits(t.type).block_bytes;
    whole.resize(whole.size() - block_bytes / 2);  // half of the last block (or super-block) is gone
    const std::string err = parse_error(whole);
    EXPECT_NE(err.find("tensor '" + t.name + "'"), std::string::npos) << err;
    EXPECT_NE(err.find(ggml_traits(t.type).name), std::string::npos) << err;
    EXPECT_NE(err.find("extends past the end of the file"), std::string::npos) << err;
  }
}

TEST(QuantRobustness, RowsThatAreNotWholeSuperBlocksAreRefused) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  std::vector<uint8_t> data(210);
  w.add_tensor_bytes("blk.0.ffn_down.weight", GgmlType::Q6_K, {256, 1}, data);
  auto bytes = w.write_to_memory();
  // The writer refuses such a shape, so patch the header: dims [256, 1] -> [128, 2] (the same 256 elements).
  const uint64_t old_dims[2] = {256, 1}, new_dims[2] = {128, 2};
  auto at = std::search(bytes.begin(), bytes.end(), reinterpret_cast<const uint8_t*>(old_dims),
                        reinterpret_cast<const uint8_t*>(old_dims) + 16);
  ASSERT_NE(at, bytes.end());
  std::memcpy(&*at, new_dims, 16);
  const std::string err = parse_error(bytes);
  EXPECT_NE(err.find("tensor 'blk.0.ffn_down.weight' of type Q6_K has row length 128, not a multiple of its block "
                     "size 256"),
            std::string::npos)
      << err;
}

TEST(QuantRobustness, UnreadableTypesAreRefusedByName) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  std::vector<uint8_t> data(66);
  w.add_tensor_bytes("blk.0.attn_q.weight", GgmlType::IQ2_XXS, {256, 1}, data);
  const auto bytes = w.write_to_memory();
  const GgufFile f = parse_gguf(bytes, "iq2.gguf");
  try {
    dequantize_gguf_to_f32(f);
    FAIL() << "expected an error";
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "iq2.gguf: tensor 'blk.0.attn_q.weight' has type IQ2_XXS, which edt cannot read");
  }
  const std::string path = (fs::temp_directory_path() / "edt_quant_iq2.gguf").string();
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  const auto r = test::run_edt("quantize " + path + " " + path + ".out Q4_K_M");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("tensor 'blk.0.attn_q.weight' has type IQ2_XXS, which edt cannot read"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(path + ".out"));
  fs::remove(path);
}

// A NaN scale in a Q4_K block and an Inf in a Q6_K one: edt inspect and edt quantize name the tensor.
TEST(QuantRobustness, NonFiniteScalesAreReportedByInspectAndQuantize) {
  const auto bytes = every_type_file();
  const GgufFile file = parse_gguf(bytes, "every-type.gguf");
  GgufWriter w;
  for (const auto& [k, v] : file.metadata) w.set(k, v);
  std::vector<std::vector<uint8_t>> keep;
  for (const GgufTensorInfo& t : file.tensors) {
    keep.emplace_back(t.data, t.data + t.n_bytes);
    if (t.type == GgmlType::Q4_K) std::memcpy(&keep.back()[144 + 0], "\x00\x7e", 2);  // block 1: d = NaN
    if (t.type == GgmlType::Q6_K) std::memcpy(&keep.back()[208], "\x00\x7c", 2);      // block 0: d = +Inf
    w.add_tensor_bytes(t.name, t.type, t.dims, keep.back());
  }
  const std::string path = (fs::temp_directory_path() / "edt_quant_nan.gguf").string();
  w.write(path);
  auto r = test::run_edt("inspect " + path);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("warning: " + path + ": tensor 'golden.q4_k.weight' has 1 Q4_K blocks with NaN/Inf values or scales"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("tensor 'golden.q6_k.weight' has 1 Q6_K blocks"), std::string::npos) << r.output;
  r = test::run_edt("quantize " + path + " " + path + ".q8 Q8_0 --pure -t 1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: " + path + ": tensor 'golden.q4_k.weight' has 1 Q4_K blocks with NaN/Inf values "
                          "or scales; they stay NaN/Inf in Q8_0"),
            std::string::npos)
      << r.output;
  fs::remove(path);
  fs::remove(path + ".q8");
}

TEST(QuantRobustness, BadQuantizeArgumentsGiveOneLine) {
  const std::string in = test::data_path("quant-golden/every-type.gguf");
  const std::pair<std::string, std::string> cases[] = {
      {"quantize " + in + " /tmp/x.gguf Q7_K", "TYPE is 'Q7_K', expected one of F32, F16, BF16, Q8_0, Q4_0"},
      {"quantize " + in + " /tmp/x.gguf", "expected IN.gguf OUT.gguf TYPE"},
      {"quantize " + in + " /tmp/x.gguf Q4_K_M -t 0", "-t"},
      {"quantize /nonexistent.gguf /tmp/x.gguf Q4_K_M", "/nonexistent.gguf"},
  };
  for (const auto& [args, want] : cases) {
    const auto r = test::run_edt(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_NE(r.output.find(want), std::string::npos) << args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

}  // namespace
}  // namespace edt
