// The catalogue of bad inputs (docs/robustness.md): each crafted model, vocabulary or resource request gives a
// FormatError naming what is wrong — never a crash, never a misread.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "engine/memory_check.h"
#include "engine/model_config.h"
#include "engine/model_tokenizer.h"
#include "engine/session.h"
#include "tests/cli_util.h"
#include "tests/test_util.h"
#include "tokenizer/tokenizer.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

// A valid small model (llama2-mha) as GGUF bytes, and a way to rewrite it with changes.
struct Base {
  std::vector<uint8_t> bytes = convert_checkpoint(test::data_path("random/llama2-mha"), {}).writer.write_to_memory();
  GgufFile file = parse_gguf(bytes, "base.gguf");
};

std::vector<uint8_t> rewrite(const GgufFile& f, const std::function<void(GgufWriter&)>& edit_metadata,
                             const std::function<bool(const GgufTensorInfo&, GgufWriter&)>& replace_tensor = {}) {
  GgufWriter w;
  for (const auto& [k, v] : f.metadata) w.set(k, v);
  edit_metadata(w);
  for (const GgufTensorInfo& t : f.tensors)
    if (!replace_tensor || !replace_tensor(t, w)) w.add_tensor_bytes(t.name, t.type, t.dims, {t.data, t.n_bytes});
  return w.write_to_memory();
}

std::string load_error(const std::vector<uint8_t>& bytes) {
  try {
    auto m = Model::from_bytes(bytes, "crafted.gguf");
    tokenizer_of(*m);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

void expect_error(const std::vector<uint8_t>& bytes, const std::string& needle) {
  const std::string e = load_error(bytes);
  EXPECT_NE(e.find(needle), std::string::npos) << "wanted '" << needle << "', got '" << e << "'";
}

TEST(Robustness, MetadataOfTheWrongTypeOrRange) {
  const Base b;
  // llama.cpp read tokenizer.ggml.scores declared as UINT8 past the buffer until 2026: here it is a typed error.
  expect_error(rewrite(b.file, [](GgufWriter& w) {
                 w.set("tokenizer.ggml.scores", GgufValue::make_array(GgufType::UINT8, std::vector<GgufScalar>(512, uint8_t{1})));
               }),
               "key 'tokenizer.ggml.scores' has type ARRAY[UINT8], expected ARRAY[FLOAT32]");
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_u32("llama.block_count", 1u << 20); }),
               "layer count 1048576 is outside 1..1024");
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_u32("llama.attention.head_count", 1u << 30); }),
               "head count 1073741824 is outside 1..1024");
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_string("llama.block_count", "2"); }),
               "key 'llama.block_count' has type STRING, expected an unsigned integer");
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_string("general.architecture", "mamba"); }),
               "general.architecture is 'mamba', which this engine does not know (known: llama, qwen2, phi3, gemma2, gemma)");
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_u32("llama.context_length", 0); }),
               "context length 0 is outside");
}

TEST(Robustness, SpecialTokenIdsOutOfRange) {
  const Base b;
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_i32("tokenizer.ggml.bos_token_id", -5); }),
               "key 'tokenizer.ggml.bos_token_id' is -5, out of range");
  expect_error(rewrite(b.file, [](GgufWriter& w) { w.set_u32("tokenizer.ggml.eos_token_id", 600); }),
               "eos token id 600 is outside the vocabulary of 512");
  // llama.cpp's own files say "none" as UINT32 -1: accepted.
  EXPECT_EQ(load_error(rewrite(b.file, [](GgufWriter& w) { w.set_u32("tokenizer.ggml.padding_token_id", 0xFFFFFFFFu); })), "");
}

TEST(Robustness, ByteTokensSpelledWrongAndMergesOfUnknownTokens) {
  const Base b;
  for (const char* spelling : {"<0x-1>", "<0xZZ>", "<0x1>", "<0x100>"}) {
    const std::string s = spelling;
    expect_error(rewrite(b.file, [&](GgufWriter& w) {
                   auto tokens = b.file.require_string_array("tokenizer.ggml.tokens");
                   tokens[3] = s;  // id 3 is <0x00>, typed BYTE
                   w.set_string_array("tokenizer.ggml.tokens", tokens);
                 }),
                 "byte token 3 is spelled '" + s + "'");
  }
  // A byte-level BPE vocabulary whose merges name tokens it does not have.
  VocabData v = Tokenizer::from_path(test::data_path("tokenizers/bpe4k/tokenizer.json"))->vocab();
  v.merges.push_back("nosuch token");
  try {
    Tokenizer::from_vocab(v);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("names a token not in the vocabulary"), std::string::npos) << e.what();
  }
  v.merges.back() = "nospace";
  EXPECT_THROW(Tokenizer::from_vocab(v), FormatError);
}

TEST(Robustness, TensorsOfTheWrongTypeShapeOrMissing) {
  const Base b;
  // A norm stored as F16: the engine reads norms as F32 only.
  expect_error(rewrite(b.file, [](GgufWriter&) {},
                       [](const GgufTensorInfo& t, GgufWriter& w) {
                         if (t.name != "blk.0.attn_norm.weight") return false;
                         std::vector<uint8_t>* half = new std::vector<uint8_t>(t.n_elements * 2);  // freed below
                         w.add_tensor(t.name, GgmlType::F16, t.dims, [half](uint8_t* dst) {
                           std::memcpy(dst, half->data(), half->size());
                           delete half;
                         });
                         return true;
                       }),
               "tensor 'blk.0.attn_norm.weight' has type F16, expected F32");
  // A matrix in a type the engine cannot compute with is refused by name.
  expect_error(rewrite(b.file, [](GgufWriter&) {},
                       [](const GgufTensorInfo& t, GgufWriter& w) {
                         if (t.name != "blk.0.attn_q.weight") return false;
                         w.add_tensor(t.name, GgmlType::MXFP4, t.dims, [](uint8_t*) {});
                         return true;
                       }),
               "tensor 'blk.0.attn_q.weight' has type MXFP4, which this engine cannot compute with");
  expect_error(rewrite(b.file, [](GgufWriter&) {},
                       [](const GgufTensorInfo& t, GgufWriter& w) {
                         if (t.name != "blk.1.ffn_up.weight") return false;
                         w.add_tensor_bytes(t.name, t.type, {t.dims[0], t.dims[1] - 1}, {t.data, t.n_bytes / t.dims[1] * (t.dims[1] - 1)});
                         return true;
                       }),
               "tensor 'blk.1.ffn_up.weight' has shape [64, 171], expected [64, 172]");
  expect_error(rewrite(b.file, [](GgufWriter&) {}, [](const GgufTensorInfo& t, GgufWriter&) { return t.name == "output_norm.weight"; }),
               "tensor 'output_norm.weight' is missing");
}

TEST(Robustness, VocabularyLargerThanTheEmbeddingAndMissingTokenizer) {
  const Base b;
  expect_error(rewrite(b.file, [&](GgufWriter& w) {
                 auto tokens = b.file.require_string_array("tokenizer.ggml.tokens");
                 auto scores = b.file.require_float_array("tokenizer.ggml.scores");
                 auto types = b.file.require_int_array("tokenizer.ggml.token_type");
                 tokens.push_back("extra");
                 scores.push_back(0);
                 types.push_back(1);
                 w.set_string_array("tokenizer.ggml.tokens", tokens);
                 w.set_f32_array("tokenizer.ggml.scores", scores);
                 w.set_i32_array("tokenizer.ggml.token_type", types);
               }),
               "the tokenizer has 513 tokens but the embedding 'token_embd.weight' has 512 rows");
  GgufWriter w;
  for (const auto& [k, v] : b.file.metadata)
    if (k.rfind("tokenizer.", 0) != 0) w.set(k, v);
  for (const GgufTensorInfo& t : b.file.tensors) w.add_tensor_bytes(t.name, t.type, t.dims, {t.data, t.n_bytes});
  expect_error(w.write_to_memory(), "no tokenizer in the file (key 'tokenizer.ggml.model' is missing)");
}

TEST(Robustness, ContextThatDoesNotFitInMemoryIsRefusedWithTheNumber) {
  const auto model = test::convert_and_load(test::models_path("prose-15m"));
  SessionOptions opt;
  opt.n_ctx = 1u << 24;  // 8 layers x 16M positions x 128 x 2 x 4 bytes = 128 GiB of KV cache
  try {
    Session s(model, opt);
    FAIL() << "a 128 GiB cache was allocated";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("a context of 16777216 tokens (KV cache 131072 MiB) needs"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(require_memory(5ull << 30, 4ull << 30, "the model file"), FormatError);
  EXPECT_NO_THROW(require_memory(3ull << 30, 4ull << 30, "the model file"));
  EXPECT_NO_THROW(require_memory(3ull << 30, 0, "unknown limit"));
}

TEST(Robustness, NanWeightsAreReportedWhenConverting) {
  const fs::path dir = fs::path(::testing::TempDir()) / "edt_nan_model";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& e : fs::directory_iterator(test::data_path("random/llama2-mha"))) fs::copy_file(e.path(), dir / e.path().filename());
  {  // poison one F32 value of the first tensor's data in place
    std::fstream f(dir / "model.safetensors", std::ios::in | std::ios::out | std::ios::binary);
    uint64_t header = 0;
    f.read(reinterpret_cast<char*>(&header), 8);
    const float nan = std::nanf("");
    f.seekp(static_cast<std::streamoff>(8 + header));
    f.write(reinterpret_cast<const char*>(&nan), 4);
  }
  const auto r = test::run_edt("convert " + dir.string() + " -o " + (dir / "out.gguf").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: tensor '"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("holds 1 NaN/Inf values"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace edt
