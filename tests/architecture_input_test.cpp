// Bad input to the architecture table, each refused with its reason: unknown families, fused tensors that do not
// split, a Gemma-2 whose attention scale a GGUF cannot carry, LongRoPE, Qwen2's sliding window. And the two families
// that are `llama` GGUFs: Mistral (its sliding window kept) and SmolLM2 (its pre-tokenizer).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "engine/session.h"
#include "tests/test_util.h"
#include "weights/architecture.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/npy.h"

namespace edt {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A copy of a reference folder whose config.json is edited by change.
class EditedFolder {
 public:
  EditedFolder(const std::string& from, const std::function<void(json&)>& change)
      : dir_(fs::temp_directory_path() / ("edt_arch_input_" + std::to_string(::getpid()) + "_" + std::to_string(count_++))) {
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(from))
      if (e.path().extension() != ".gguf" && e.path().extension() != ".npy")
        fs::copy_file(e.path(), dir_ / e.path().filename(), fs::copy_options::overwrite_existing);
    json config;
    std::ifstream(dir_ / "config.json") >> config;
    change(config);
    std::ofstream(dir_ / "config.json") << config.dump(2);
  }
  ~EditedFolder() { fs::remove_all(dir_); }
  std::string path() const { return dir_.string(); }

 private:
  static inline int count_ = 0;
  fs::path dir_;
};

// Runs f and returns the FormatError's message ("" if none was thrown).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

std::string arch_dir(const std::string& c) { return test::data_path("arch/" + c); }

TEST(ArchInput, UnknownFamiliesAreRefusedListingTheKnownOnes) {
  GgufWriter w;
  w.set_string("general.architecture", "mamba");
  const std::string gguf = error_of([&] { Model::from_bytes(w.write_to_memory(), "mamba.gguf"); });
  EXPECT_NE(gguf.find("general.architecture is 'mamba'"), std::string::npos) << gguf;
  EXPECT_NE(gguf.find("known: " + known_architectures()), std::string::npos) << gguf;
  EXPECT_EQ(known_architectures(), "llama, qwen2, phi3, gemma2, gemma");
  const EditedFolder hf(arch_dir("qwen2"), [](json& c) { c["model_type"] = "mamba"; });
  const std::string config = error_of([&] { test::convert_and_load(hf.path()); });
  EXPECT_NE(config.find("model_type 'mamba' is not supported (known: llama, mistral, qwen2, phi3, gemma2, gemma)"),
            std::string::npos)
      << config;
}

TEST(ArchInput, FusedTensorWhoseRowsDoNotSplitIsRefused) {
  // One KV head instead of two: [q | k | v] would be 64 + 16 + 16 rows, the tensor has 128.
  const EditedFolder hf(arch_dir("phi3"), [](json& c) { c["num_key_value_heads"] = 1; });
  const std::string from_hf = error_of([&] { test::convert_and_load(hf.path()); });
  EXPECT_NE(from_hf.find("fused tensor 'model.layers.0.self_attn.qkv_proj.weight' has 128 rows, which do not split "
                         "into q + k + v = 96 rows"),
            std::string::npos)
      << from_hf;
  Conversion c = convert_checkpoint(arch_dir("phi3"), {});
  c.writer.set_u32("phi3.attention.head_count_kv", 1);
  const std::string from_gguf = error_of([&] { Model::from_bytes(c.writer.write_to_memory(), "phi3.gguf"); });
  EXPECT_NE(from_gguf.find("fused tensor 'blk.0.attn_qkv.weight' has 128 rows, which do not split into q, k and v "
                           "(64 + 16 + 16 = 96 rows"),
            std::string::npos)
      << from_gguf;
}

TEST(ArchInput, Gemma2AttentionScaleThatAGgufCannotCarryIsRefused) {
  // HF: query_pre_attn_scalar 12 follows neither of llama.cpp's rules for 26 layers.
  const EditedFolder hf(arch_dir("gemma2-26l"), [](json& c) { c["query_pre_attn_scalar"] = 12; });
  const std::string from_hf = error_of([&] { test::convert_and_load(hf.path()); });
  EXPECT_NE(from_hf.find("query_pre_attn_scalar gives attention scale"), std::string::npos) << from_hf;
  EXPECT_NE(from_hf.find("cannot be written as a GGUF"), std::string::npos) << from_hf;
  // GGUF: 44 layers is neither 26, 42 nor 46, so the scale cannot be known.
  Conversion c = convert_checkpoint(arch_dir("gemma2"), {});
  c.writer.set_u32("gemma2.block_count", 44);
  const std::string from_gguf = error_of([&] { Model::from_bytes(c.writer.write_to_memory(), "gemma2.gguf"); });
  EXPECT_NE(from_gguf.find("holds no attention scale"), std::string::npos) << from_gguf;
  EXPECT_NE(from_gguf.find("this one has 44 layers"), std::string::npos) << from_gguf;
  // And the HF folder must say it.
  const EditedFolder missing(arch_dir("gemma2"), [](json& c) { c.erase("query_pre_attn_scalar"); });
  EXPECT_NE(error_of([&] { test::convert_and_load(missing.path()); }).find("'query_pre_attn_scalar' is missing"),
            std::string::npos);
}

TEST(ArchInput, UnsupportedVariantsAreRefusedByName) {
  const EditedFolder longrope(arch_dir("phi3"), [](json& c) {
    c["rope_scaling"] = {{"type", "longrope"}, {"long_factor", {1.0}}, {"short_factor", {1.0}}};
  });
  EXPECT_NE(error_of([&] { test::convert_and_load(longrope.path()); }).find("LongRoPE"), std::string::npos);
  Conversion c = convert_checkpoint(arch_dir("phi3"), {});
  c.writer.add_tensor("rope_factors_long.weight", GgmlType::F32, {8}, [](uint8_t* dst) { std::memset(dst, 0, 32); });
  EXPECT_NE(error_of([&] { Model::from_bytes(c.writer.write_to_memory(), "phi3.gguf"); })
                .find("tensor 'rope_factors_long.weight' (Phi-3 LongRoPE, the 128k variants) is not supported"),
            std::string::npos);
  const EditedFolder qwen_window(arch_dir("qwen2"), [](json& c) { c["use_sliding_window"] = true; });
  EXPECT_NE(error_of([&] { test::convert_and_load(qwen_window.path()); }).find("use_sliding_window = true"),
            std::string::npos);
  const EditedFolder odd_layers(arch_dir("gemma2-26l"), [](json& c) {
    c["layer_types"] = json::array();
    for (int l = 0; l < 26; ++l) c["layer_types"].push_back(l % 2 ? "sliding_attention" : "full_attention");
  });
  EXPECT_NE(error_of([&] { test::convert_and_load(odd_layers.path()); }).find("layer_types[0]"), std::string::npos);
  const EditedFolder erf(arch_dir("gemma2"), [](json& c) { c["hidden_activation"] = "gelu"; });
  EXPECT_NE(error_of([&] { test::convert_and_load(erf.path()); }).find("hidden_activation \"gelu\" is not supported"),
            std::string::npos);
}

// Mistral converts to a `llama` GGUF, as llama.cpp's converter does; its sliding_window is kept in the key
// llama.attention.sliding_window (which llama.cpp ignores) and honoured here on every layer. The tiny LLaMA of
// refs/random with a window of 8: the first 8 positions see the same keys as without one and match transformers;
// later ones drop keys and do not.
TEST(ArchInput, MistralIsALlamaGgufWithItsSlidingWindow) {
  const std::string base = test::data_path("random/llama2-mha");
  const EditedFolder mistral(base, [](json& c) {
    c["model_type"] = "mistral";
    c["architectures"] = {"MistralForCausalLM"};
    c["sliding_window"] = 8;
  });
  Conversion conv = convert_checkpoint(mistral.path(), {});
  const auto bytes = conv.writer.write_to_memory();
  const GgufFile f = parse_gguf(bytes, "mistral");
  EXPECT_EQ(f.require_string("general.architecture"), "llama");
  EXPECT_EQ(f.require_uint("llama.attention.sliding_window"), 8u);
  const auto model = Model::from_bytes(bytes, "mistral");
  EXPECT_EQ(model->hparams().layer_window, (std::vector<uint32_t>{8, 8}));
  const auto ids_i64 = read_npy(base + "/ref_input_ids.npy").ints;
  const std::vector<int32_t> ids(ids_i64.begin(), ids_i64.end());
  const auto ref = read_npy(base + "/ref_logits.npy");
  const size_t vocab = model->hparams().n_vocab;
  std::vector<float> logits(ids.size() * vocab);  // (n, vocab)
  Session(model, {}).prefill_all_logits(ids, logits.data());
  Session decode(model, {});
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto row = decode.decode(ids[i]);
    const double err = test::rel_l2(&logits[i * vocab], &ref.f32[i * vocab], vocab);
    if (i < 8) EXPECT_LE(err, 1e-4) << "position " << i << " sees all its keys";
    else EXPECT_GT(err, 1e-3) << "position " << i << " must have dropped keys";
    EXPECT_LE(test::rel_l2(row.data(), &logits[i * vocab], vocab), 1e-4) << "decode, position " << i;
  }
  // Mistral v0.2+ has sliding_window null: no key, no window.
  const EditedFolder full(base, [](json& c) {
    c["model_type"] = "mistral";
    c["sliding_window"] = nullptr;
  });
  const auto bytes_full = convert_checkpoint(full.path(), {}).writer.write_to_memory();
  EXPECT_EQ(parse_gguf(bytes_full, "mistral").find("llama.attention.sliding_window"), nullptr);
}

}  // namespace
}  // namespace edt
