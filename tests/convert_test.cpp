#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/test_util.h"
#include "tokenizer/vocab_data.h"
#include "weights/architecture.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/half.h"
#include "weights/llama2c.h"
#include "weights/mapped_file.h"
#include "weights/quant_blocks.h"
#include "weights/safetensors.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

struct Converted {
  std::vector<uint8_t> bytes;
  GgufFile gguf;
};

Converted convert(const std::string& input, std::optional<GgmlType> type = std::nullopt) {
  ConvertOptions opt;
  opt.out_type = type;
  Converted c;
  c.bytes = convert_checkpoint(input, opt).writer.write_to_memory();
  c.gguf = parse_gguf(c.bytes, input);
  return c;
}

std::vector<float> tensor_f32(const GgufTensorInfo& t) {
  std::vector<float> out(t.n_elements);
  const uint64_t row = t.dims[0], row_bytes = *ggml_row_bytes(t.type, row);
  for (uint64_t r = 0; r < t.n_elements / row; ++r) dequantize_row(t.type, t.data + r * row_bytes, &out[r * row], row);
  return out;
}

std::vector<float> source_f32(const SafetensorsCheckpoint& ckpt, const std::string& name) {
  const SafetensorsTensor& t = ckpt.require(name);
  std::vector<float> out(t.n_elements());
  SafetensorsCheckpoint::read_f32(t, out.data());
  return out;
}

// The GGUF holds exactly the source values: unpermuted tensors bit for bit, q/k rows in interleaved order.
void expect_exact_hf_tensors(const std::string& dir, std::optional<GgmlType> type) {
  const Converted c = convert(dir, type);
  const auto ckpt = SafetensorsCheckpoint::open(dir);
  const ModelHParams hp = read_hf_config(dir + "/config.json");
  auto check = [&](const std::string& src, const std::string& dst, size_t permute_heads) {
    const GgufTensorInfo* t = c.gguf.find_tensor(dst);
    ASSERT_NE(t, nullptr) << dst;
    std::vector<float> want = source_f32(ckpt, src);
    const auto& shape = ckpt.require(src).shape;
    if (permute_heads) permute_rotate_half_to_interleaved(want.data(), shape[0], shape.size() > 1 ? shape[1] : 1, permute_heads);
    std::vector<float> got = tensor_f32(*t);
    ASSERT_EQ(got.size(), want.size()) << dst;
    // Converting to a narrower float type rounds once; to the source's own type or wider it is exact.
    for (size_t i = 0; i < got.size(); ++i) {
      float expect = want[i];
      if (t->type == GgmlType::F16) expect = f16_to_f32(f32_to_f16(expect));
      if (t->type == GgmlType::BF16) expect = bf16_to_f32(f32_to_bf16(expect));
      ASSERT_EQ(std::bit_cast<uint32_t>(got[i]), std::bit_cast<uint32_t>(expect)) << dst << " element " << i;
    }
  };
  // Every tensor of the llama row the config implies, by the table's names; q/k (and their biases) permuted.
  size_t checked = 0;
  for_each_tensor(architecture("llama", "test"), hp.n_layer, [&](const TensorSpec& spec, uint32_t l) {
    if (!tensor_expected(spec, hp)) return;
    const bool q = spec.slot == TensorSlot::Wq || spec.slot == TensorSlot::Bq;
    const bool k = spec.slot == TensorSlot::Wk || spec.slot == TensorSlot::Bk;
    check(hf_tensor_name(spec, l), gguf_tensor_name(spec, l), q ? hp.n_head : k ? hp.n_head_kv : 0);
    ++checked;
  });
  EXPECT_EQ(checked, c.gguf.tensors.size() - (c.gguf.find_tensor("rope_freqs.weight") ? 1 : 0));
  if (hp.tied_embeddings) {
    EXPECT_EQ(c.gguf.find_tensor("output.weight"), nullptr);
  }
}

TEST(Convert, RandomCheckpointsHoldExactValues) {
  for (const char* m : {"llama2-mha", "llama3-gqa-tied", "headdim-bias"}) {
    SCOPED_TRACE(m);
    expect_exact_hf_tensors(test::data_path(std::string("random/") + m), std::nullopt);
    expect_exact_hf_tensors(test::data_path(std::string("random/") + m), GgmlType::F16);
  }
}

TEST(Convert, DemoModelHoldsExactBf16Values) {
  expect_exact_hf_tensors(test::models_path("prose-15m"), std::nullopt);
  expect_exact_hf_tensors(test::models_path("prose-15m"), GgmlType::F32);
}

TEST(Convert, PermutationMatchesLlamaCppLayout) {
  // 2 heads of head_dim 4, one column: rotate-half rows [a0 a1 b0 b1] per head become interleaved [a0 b0 a1 b1].
  std::vector<float> w = {0, 1, 2, 3, 10, 11, 12, 13};
  permute_rotate_half_to_interleaved(w.data(), 8, 1, 2);
  EXPECT_EQ(w, (std::vector<float>{0, 2, 1, 3, 10, 12, 11, 13}));
}

TEST(Convert, MetadataFollowsLlamaCppKeys) {
  const Converted tied = convert(test::data_path("random/llama3-gqa-tied"));
  const GgufFile& f = tied.gguf;
  EXPECT_EQ(f.require_string("general.architecture"), "llama");
  EXPECT_EQ(f.require_uint("llama.embedding_length"), 128u);
  EXPECT_EQ(f.require_uint("llama.block_count"), 2u);
  EXPECT_EQ(f.require_uint("llama.attention.head_count"), 8u);
  EXPECT_EQ(f.require_uint("llama.attention.head_count_kv"), 2u);
  EXPECT_EQ(f.require_float("llama.rope.freq_base"), 500000.0);
  EXPECT_EQ(f.find("llama.attention.key_length"), nullptr);
  const GgufTensorInfo* freqs = f.find_tensor("rope_freqs.weight");
  ASSERT_NE(freqs, nullptr);
  EXPECT_EQ(freqs->dims, (std::vector<uint64_t>{8}));
  EXPECT_EQ(f.require_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.require_string_array("tokenizer.ggml.tokens").size(), 512u);

  const Converted hd = convert(test::data_path("random/headdim-bias"));
  EXPECT_EQ(hd.gguf.require_uint("llama.attention.key_length"), 32u);
  EXPECT_EQ(hd.gguf.require_uint("llama.rope.dimension_count"), 32u);
  EXPECT_NE(hd.gguf.find_tensor("blk.0.attn_output.bias"), nullptr);

  const Converted demo = convert(test::models_path("prose-15m"));
  EXPECT_EQ(demo.gguf.require_string("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(demo.gguf.require_string("tokenizer.ggml.pre"), "llama-bpe");
  EXPECT_EQ(demo.gguf.require_uint("tokenizer.ggml.bos_token_id"), 0u);
  EXPECT_EQ(demo.gguf.require_uint("tokenizer.ggml.eos_token_id"), 1u);
  EXPECT_EQ(demo.gguf.get_bool("tokenizer.ggml.add_bos_token"), true);
  EXPECT_GT(demo.gguf.require_string_array("tokenizer.ggml.merges").size(), 3000u);
  EXPECT_EQ(demo.gguf.require_uint("general.file_type"), 32u);  // MOSTLY_BF16
}

TEST(Convert, Transformers5ConfigSpellingGivesTheSameFile) {
  namespace fs = std::filesystem;
  for (const char* m : {"llama3-gqa-tied", "headdim-bias", "llama2-mha"}) {
    const fs::path src = test::data_path(std::string("random/") + m);
    const fs::path dir = fs::path(::testing::TempDir()) / (std::string("edt_v5_") + m);
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const char* f : {"model.safetensors", "tokenizer.model", "tokenizer_config.json"}) fs::copy_file(src / f, dir / f);
    fs::copy_file(src / "config.transformers-v5.json", dir / "config.json");
    const Converted a = convert(src.string()), b = convert(dir.string());
    GgufFile fa = a.gguf, fb = b.gguf;
    // general.name differs with the folder name; everything else is identical.
    ASSERT_EQ(fa.tensors.size(), fb.tensors.size());
    for (const auto& [key, value] : fa.metadata) {
      if (key == "general.name") continue;
      const GgufValue* other = fb.find(key);
      ASSERT_NE(other, nullptr) << key;
      EXPECT_EQ(other->type_name(), value.type_name()) << key;
      EXPECT_TRUE(other->scalar == value.scalar && other->array == value.array) << m << " " << key;
    }
    for (size_t i = 0; i < fa.tensors.size(); ++i) {
      EXPECT_EQ(fa.tensors[i].name, fb.tensors[i].name);
      EXPECT_EQ(std::memcmp(fa.tensors[i].data, fb.tensors[i].data, fa.tensors[i].n_bytes), 0);
    }
    fs::remove_all(dir);
  }
}

TEST(Convert, QuantizedTypesStayWithinHalfAStep) {
  for (GgmlType type : {GgmlType::Q8_0, GgmlType::Q4_0}) {
    const Converted q = convert(test::data_path("random/llama2-mha"), type);
    const Converted f = convert(test::data_path("random/llama2-mha"), GgmlType::F32);
    for (const GgufTensorInfo& t : q.gguf.tensors) {
      const GgufTensorInfo* ref = f.gguf.find_tensor(t.name);
      ASSERT_NE(ref, nullptr);
      if (t.dims.size() == 1) {
        EXPECT_EQ(t.type, GgmlType::F32) << t.name;
        continue;
      }
      const auto got = tensor_f32(t), want = tensor_f32(*ref);
      if (t.type == GgmlType::F16) continue;  // rows not a whole number of blocks (ffn_down: 172)
      EXPECT_EQ(t.type, type) << t.name;
      const float levels = type == GgmlType::Q8_0 ? 127.0f : 8.0f;
      for (size_t b = 0; b < got.size() / 32; ++b) {
        float amax = 0;
        for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(want[b * 32 + j]));
        // Half a step plus the scale's f16 rounding; Q4_0's clamped side may be off by one step (see quant_test).
        for (size_t j = 0; j < 32; ++j) {
          const float step = amax / levels;
          const bool clamped = type == GgmlType::Q4_0 && std::fabs(want[b * 32 + j]) > 7.5f * step;
          ASSERT_LE(std::fabs(got[b * 32 + j] - want[b * 32 + j]), (clamped ? 1.0f : 0.5f) * step + amax / 2048.0f + 1e-7f)
              << t.name;
        }
      }
    }
    EXPECT_EQ(q.gguf.find_tensor("blk.0.ffn_down.weight")->type, GgmlType::F16);  // 172 is not a multiple of 32
  }
}

TEST(Convert, Llama2cCheckpointMatchesLlamaCppConversion) {
  const Converted ours = convert(test::data_path("stories260K/stories260K.bin"));
  const MappedFile theirs_file(test::data_path("interop/stories260K-llamacpp-f32.gguf"));
  const GgufFile theirs = parse_gguf(theirs_file.bytes(), "llama.cpp's stories260K");
  // Same vocabulary, scores and token types as llama.cpp's convert-llama2c-to-ggml.
  EXPECT_EQ(ours.gguf.require_string_array("tokenizer.ggml.tokens"), theirs.require_string_array("tokenizer.ggml.tokens"));
  EXPECT_EQ(ours.gguf.require_float_array("tokenizer.ggml.scores"), theirs.require_float_array("tokenizer.ggml.scores"));
  EXPECT_EQ(ours.gguf.require_int_array("tokenizer.ggml.token_type"), theirs.require_int_array("tokenizer.ggml.token_type"));
  // Same weights, bit for bit (llama.cpp writes the shared classifier out as output.weight; we keep it tied).
  for (const GgufTensorInfo& t : theirs.tensors) {
    const GgufTensorInfo* mine = ours.gguf.find_tensor(t.name == "output.weight" ? "token_embd.weight" : t.name);
    ASSERT_NE(mine, nullptr) << t.name;
    EXPECT_EQ(mine->dims, t.dims) << t.name;
    ASSERT_EQ(mine->n_bytes, t.n_bytes);
    EXPECT_EQ(std::memcmp(mine->data, t.data, t.n_bytes), 0) << t.name;
  }
}

std::string convert_error(const std::string& input) {
  try {
    convert_checkpoint(input, {});
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(Convert, BadInputsGiveOneClearError) {
  const fs::path dir = fs::path(::testing::TempDir()) / "edt_bad_convert";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path src = test::data_path("random/llama2-mha");
  auto fresh = [&]() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(src)) fs::copy_file(e.path(), dir / e.path().filename());
  };
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name, std::ios::binary) << text; };

  EXPECT_NE(convert_error("/nonexistent/model").find("no such file or folder"), std::string::npos);
  fresh();
  fs::remove(dir / "config.json");
  EXPECT_NE(convert_error(dir.string()).find("no config.json"), std::string::npos);
  fresh();
  write("config.json", R"({"model_type":"llama","hidden_size":64})");
  EXPECT_NE(convert_error(dir.string()).find("required key 'vocab_size' is missing"), std::string::npos);
  fresh();
  write("config.json", "{not json");
  EXPECT_NE(convert_error(dir.string()).find("not a JSON object"), std::string::npos);
  fresh();
  write("config.json", R"({"model_type":"llama","vocab_size":512,"hidden_size":64,"intermediate_size":172,)"
                       R"("num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":3,"max_position_embeddings":256})");
  EXPECT_NE(convert_error(dir.string()).find("KV head count 3 must divide the head count 4"), std::string::npos);
  fresh();
  write("config.json", R"({"model_type":"llama","vocab_size":512,"hidden_size":64,"intermediate_size":999,)"
                       R"("num_hidden_layers":2,"num_attention_heads":4,"max_position_embeddings":256})");
  EXPECT_NE(convert_error(dir.string()).find("config.json implies [999, 64]"), std::string::npos);
  fresh();
  write("config.json", R"({"model_type":"llama","vocab_size":512,"hidden_size":64,"intermediate_size":172,)"
                       R"("num_hidden_layers":3,"num_attention_heads":4,"max_position_embeddings":256})");
  EXPECT_NE(convert_error(dir.string()).find("tensor 'model.layers.2.input_layernorm.weight' is missing"), std::string::npos);
  fresh();
  fs::remove(dir / "tokenizer.model");
  EXPECT_NE(convert_error(dir.string()).find("missing tokenizer"), std::string::npos);
  fresh();
  fs::resize_file(dir / "model.safetensors", fs::file_size(dir / "model.safetensors") - 100);
  EXPECT_NE(convert_error(dir.string()).find("outside the file"), std::string::npos);
  fresh();
  write("model.safetensors", "");
  EXPECT_NE(convert_error(dir.string()).find("truncated"), std::string::npos);
  fs::remove_all(dir);

  // llama2.c: truncated checkpoint, trailing garbage, missing tokenizer.
  const MappedFile s260(test::data_path("stories260K/stories260K.bin"));
  for (size_t len : {size_t{0}, size_t{20}, size_t{28}, s260.size() / 2, s260.size() - 4}) {
    EXPECT_THROW(parse_llama2c(s260.bytes().first(len), "cut.bin"), FormatError) << len;
  }
  std::vector<uint8_t> longer(s260.bytes().begin(), s260.bytes().end());
  longer.resize(longer.size() + 8);
  EXPECT_THROW(parse_llama2c(longer, "long.bin"), FormatError);
  const fs::path lone = fs::path(::testing::TempDir()) / "edt_lone";
  fs::create_directories(lone);
  fs::copy_file(test::data_path("stories260K/stories260K.bin"), lone / "model.bin", fs::copy_options::overwrite_existing);
  EXPECT_NE(convert_error((lone / "model.bin").string()).find("no tokenizer found"), std::string::npos);
  fs::remove_all(lone);
}

}  // namespace
}  // namespace edt
