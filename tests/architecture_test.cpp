// The families of the architecture table against float64 references (transformers' semantics) and llama.cpp's GGUFs
// of the same weights (tests/data/arch): logits within 1e-4 at every position through prefill and decode, greedy ids
// exact, through the HF folder (both config spellings) and through llama.cpp's file; `edt convert` writes llama.cpp's
// file; and each convention is shown to matter by flipping it and watching the reference stop matching.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "engine/attention.h"
#include "engine/model_config.h"
#include "engine/ops/elementwise.h"
#include "engine/session.h"
#include "tests/test_util.h"
#include "weights/architecture.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/mapped_file.h"
#include "weights/npy.h"
#include "weights/safetensors.h"

namespace edt {
namespace {

namespace fs = std::filesystem;

constexpr double kLogitTolerance = 1e-4;

std::string arch_gguf(const std::string& c) { return test::arch_dir(c) + "/" + c + "-llamacpp-f32.gguf"; }

std::vector<int32_t> ids_of(const std::string& path) {
  const auto v = read_npy(path).ints;
  return std::vector<int32_t>(v.begin(), v.end());
}

// Every position's logits (n, vocab) by one prefill, and by one decode per token.
struct AllLogits {
  std::vector<float> prefill, decode;
};
AllLogits all_logits(const std::shared_ptr<const Model>& model, const std::vector<int32_t>& ids, int threads = 1,
                     uint32_t max_batch = 512) {
  const size_t vocab = model->hparams().n_vocab;
  SessionOptions opt;
  opt.n_threads = threads;
  opt.n_ctx = 256;
  opt.max_batch = max_batch;
  AllLogits r;
  r.prefill.resize(ids.size() * vocab);
  Session(model, opt).prefill_all_logits(ids, r.prefill.data());
  Session s(model, opt);
  for (int32_t id : ids) {
    const auto row = s.decode(id);
    r.decode.insert(r.decode.end(), row.begin(), row.end());
  }
  return r;
}

std::vector<int32_t> greedy(const std::shared_ptr<const Model>& model, const std::vector<int32_t>& prompt, size_t n_new,
                            int threads) {
  SessionOptions opt;
  opt.n_threads = threads;
  opt.n_ctx = 256;
  Session s(model, opt);
  std::vector<int32_t> out = prompt;
  auto logits = s.prefill(prompt);
  for (size_t i = 0; i < n_new; ++i) {
    out.push_back(static_cast<int32_t>(test::argmax(logits.data(), logits.size())));
    if (i + 1 < n_new) logits = s.decode(out.back());
  }
  return out;
}

// Relative L2 of the whole (40, vocab) logits against the reference.
double logits_error(const std::shared_ptr<const Model>& model, const std::string& c) {
  const auto ids = ids_of(test::arch_dir(c) + "/ref_input_ids.npy");
  const auto ref = read_npy(test::arch_dir(c) + "/ref_logits.npy");
  const auto got = all_logits(model, ids);
  return test::rel_l2(got.prefill.data(), ref.f32.data(), ref.f32.size());
}

void expect_matches_reference(const std::shared_ptr<const Model>& model, const std::string& c) {
  const auto ids = ids_of(test::arch_dir(c) + "/ref_input_ids.npy");
  const auto ref = read_npy(test::arch_dir(c) + "/ref_logits.npy");
  const size_t vocab = model->hparams().n_vocab;
  ASSERT_EQ(ref.shape, (std::vector<uint64_t>{ids.size(), vocab}));
  const auto got = all_logits(model, ids);
  double worst = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const double p = test::rel_l2(&got.prefill[i * vocab], &ref.f32[i * vocab], vocab);
    const double d = test::rel_l2(&got.decode[i * vocab], &ref.f32[i * vocab], vocab);
    EXPECT_LE(p, kLogitTolerance) << c << " prefill, position " << i;
    EXPECT_LE(d, kLogitTolerance) << c << " decode, position " << i;
    worst = std::max({worst, p, d});
  }
  std::printf("  %-10s worst rel L2 over 40 positions, prefill and decode: %.2e\n", c.c_str(), worst);
  const auto want = ids_of(test::arch_dir(c) + "/ref_greedy_ids.npy");
  const std::vector<int32_t> prompt(want.begin(), want.begin() + 8);
  EXPECT_EQ(greedy(model, prompt, want.size() - 8, 1), want) << c;
  EXPECT_EQ(greedy(model, prompt, want.size() - 8, 2), want) << c << " (2 threads)";
}

// A copy of a reference folder with config.transformers-v5.json as its config.json.
std::string v5_folder(const std::string& c) {
  const fs::path tmp = fs::temp_directory_path() / ("edt_arch_v5_" + c + "_" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (const auto& e : fs::directory_iterator(test::arch_dir(c))) {
    const std::string name = e.path().filename().string();
    if (name == "config.json" || name.ends_with(".gguf") || name.ends_with(".npy")) continue;
    fs::copy_file(e.path(), tmp / (name == "config.transformers-v5.json" ? "config.json" : name),
                  fs::copy_options::overwrite_existing);
  }
  return tmp.string();
}

class ArchCase : public ::testing::TestWithParam<const char*> {};

TEST_P(ArchCase, HfFolderMatchesReferenceWithBothConfigSpellings) {
  expect_matches_reference(test::convert_and_load(test::arch_dir(GetParam())), GetParam());
  const std::string v5 = v5_folder(GetParam());
  const auto model = test::convert_and_load(v5);
  fs::remove_all(v5);
  expect_matches_reference(model, GetParam());
}

TEST_P(ArchCase, LlamaCppGgufMatchesReference) {
  const auto model = Model::load(arch_gguf(GetParam()));
  EXPECT_EQ(model->hparams().arch, model->architecture().name);
  expect_matches_reference(model, GetParam());
}

// The converter's file is llama.cpp's: every model key and value, every tensor name, order, shape, type and byte.
// (general.name and the tokenizer keys are left out: llama.cpp derives the name from the folder, and marks Phi-3's
// added tokens differently; see docs/architectures.md.)
TEST_P(ArchCase, ConvertWritesLlamaCppsFile) {
  ConvertOptions opt;
  opt.out_type = GgmlType::F32;
  const auto ours_bytes = convert_checkpoint(test::arch_dir(GetParam()), opt).writer.write_to_memory();
  const GgufFile ours = parse_gguf(ours_bytes, "converted");
  const MappedFile file(arch_gguf(GetParam()));
  const GgufFile theirs = parse_gguf(file.bytes(), "llama.cpp");
  const std::string arch = theirs.require_string("general.architecture");
  auto model_keys = [&](const GgufFile& f) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [k, v] : f.metadata)
      if (k.rfind(arch + ".", 0) == 0 || k == "general.architecture" || k == "general.file_type")
        keys.emplace_back(k, v.type_name() + " " + gguf_scalar_to_string(v.scalar));
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  EXPECT_EQ(model_keys(ours), model_keys(theirs));
  // Same tensors (llama.cpp writes them in the safetensors' name order, blk.10 before blk.2; we write layer by layer:
  // order is not part of the format).
  ASSERT_EQ(ours.tensors.size(), theirs.tensors.size());
  for (const GgufTensorInfo& b : theirs.tensors) {
    const GgufTensorInfo* a = ours.find_tensor(b.name);
    ASSERT_NE(a, nullptr) << b.name << " is missing from the converted file";
    EXPECT_EQ(a->dims, b.dims) << b.name;
    EXPECT_EQ(a->type, b.type) << b.name;
    ASSERT_EQ(a->n_bytes, b.n_bytes) << b.name;
    EXPECT_EQ(std::memcmp(a->data, b.data, a->n_bytes), 0) << b.name << " differs from llama.cpp's";
  }
}

// Phi-3's chat tokens come from tokenizer_config.json's added_tokens_decoder, as in llama.cpp's file (llama.cpp needs
// <|endoftext|> in a Phi-3 vocabulary to load it); the padding rows are "[PADn]" in both.
TEST(ArchConvert, Phi3AddedTokensAreInTheVocabulary) {
  const auto ours_bytes = convert_checkpoint(test::arch_dir("phi3"), {}).writer.write_to_memory();
  const GgufFile ours = parse_gguf(ours_bytes, "converted");
  const MappedFile file(arch_gguf("phi3"));
  const GgufFile theirs = parse_gguf(file.bytes(), "llama.cpp");
  const auto a = ours.require_string_array("tokenizer.ggml.tokens"), b = theirs.require_string_array("tokenizer.ggml.tokens");
  EXPECT_EQ(a, b);
  const auto ta = ours.require_int_array("tokenizer.ggml.token_type"), tb = theirs.require_int_array("tokenizer.ggml.token_type");
  ASSERT_EQ(ta.size(), tb.size());
  for (size_t i = 3; i < ta.size(); ++i) EXPECT_EQ(ta[i], tb[i]) << "token " << i << " " << a[i];  // 0..2: see docs
  EXPECT_EQ(a[512], "<|endoftext|>");
  EXPECT_EQ(ours.require_uint("tokenizer.ggml.eos_token_id"), 512u);
}

INSTANTIATE_TEST_SUITE_P(Families, ArchCase, ::testing::Values("qwen2", "phi3", "gemma2", "gemma2-26l"),
                         [](const auto& info) {
                           std::string s = info.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

// ---- Each convention, flipped, breaks the reference (rel L2 of all logits; the table in docs/architectures.md). ----

std::shared_ptr<const Model> gguf_model(const std::string& c) { return Model::load(arch_gguf(c)); }

TEST(ArchConventions, NeoxRopeIsRequiredForQwen2Phi3Gemma2) {
  for (const char* c : {"qwen2", "phi3", "gemma2"}) {
    const auto m = gguf_model(c);
    EXPECT_LE(logits_error(m, c), kLogitTolerance) << c;
    Architecture a = m->architecture();
    ASSERT_EQ(a.rope, RopeStyle::Neox);
    a.rope = RopeStyle::Norm;
    EXPECT_GT(logits_error(Model::variant(m, a, m->hparams()), c), 0.1) << c << " with interleaved (NORM) RoPE";
  }
}

TEST(ArchConventions, Gemma2AttentionScaleBranchesByLayerCount) {
  // 46 layers: 1/sqrt(hidden/heads) = 1/sqrt(8); 26 layers: 1/sqrt(head_dim) = 1/4. Each with the other's rule fails.
  const auto m46 = gguf_model("gemma2"), m26 = gguf_model("gemma2-26l");
  EXPECT_FLOAT_EQ(m46->hparams().attn_scale, 1.0f / std::sqrt(8.0f));
  EXPECT_FLOAT_EQ(m26->hparams().attn_scale, 0.25f);
  ModelHParams hp = m46->hparams();
  hp.attn_scale = 0.25f;
  EXPECT_GT(logits_error(Model::variant(m46, m46->architecture(), hp), "gemma2"), 0.1);
  hp = m26->hparams();
  hp.attn_scale = 1.0f / std::sqrt(8.0f);
  EXPECT_GT(logits_error(Model::variant(m26, m26->architecture(), hp), "gemma2-26l"), 0.1);
  // The HF folder's query_pre_attn_scalar agrees with the rule in both.
  EXPECT_FLOAT_EQ(read_hf_config(test::arch_dir("gemma2") + "/config.json").attn_scale, m46->hparams().attn_scale);
  EXPECT_FLOAT_EQ(read_hf_config(test::arch_dir("gemma2-26l") + "/config.json").attn_scale, m26->hparams().attn_scale);
}

TEST(ArchConventions, Gemma2SoftcapsAreAppliedAfterScalingAndOnTheLogits) {
  for (const char* c : {"gemma2", "gemma2-26l"}) {
    const auto m = gguf_model(c);
    const ModelHParams base = m->hparams();
    ASSERT_EQ(base.attn_softcap, 5.0f);
    ASSERT_EQ(base.final_softcap, 5.0f);
    ModelHParams hp = base;
    hp.attn_softcap = 0;
    EXPECT_GT(logits_error(Model::variant(m, m->architecture(), hp), c), 0.1) << c << ": no attention softcap";
    // Capping the raw q·k before scaling is cap·scale·tanh(s / (cap·scale)) on the scaled score s: a cap of cap·scale.
    hp = base;
    hp.attn_softcap = base.attn_softcap * base.attn_scale;
    EXPECT_GT(logits_error(Model::variant(m, m->architecture(), hp), c), 0.05) << c << ": softcap before scaling";
    hp = base;
    hp.final_softcap = 0;
    EXPECT_GT(logits_error(Model::variant(m, m->architecture(), hp), c), 0.05) << c << ": no final softcap";
  }
}

TEST(ArchConventions, Gemma2SlidingWindowOnEvenLayersWithoutOffByOne) {
  const auto m = gguf_model("gemma2");
  const ModelHParams base = m->hparams();
  ASSERT_EQ(base.sliding_window, 16u);
  for (uint32_t l = 0; l < base.n_layer; ++l) EXPECT_EQ(base.layer_window[l], l % 2 == 0 ? 16u : 0u) << l;
  auto with_windows = [&](auto window_of) {
    ModelHParams hp = base;
    for (uint32_t l = 0; l < hp.n_layer; ++l) hp.layer_window[l] = window_of(l);
    return logits_error(Model::variant(m, m->architecture(), hp), "gemma2");
  };
  EXPECT_GT(with_windows([](uint32_t) { return 0u; }), 0.1) << "no window";
  EXPECT_GT(with_windows([](uint32_t l) { return l % 2 ? 16u : 0u; }), 0.1) << "window on odd layers";
  EXPECT_GT(with_windows([](uint32_t l) { return l % 2 ? 0u : 15u; }), 0.1) << "window one key short";
  EXPECT_GT(with_windows([](uint32_t l) { return l % 2 ? 0u : 17u; }), 0.1) << "window one key long";
}

TEST(ArchConventions, GemmaEmbeddingScaleActivationAndPostNorms) {
  const auto m = gguf_model("gemma2");
  Architecture a = m->architecture();
  a.embd_scale_sqrt_dim = false;
  EXPECT_GT(logits_error(Model::variant(m, a, m->hparams()), "gemma2"), 0.1) << "no sqrt(dim) embedding scale";
  a = m->architecture();
  a.activation = Activation::Silu;
  EXPECT_GT(logits_error(Model::variant(m, a, m->hparams()), "gemma2"), 0.1) << "SwiGLU instead of GeGLU";
}

// llama.cpp's Gemma GGUF carries 1 + w in every norm; adding it again, or taking it out, breaks the model.
TEST(ArchConventions, GemmaNormOffsetIsFoldedOnceIntoTheFile) {
  const MappedFile file(arch_gguf("gemma2"));
  const std::vector<uint8_t> original(file.bytes().begin(), file.bytes().end());
  const GgufFile parsed = parse_gguf(original, "gemma2");
  const auto ckpt = SafetensorsCheckpoint::open(test::arch_dir("gemma2"));
  const Architecture& arch = architecture("gemma2", "test");
  ASSERT_EQ(arch.norm_offset, 1.0f);
  // The file's norms are the checkpoint's w + 1.
  size_t norms = 0;
  for_each_tensor(arch, 46, [&](const TensorSpec& spec, uint32_t l) {
    if (!spec.is_norm()) return;
    const GgufTensorInfo* t = parsed.find_tensor(gguf_tensor_name(spec, l));
    ASSERT_NE(t, nullptr);
    std::vector<float> hf(t->n_elements);
    SafetensorsCheckpoint::read_f32(ckpt.require(hf_tensor_name(spec, l)), hf.data());
    const auto* stored = reinterpret_cast<const float*>(t->data);
    for (size_t i = 0; i < hf.size(); ++i) ASSERT_EQ(stored[i], hf[i] + 1.0f) << t->name;
    ++norms;
  });
  EXPECT_EQ(norms, 46u * 4 + 1);
  for (float delta : {-1.0f, 1.0f}) {
    std::vector<uint8_t> bytes = original;
    const GgufFile f = parse_gguf(bytes, "gemma2");
    for (const GgufTensorInfo& t : f.tensors)
      if (t.name.ends_with("norm.weight"))
        for (uint64_t i = 0; i < t.n_elements; ++i) {
          float v;
          std::memcpy(&v, t.data + 4 * i, 4);
          v += delta;
          std::memcpy(const_cast<uint8_t*>(t.data) + 4 * i, &v, 4);
        }
    EXPECT_GT(logits_error(Model::from_bytes(std::move(bytes), "gemma2"), "gemma2"), 0.5) << "norm offset " << delta;
  }
}

// ---- The sliding window and the softcap in the KV-cache decode path at depth. ----

TEST(ArchWindow, PrefillOfNEqualsNDecodesPastTheWindow) {
  const auto m = gguf_model("gemma2");
  std::vector<int32_t> ids(100);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 7919 + 13) % 512);
  const size_t vocab = m->hparams().n_vocab;
  // float32 through 46 layers: the routes sum in different orders (measured here up to ~1e-5), so the bar is the
  // logit standard; a window off by one costs ~0.4.
  double worst = 0;
  for (int threads : {1, 2}) {
    const auto one = all_logits(m, ids, threads);
    const auto chunked = all_logits(m, ids, threads, 7);  // chunks of 7 straddle the 16-key window
    for (size_t i = 0; i < ids.size(); ++i) {
      const double d = test::rel_l2(&one.decode[i * vocab], &one.prefill[i * vocab], vocab);
      const double c = test::rel_l2(&chunked.prefill[i * vocab], &one.prefill[i * vocab], vocab);
      EXPECT_LE(d, kLogitTolerance) << "decode, position " << i;
      EXPECT_LE(c, kLogitTolerance) << "chunked prefill, position " << i;
      worst = std::max({worst, d, c});
    }
  }
  std::printf("  worst rel L2 between routes over 100 positions: %.2e\n", worst);
}

// Every attention route against the reference with a window (shorter and longer than the context) and a softcap.
TEST(ArchWindow, AttentionRoutesMatchReferenceWithWindowAndSoftcap) {
  for (KvType type : {KvType::F32, KvType::F16}) {
    const size_t hd = 16, n_head = 8, n_head_kv = 2, n_ctx = 90, kv_dim = n_head_kv * hd, q_dim = n_head * hd;
    KvCache cache(1, n_ctx, n_head_kv, hd, type);
    const auto kv = test::random_floats(2 * n_ctx * kv_dim, 5);
    for (size_t p = 0; p < n_ctx; ++p) cache.store(0, p, &kv[p * kv_dim], &kv[(n_ctx + p) * kv_dim]);
    for (size_t window : {size_t{0}, size_t{1}, size_t{16}, size_t{200}}) {
      for (float cap : {0.0f, 2.0f}) {
        const AttentionShape shape{n_head, n_head_kv, hd, 0.3f, cap, window};
        for (size_t pos0 : {size_t{0}, size_t{40}}) {
          for (size_t n : {size_t{1}, size_t{3}, size_t{37}}) {
            const auto q = test::random_floats(n * q_dim, static_cast<uint32_t>(n + pos0));
            std::vector<float> want(n * q_dim), got(n * q_dim);
            attention_ref(q.data(), cache, 0, pos0, n, shape, want.data());
            for (Isa isa : test::isa_levels()) {
              for (size_t scratch_rows : {size_t{1}, size_t{64}}) {
                std::vector<float> scratch(attention_scratch_floats(scratch_rows, n_ctx, hd, type, 2));
                attention(q.data(), cache, 0, pos0, n, shape, isa, scratch.data(), scratch.size(), got.data(), 2);
                EXPECT_LE(test::rel_l2(got.data(), want.data(), want.size()), 1e-5)
                    << kv_type_name(type) << " window=" << window << " cap=" << cap << " pos0=" << pos0 << " n=" << n
                    << " isa=" << isa_name(isa);
              }
            }
          }
        }
      }
    }
  }
}

TEST(ArchElementwise, NeoxRopeGegluAndSoftcapMatchTheirDefinitions) {
  const size_t hd = 10;
  auto head = test::random_floats(hd, 1);
  const auto orig = head;
  std::vector<float> c(hd / 2), s(hd / 2);
  for (size_t i = 0; i < hd / 2; ++i) {
    c[i] = std::cos(0.3f * static_cast<float>(i + 1));
    s[i] = std::sin(0.3f * static_cast<float>(i + 1));
  }
  rope_apply_neox(head.data(), c.data(), s.data(), hd);
  for (size_t i = 0; i < hd / 2; ++i) {  // rotate-half: x' = x·cos + rotate_half(x)·sin, rotate_half = (-x2, x1)
    EXPECT_NEAR(head[i], orig[i] * c[i] - orig[i + hd / 2] * s[i], 1e-6);
    EXPECT_NEAR(head[i + hd / 2], orig[i + hd / 2] * c[i] + orig[i] * s[i], 1e-6);
  }
  auto gate = test::random_floats(37, 2, 3.0f);
  const auto up = test::random_floats(37, 3);
  const auto g0 = gate;
  geglu_tanh(gate.data(), up.data(), gate.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    const double x = g0[i];
    const double want = 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x))) * up[i];
    EXPECT_NEAR(gate[i], want, 1e-6 * (1 + std::fabs(want)));
  }
  std::vector<float> v = {-100.0f, -1.0f, 0.0f, 0.5f, 30.0f};
  softcap(v.data(), v.size(), 5.0f);
  for (size_t i = 0; i < v.size(); ++i)
    EXPECT_NEAR(v[i], 5.0 * std::tanh(std::vector<double>{-100, -1, 0, 0.5, 30}[i] / 5.0), 1e-6);
}

}  // namespace
}  // namespace edt
