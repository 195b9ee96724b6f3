// The quantized formats against llama.cpp's own files (tests/data/interop/kquant, written by llama-quantize):
// every tensor of every file dequantizes, and a float32 forward over the dequantized weights reproduces the
// published float64 logits over llama.cpp's dequantization of the same weights. One wrong bit in a dequantizer's
// layout costs ~1 relative L2; f32 summation order costs ~1e-6, so the bound 2e-5 separates the two cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "engine/session.h"
#include "tests/test_util.h"
#include "weights/dequantize_gguf.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/mapped_file.h"
#include "weights/npy.h"
#include "weights/quant/quant_types.h"

namespace edt {
namespace {

constexpr double kDequantizedLogitTolerance = 2e-5;


// Every llama-quantize file vendored for the tests; together they hold every type we read.
const std::vector<std::string> kLlamaQuantizeFiles = {"kshape-Q4_K_M",    "kshape-Q2_K",    "kshape-Q3_K_M",    "kshape-IQ4_XS",
                                         "prose-15m-Q4_K_M", "prose-15m-Q2_K", "prose-15m-Q3_K_M", "prose-15m-Q4_1"};

class LlamaQuantizeFile : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaQuantizeFile, DequantizedForwardMatchesFloat64Reference) {
  const std::string name = GetParam();
  MappedFile mapped(test::kquant_path(name + ".gguf"));
  const GgufFile file = parse_gguf(mapped.bytes(), name);
  for (const GgufTensorInfo& t : file.tensors) {
    ASSERT_TRUE(ggml_type_readable(t.type)) << t.name << " " << ggml_type_name(static_cast<uint32_t>(t.type));
  }
  auto model = Model::from_bytes(dequantize_gguf_to_f32(file).write_to_memory(), name);
  const auto ids_npy = read_npy(test::kquant_path(name + ".ref_ids.npy"));
  const std::vector<int32_t> ids(ids_npy.ints.begin(), ids_npy.ints.end());
  const auto ref = read_npy(test::kquant_path(name + ".ref_logits.npy"));
  const size_t vocab = model->hparams().n_vocab;
  ASSERT_EQ(ref.f32.size(), ids.size() * vocab);
  std::vector<float> logits(ids.size() * vocab);  // (n_tokens, vocab)
  Session(model, {}).prefill_all_logits(ids, logits.data());
  double worst = 0;
  for (size_t i = 0; i < ids.size(); ++i)
    worst = std::max(worst, test::rel_l2(&logits[i * vocab], &ref.f32[i * vocab], vocab));
  EXPECT_LE(worst, kDequantizedLogitTolerance) << name;
  RecordProperty("worst_rel_l2", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(QuantFormats, LlamaQuantizeFile, ::testing::ValuesIn(kLlamaQuantizeFiles), [](const auto& info) {
  std::string s = info.param;
  for (char& c : s)
    if (c == '-') c = '_';
  return s;
});

}  // namespace
}  // namespace edt
