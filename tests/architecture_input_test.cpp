// Bad input to the architecture table, each refused with its reason: unknown families, fused tensors that do not
// split, a Gemma-2 whose attention scale a GGUF cannot carry, LongRoPE, Qwen2's sliding window. And the two families
// that are `llama` GGUFs: Mistral (its sliding window kept) and SmolLM2 (its pre-tokenizer).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <numbers>

#include "engine/session.h"
#include "tests/test_util.h"
#include "weights/architecture.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/npy.h"
#include "weights/safetensors.h"

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


TEST(ArchInput, UnknownFamiliesAreRefusedListingTheKnownOnes) {
  GgufWriter w;
  w.set_string("general.architecture", "mamba");
  const std::string gguf = error_of([&] { Model::from_bytes(w.write_to_memory(), "mamba.gguf"); });
  EXPECT_NE(gguf.find("general.architecture is 'mamba'"), std::string::npos) << gguf;
  EXPECT_NE(gguf.find("known: " + known_architectures()), std::string::npos) << gguf;
  EXPECT_EQ(known_architectures(), "llama, qwen2, phi3, gemma2, gemma");
  const EditedFolder hf(test::arch_dir("qwen2"), [](json& c) { c["model_type"] = "mamba"; });
  const std::string config = error_of([&] { test::convert_and_load(hf.path()); });
  EXPECT_NE(config.find("model_type 'mamba' is not supported (known: llama, mistral, qwen2, phi3, gemma2, gemma)"),
            std::string::npos)
      << config;
}

TEST(ArchInput, FusedTensorWhoseRowsDoNotSplitIsRefused) {
  // One KV head instead of two: [q | k | v] would be 64 + 16 + 16 rows, the tensor has 128.
  const EditedFolder hf(test::arch_dir("phi3"), [](json& c) { c["num_key_value_heads"] = 1; });
  const std::string from_hf = error_of([&] { test::convert_and_load(hf.path()); });
  EXPECT_NE(from_hf.find("fused tensor 'model.layers.0.self_attn.qkv_proj.weight' has 128 rows, which do not split "
                         "into q + k + v = 96 rows"),
            std::string::npos)
      << from_hf;
  Conversion c = convert_checkpoint(test::arch_dir("phi3"), {});
  c.writer.set_u32("phi3.attention.head_count_kv", 1);
  const std::string from_gguf = error_of([&] { Model::from_bytes(c.writer.write_to_memory(), "phi3.gguf"); });
  EXPECT_NE(from_gguf.find("fused tensor 'blk.0.attn_qkv.weight' has 128 rows, which do not split into q, k and v "
                           "(64 + 16 + 16 = 96 rows"),
            std::string::npos)
      << from_gguf;
}

TEST(ArchInput, Gemma2AttentionScaleThatAGgufCannotCarryIsRefused) {
  // HF: query_pre_attn_scalar 12 follows neither of llama.cpp's rules for 26 layers.
  const EditedFolder hf(test::arch_dir("gemma2-26l"), [](json& c) { c["query_pre_attn_scalar"] = 12; });
  const std::string from_hf = error_of([&] { test::convert_and_load(hf.path()); });
  EXPECT_NE(from_hf.find("query_pre_attn_scalar gives attention scale"), std::string::npos) << from_hf;
  EXPECT_NE(from_hf.find("cannot be written as a GGUF"), std::string::npos) << from_hf;
  // GGUF: 44 layers is neither 26, 42 nor 46, so the scale cannot be known.
  Conversion c = convert_checkpoint(test::arch_dir("gemma2"), {});
  c.writer.set_u32("gemma2.block_count", 44);
  const std::string from_gguf = error_of([&] { Model::from_bytes(c.writer.write_to_memory(), "gemma2.gguf"); });
  EXPECT_NE(from_gguf.find("holds no attention scale"), std::string::npos) << from_gguf;
  EXPECT_NE(from_gguf.find("this one has 44 layers"), std::string::npos) << from_gguf;
  // And the HF folder must say it.
  const EditedFolder missing(test::arch_dir("gemma2"), [](json& c) { c.erase("query_pre_attn_scalar"); });
  EXPECT_NE(error_of([&] { test::convert_and_load(missing.path()); }).find("'query_pre_attn_scalar' is missing"),
            std::string::npos);
}

TEST(ArchInput, UnsupportedVariantsAreRefusedByName) {
  const EditedFolder longrope(test::arch_dir("phi3"), [](json& c) {
    c["rope_scaling"] = {{"type", "longrope"}, {"long_factor", {1.0}}, {"short_factor", {1.0}}};
  });
  EXPECT_NE(error_of([&] { test::convert_and_load(longrope.path()); }).find("LongRoPE"), std::string::npos);
  Conversion c = convert_checkpoint(test::arch_dir("phi3"), {});
  c.writer.add_tensor("rope_factors_long.weight", GgmlType::F32, {8}, [](uint8_t* dst) { std::memset(dst, 0, 32); });
  EXPECT_NE(error_of([&] { Model::from_bytes(c.writer.write_to_memory(), "phi3.gguf"); })
                .find("tensor 'rope_factors_long.weight' (Phi-3 LongRoPE, the 128k variants) is not supported"),
            std::string::npos);
  const EditedFolder qwen_window(test::arch_dir("qwen2"), [](json& c) { c["use_sliding_window"] = true; });
  EXPECT_NE(error_of([&] { test::convert_and_load(qwen_window.path()); }).find("use_sliding_window = true"),
            std::string::npos);
  const EditedFolder odd_layers(test::arch_dir("gemma2-26l"), [](json& c) {
    c["layer_types"] = json::array();
    for (int l = 0; l < 26; ++l) c["layer_types"].push_back(l % 2 ? "sliding_attention" : "full_attention");
  });
  EXPECT_NE(error_of([&] { test::convert_and_load(odd_layers.path()); }).find("layer_types[0]"), std::string::npos);
  const EditedFolder erf(test::arch_dir("gemma2"), [](json& c) { c["hidden_activation"] = "gelu"; });
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

namespace edt {
namespace {

// Gemma v1 has no reference checkpoint here. Its row is checked against a plain float64 forward pass written from
// HF's GemmaForCausalLM (embeddings × sqrt(hidden); x += attn(norm(x)·(1+w)); x += mlp(norm(x)·(1+w)) with
// gelu_pytorch_tanh; final norm; tied head; rotate-half RoPE; scale 1/sqrt(head_dim)), on gemma2-26l's weights read
// as a Gemma v1 (its post_attention_layernorm is then the pre-FFN norm, as in Gemma v1).
std::vector<double> gemma_v1_reference(const std::string& dir, const ModelHParams& hp, const std::vector<int32_t>& ids) {
  const auto ckpt = SafetensorsCheckpoint::open(dir);
  auto get = [&](const std::string& name) {
    const SafetensorsTensor& t = ckpt.require(name);
    std::vector<float> f(t.n_elements());
    SafetensorsCheckpoint::read_f32(t, f.data());
    return std::vector<double>(f.begin(), f.end());
  };
  const size_t T = ids.size(), D = hp.n_embd, H = hp.n_head, KH = hp.n_head_kv, hd = hp.head_dim, F = hp.n_ff;
  const size_t V = hp.n_vocab;
  const auto embed = get("model.embed_tokens.weight");
  std::vector<double> x(T * D);
  for (size_t t = 0; t < T; ++t)
    for (size_t i = 0; i < D; ++i) x[t * D + i] = embed[static_cast<size_t>(ids[t]) * D + i] * std::sqrt(double(D));
  auto norm = [&](const std::vector<double>& in, const std::vector<double>& w) {
    std::vector<double> out(in.size());
    for (size_t t = 0; t < T; ++t) {
      double ss = 0;
      for (size_t i = 0; i < D; ++i) ss += in[t * D + i] * in[t * D + i];
      const double r = 1.0 / std::sqrt(ss / double(D) + hp.rms_eps);
      for (size_t i = 0; i < D; ++i) out[t * D + i] = in[t * D + i] * r * (1.0 + w[i]);
    }
    return out;
  };
  auto linear = [&](const std::vector<double>& in, size_t in_dim, const std::vector<double>& w, size_t out_dim) {
    std::vector<double> out(T * out_dim, 0.0);
    for (size_t t = 0; t < T; ++t)
      for (size_t o = 0; o < out_dim; ++o)
        for (size_t i = 0; i < in_dim; ++i) out[t * out_dim + o] += w[o * in_dim + i] * in[t * in_dim + i];
    return out;
  };
  auto rope = [&](std::vector<double>& v, size_t heads) {
    for (size_t t = 0; t < T; ++t)
      for (size_t h = 0; h < heads; ++h)
        for (size_t i = 0; i < hd / 2; ++i) {
          const double a = double(t) * std::pow(double(hp.rope_theta), -2.0 * double(i) / double(hd));
          double& x1 = v[(t * heads + h) * hd + i];
          double& x2 = v[(t * heads + h) * hd + i + hd / 2];
          const double r1 = x1 * std::cos(a) - x2 * std::sin(a), r2 = x2 * std::cos(a) + x1 * std::sin(a);
          x1 = r1;
          x2 = r2;
        }
  };
  for (uint32_t l = 0; l < hp.n_layer; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const auto xn = norm(x, get(p + "input_layernorm.weight"));
    auto q = linear(xn, D, get(p + "self_attn.q_proj.weight"), H * hd);
    auto k = linear(xn, D, get(p + "self_attn.k_proj.weight"), KH * hd);
    const auto v = linear(xn, D, get(p + "self_attn.v_proj.weight"), KH * hd);
    rope(q, H);
    rope(k, KH);
    std::vector<double> att(T * H * hd, 0.0);
    for (size_t t = 0; t < T; ++t)
      for (size_t h = 0; h < H; ++h) {
        const size_t g = h / (H / KH);
        std::vector<double> s(t + 1);
        double mx = -1e300, sum = 0;
        for (size_t j = 0; j <= t; ++j) {
          double d = 0;
          for (size_t i = 0; i < hd; ++i) d += q[(t * H + h) * hd + i] * k[(j * KH + g) * hd + i];
          s[j] = d / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (size_t j = 0; j <= t; ++j)
          for (size_t i = 0; i < hd; ++i) att[(t * H + h) * hd + i] += s[j] / sum * v[(j * KH + g) * hd + i];
      }
    const auto o = linear(att, H * hd, get(p + "self_attn.o_proj.weight"), D);
    for (size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    const auto xf = norm(x, get(p + "post_attention_layernorm.weight"));
    auto gate = linear(xf, D, get(p + "mlp.gate_proj.weight"), F);
    const auto up = linear(xf, D, get(p + "mlp.up_proj.weight"), F);
    for (size_t i = 0; i < gate.size(); ++i) {
      const double g = gate[i];
      gate[i] = 0.5 * g * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (g + 0.044715 * g * g * g))) * up[i];
    }
    const auto down = linear(gate, F, get(p + "mlp.down_proj.weight"), D);
    for (size_t i = 0; i < x.size(); ++i) x[i] += down[i];
  }
  return linear(norm(x, get("model.norm.weight")), D, embed, V);
}

TEST(ArchInput, GemmaV1RowMatchesAPlainForwardPass) {
  const EditedFolder v1(test::arch_dir("gemma2-26l"), [](json& c) {
    c["model_type"] = "gemma";
    c["architectures"] = {"GemmaForCausalLM"};
    for (const char* k : {"attn_logit_softcapping", "final_logit_softcapping", "query_pre_attn_scalar",
                          "sliding_window", "cache_implementation"})
      c.erase(k);
  });
  Conversion conv = convert_checkpoint(v1.path(), {});
  const auto bytes = conv.writer.write_to_memory();
  const GgufFile f = parse_gguf(bytes, "gemma");
  EXPECT_EQ(f.require_string("general.architecture"), "gemma");
  EXPECT_EQ(f.require_uint("gemma.attention.key_length"), 16u);
  EXPECT_EQ(f.find("gemma.rope.freq_base"), nullptr);
  EXPECT_EQ(f.find_tensor("output.weight"), nullptr);
  EXPECT_EQ(f.find_tensor("blk.0.post_attention_norm.weight"), nullptr);
  const auto model = Model::from_bytes(bytes, "gemma");
  const auto all = read_npy(test::arch_dir("gemma2-26l") + "/ref_input_ids.npy").ints;
  const std::vector<int32_t> ids(all.begin(), all.begin() + 12);
  const auto want64 = gemma_v1_reference(v1.path(), model->hparams(), ids);
  const std::vector<float> want(want64.begin(), want64.end());
  const size_t vocab = model->hparams().n_vocab;
  std::vector<float> got(ids.size() * vocab);  // (n, vocab)
  Session(model, {}).prefill_all_logits(ids, got.data());
  Session decode(model, {});
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_LE(test::rel_l2(&got[i * vocab], &want[i * vocab], vocab), 1e-4) << "prefill, position " << i;
    const auto row = decode.decode(ids[i]);
    EXPECT_LE(test::rel_l2(row.data(), &want[i * vocab], vocab), 1e-4) << "decode, position " << i;
  }
}

}  // namespace
}  // namespace edt
