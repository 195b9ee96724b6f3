// edt's quantizers and preset rules against llama-quantize's files of the demo model (tests/data/interop): from
// the same f32 weights (`edt convert models/prose-15m --outtype f32`), every preset picks the same type for every
// tensor, and every block equals llama-quantize's bit for bit — the legacy types are deterministic by design, and
// the K-quants and IQ4_NL follow the same weighted scale searches, so they match too. Where a type has no
// llama.cpp file here (Q2_K, IQ4_XS: only in kshape, whose f32 source is not published), the round-trip RMS error
// is checked against the type's step size instead.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "tests/test_util.h"
#include "weights/converter.h"
#include "tests/cli_util.h"
#include "weights/gguf.h"
#include "weights/mapped_file.h"
#include "weights/quant/quant_types.h"
#include "weights/quantize_gguf.h"

namespace edt {
namespace {

// The demo model's f32 GGUF, converted once for all tests.
const GgufFile& prose_f32() {
  static const std::vector<uint8_t> bytes = [] {
    ConvertOptions opt;
    opt.out_type = GgmlType::F32;
    return convert_checkpoint(test::models_path("prose-15m"), opt).writer.write_to_memory();
  }();
  static const GgufFile file = parse_gguf(bytes, "prose-15m f32");
  return file;
}

double rms(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return std::sqrt(s / static_cast<double>(a.size()));
}

struct Case {
  const char* file;    // under tests/data/interop
  const char* preset;
  bool pure;
};

class LlamaQuantizeBytes : public ::testing::TestWithParam<Case> {};

TEST_P(LlamaQuantizeBytes, SameTypesAndSameBlocks) {
  const Case c = GetParam();
  const GgufFile& src = prose_f32();
  MappedFile mapped(test::data_path(std::string("interop/") + c.file));
  const GgufFile theirs = parse_gguf(mapped.bytes(), c.file);
  const auto preset = find_quant_preset(c.preset);
  ASSERT_TRUE(preset);
  const auto plan = plan_quantization(src, *preset, c.pure);
  ASSERT_EQ(plan.size(), src.tensors.size());
  size_t compared = 0;
  for (size_t i = 0; i < plan.size(); ++i) {
    const GgufTensorInfo& s = src.tensors[i];
    const GgufTensorInfo* t = theirs.find_tensor(s.name);
    ASSERT_NE(t, nullptr) << s.name;
    EXPECT_EQ(ggml_type_name(static_cast<uint32_t>(plan[i].to)), ggml_type_name(static_cast<uint32_t>(t->type))) << s.name;
    if (plan[i].to != t->type || t->type == GgmlType::F32) continue;
    // Quantize a spread of our f32 rows (every row is too slow under the sanitizers) in the type llama-quantize
    // chose and compare their blocks.
    const uint64_t cols = s.dims[0], rows = s.rows();
    const uint64_t row_bytes = *ggml_row_bytes(t->type, cols);
    const uint64_t stride = std::max<uint64_t>(1, rows / 48);
    const uint32_t block_bytes = ggml_traits(t->type).block_bytes;
    std::vector<float> values(cols), back(cols);  // (cols) one source row, and ours dequantized
    std::vector<uint8_t> ours(row_bytes);
    size_t differing = 0, blocks = 0;
    double err_ours = 0, err_theirs = 0;
    for (uint64_t r = 0; r < rows; r += stride) {
      std::memcpy(values.data(), s.data + r * cols * sizeof(float), cols * sizeof(float));
      quantize_row(t->type, values.data(), ours.data(), cols);
      const uint8_t* their_row = t->data + r * row_bytes;
      for (uint64_t b = 0; b < row_bytes / block_bytes; ++b, ++blocks)
        differing += std::memcmp(&ours[b * block_bytes], their_row + b * block_bytes, block_bytes) != 0;
      dequantize_row(t->type, ours.data(), back.data(), cols);
      err_ours += rms(back, values);
      dequantize_row(t->type, their_row, back.data(), cols);
      err_theirs += rms(back, values);
    }
    EXPECT_EQ(differing, 0u) << s.name << " (" << ggml_traits(t->type).name << "): " << differing << " of " << blocks
                             << " blocks differ; mean row RMS error ours " << err_ours << ", llama-quantize's "
                             << err_theirs;
    ++compared;
  }
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Quantize, LlamaQuantizeBytes,
                         ::testing::Values(Case{"kquant/prose-15m-Q4_K_M.gguf", "Q4_K_M", false},
                                           Case{"kquant/prose-15m-Q3_K_M.gguf", "Q3_K_M", false},
                                           Case{"kquant/prose-15m-Q2_K.gguf", "Q2_K", false},
                                           Case{"kquant/prose-15m-Q4_1.gguf", "Q4_1", false},
                                           Case{"prose-15m-q8_0.gguf", "Q8_0", true},
                                           Case{"prose-15m-q4_0.gguf", "Q4_0", true}),
                         [](const auto& info) {
                           std::string s = info.param.preset;
                           return s + (info.param.pure ? "_pure" : "");
                         });

std::map<std::string, int> type_counts(const std::vector<TensorPlan>& plan) {
  std::map<std::string, int> counts;
  for (const TensorPlan& p : plan) ++counts[ggml_type_name(static_cast<uint32_t>(p.to))];
  return counts;
}

// Every preset file in shared/interop/kquant (types.json lists llama-quantize's type counts, also for the files not
// vendored): our rules give the same mix. The demo model's rows of 384 exercise the fallbacks; kshape's whole
// 256-blocks the K types and llama.cpp's layer picks (its f32 source is not published, so its shape is taken from
// the vendored Q4_K_M file with every tensor marked F32 again).
TEST(Quantize, PresetTypeMixesEqualLlamaQuantizes) {
  std::ifstream in(test::data_path("interop/kquant/types.json"));
  const auto want = nlohmann::json::parse(in);
  MappedFile kshape_file(test::data_path("interop/kquant/kshape-Q4_K_M.gguf"));
  GgufFile kshape = parse_gguf(kshape_file.bytes(), "kshape");
  for (GgufTensorInfo& t : kshape.tensors) t.type = GgmlType::F32;
  size_t checked = 0;
  for (const auto& [file, counts] : want.items()) {
    const bool is_kshape = file.rfind("kshape-", 0) == 0;
    const std::string preset_name = file.substr(file.find('-', is_kshape ? 0 : 6) + 1);
    const auto preset = find_quant_preset(preset_name);
    ASSERT_TRUE(preset) << preset_name;
    const auto got = type_counts(plan_quantization(is_kshape ? kshape : prose_f32(), *preset, false));
    std::map<std::string, int> expected;
    for (const auto& [type, n] : counts.items()) expected[type] = n.get<int>();
    EXPECT_EQ(got, expected) << file;
    ++checked;
  }
  EXPECT_EQ(checked, 12u);
}

// llama.cpp's layer picks on kshape (2 layers): Q4_K_M gives attn_v and ffn_down of layer 1 (i >= 7n/8) Q6_K.
TEST(Quantize, MoreBitsLayersFollowLlamaCpp) {
  MappedFile theirs_file(test::data_path("interop/kquant/kshape-Q4_K_M.gguf"));
  const GgufFile theirs = parse_gguf(theirs_file.bytes(), "kshape-Q4_K_M");
  GgufFile source = theirs;
  for (GgufTensorInfo& t : source.tensors) t.type = GgmlType::F32;
  const auto plan = plan_quantization(source, *find_quant_preset("Q4_K_M"), false);
  for (size_t i = 0; i < plan.size(); ++i) EXPECT_EQ(plan[i].to, theirs.tensors[i].type) << plan[i].name;
  // --pure: one type everywhere quantizable; norms stay F32.
  for (const TensorPlan& p : plan_quantization(source, *find_quant_preset("Q4_K_M"), true))
    EXPECT_EQ(p.to, p.name.find("norm") != std::string::npos ? GgmlType::F32 : GgmlType::Q4_K) << p.name;
}

// A 28-layer model (n/8 = 3, 7n/8 = 24): the more-bits layers are 0-2, every third from 5, and 24-27.
TEST(Quantize, MoreBitsLayersOfADeepModel) {
  GgufFile f;
  f.source = "deep";
  f.metadata.emplace_back("general.architecture", GgufValue::make(GgufType::STRING, std::string("llama")));
  f.metadata.emplace_back("llama.block_count", GgufValue::make(GgufType::UINT32, uint32_t{28}));
  f.metadata.emplace_back("llama.attention.head_count", GgufValue::make(GgufType::UINT32, uint32_t{32}));
  f.metadata.emplace_back("llama.attention.head_count_kv", GgufValue::make(GgufType::UINT32, uint32_t{8}));
  f.index();
  for (int l = 0; l < 28; ++l) {
    GgufTensorInfo t;
    t.name = "blk." + std::to_string(l) + ".ffn_down.weight";
    t.dims = {8192, 2048};
    f.tensors.push_back(t);
  }
  const auto plan = plan_quantization(f, *find_quant_preset("Q4_K_M"), false);
  std::string six;
  for (int l = 0; l < 28; ++l)
    if (plan[static_cast<size_t>(l)].to == GgmlType::Q6_K) six += std::to_string(l) + " ";
  EXPECT_EQ(six, "0 1 2 5 8 11 14 17 20 23 24 25 26 27 ");
}

}  // namespace
}  // namespace edt
