#include "convert/converter.h"
#include "weights/hf_chat_template.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "tokenizer/vocab_data.h"
#include "weights/architecture.h"
#include "weights/error.h"
#include "weights/llama2c.h"
#include "weights/mapped_file.h"
#include "weights/quant/quant_types.h"
#include "weights/safetensors.h"

namespace edt {
namespace fs = std::filesystem;

namespace {

uint32_t file_type_code(GgmlType t) {
  switch (t) {
    case GgmlType::F32: return 0;
    case GgmlType::F16: return 1;
    case GgmlType::Q4_0: return 2;
    case GgmlType::Q8_0: return 7;
    case GgmlType::BF16: return 32;
    default: return 0;
  }
}

}  // namespace

void write_model_hparams(GgufWriter& w, const ModelHParams& hp, const std::string& name, GgmlType matrix_type) {
  const Architecture& a = architecture(hp.arch, name);
  const std::string p = std::string(a.name) + ".";
  w.set_string("general.architecture", a.name);
  w.set_string("general.name", name);
  w.set_u32("general.file_type", file_type_code(matrix_type));
  if (matrix_type == GgmlType::Q8_0 || matrix_type == GgmlType::Q4_0) w.set_u32("general.quantization_version", 2);
  if (a.key_vocab_size) w.set_u32(p + "vocab_size", hp.n_vocab);
  w.set_u32(p + "context_length", hp.n_ctx_train);
  if (a.key_original_context && hp.original_context)
    w.set_u32(p + "rope.scaling.original_context_length", hp.original_context);
  w.set_u32(p + "embedding_length", hp.n_embd);
  w.set_u32(p + "feed_forward_length", hp.n_ff);
  w.set_u32(p + "block_count", hp.n_layer);
  w.set_u32(p + "attention.head_count", hp.n_head);
  w.set_u32(p + "attention.head_count_kv", hp.n_head_kv);
  if (a.key_rope_dimension) w.set_u32(p + "rope.dimension_count", hp.head_dim);
  // Gemma's converter writes no freq_base (llama.cpp's default 10000 applies); written anyway when it differs.
  if (a.key_freq_base || hp.rope_theta != 10000.0f) w.set_f32(p + "rope.freq_base", hp.rope_theta);
  w.set_f32(p + "attention.layer_norm_rms_epsilon", hp.rms_eps);
  if (a.key_head_dim_always || hp.explicit_head_dim()) {
    w.set_u32(p + "attention.key_length", hp.head_dim);
    w.set_u32(p + "attention.value_length", hp.head_dim);
  }
  if (hp.rope_scaling.kind == RopeScaling::Kind::Linear) {
    w.set_string(p + "rope.scaling.type", "linear");
    w.set_f32(p + "rope.scaling.factor", hp.rope_scaling.factor);
  }
  if (a.softcaps) {
    w.set_f32(p + "attn_logit_softcapping", hp.attn_softcap);
    w.set_f32(p + "final_logit_softcapping", hp.final_softcap);
  }
  if (a.sliding_window && hp.sliding_window) w.set_u32(p + "attention.sliding_window", hp.sliding_window);
}

namespace {

// With a preset, matrices take the types its rules pick; the file records the preset as llama-quantize does.
void apply_preset(Conversion& c, const ConvertOptions& opt) {
  if (!opt.preset) return;
  c.matrix_type = opt.preset->default_type;
  TensorTypeChooser::ModelFacts facts;
  facts.n_layer = c.hparams.n_layer;
  facts.n_head = c.hparams.n_head;
  facts.n_head_kv = c.hparams.n_head_kv;
  facts.has_output = !c.hparams.tied_embeddings;
  facts.n_attention_v = c.hparams.n_layer;
  c.chooser = std::make_shared<TensorTypeChooser>(*opt.preset, facts, opt.pure);
  c.writer.set_u32("general.file_type", opt.preset->file_type);
  if (c.matrix_type != GgmlType::F32 && c.matrix_type != GgmlType::F16 && c.matrix_type != GgmlType::BF16)
    c.writer.set_u32("general.quantization_version", 2);
}

// Adds one tensor whose float32 values a filler writes into a (n_elements) scratch buffer. Vectors (norms, biases)
// stay F32; matrices take the requested type where their rows are whole blocks, else F16 (recorded as fallback).
void add_weight(Conversion& c, const std::string& name, std::vector<uint64_t> dims,
                std::function<void(float*)> fill) {
  GgmlType type = dims.size() == 1 ? GgmlType::F32 : c.matrix_type;
  if (c.chooser) {
    bool fallback = false;
    type = c.chooser->choose(name, dims, GgmlType::F32, &fallback);
    if (fallback) c.fallbacks.push_back(name);
  } else if (!ggml_row_bytes(type, dims[0])) {
    type = GgmlType::F16;
    c.fallbacks.push_back(name);
  }
  uint64_t n = 1;
  for (uint64_t d : dims) n *= d;
  const uint64_t row = dims[0];
  const uint64_t row_bytes = *ggml_row_bytes(type, row);
  c.writer.add_tensor(name, type, std::move(dims), [fill = std::move(fill), n, row, row_bytes, type, name,
                                                    warnings = c.warnings](uint8_t* dst) {
    std::vector<float> values(static_cast<size_t>(n));  // (rows, row) float32 staging of one tensor
    fill(values.data());
    size_t non_finite = 0;
    for (float v : values) non_finite += std::isfinite(v) ? 0 : 1;
    if (non_finite)
      warnings->push_back("tensor '" + name + "' holds " + std::to_string(non_finite) +
                          " NaN/Inf values; the model will produce NaN logits where they are used");
    for (uint64_t r = 0; r < n / row; ++r) quantize_row(type, values.data() + r * row, dst + r * row_bytes, row);
  });
}

GgmlType source_float_type(const std::string& dtype) {
  if (dtype == "BF16") return GgmlType::BF16;
  if (dtype == "F16") return GgmlType::F16;
  return GgmlType::F32;
}

// llama3 RoPE scaling travels as a tensor of per-frequency factors (not an HF tensor: computed from the config).
void add_rope_factors(Conversion& c, const ModelHParams& hp) {
  if (hp.rope_scaling.kind != RopeScaling::Kind::Llama3) return;
  auto factors = std::make_shared<std::vector<float>>(llama3_rope_factors(hp));
  c.sources.push_back(factors);
  c.writer.add_tensor("rope_freqs.weight", GgmlType::F32, {factors->size()}, [factors](uint8_t* dst) {
    std::memcpy(dst, factors->data(), factors->size() * sizeof(float));
  });
}

// llama.cpp cannot store Gemma-2's attention scale: its reader derives it from the layer count. A model whose
// query_pre_attn_scalar disagrees with that rule would be read wrongly, so it is refused.
void check_attention_scale_representable(const Architecture& arch, const ModelHParams& hp, const std::string& source) {
  const float in_gguf = gguf_attention_scale(arch, hp, source);
  if (std::abs(in_gguf - hp.attn_scale) > 1e-6f * hp.attn_scale)
    throw FormatError(source + ": query_pre_attn_scalar gives attention scale " + std::to_string(hp.attn_scale) +
                      ", but a " + arch.name + " GGUF of " + std::to_string(hp.n_layer) +
                      " layers is read with " + std::to_string(in_gguf) +
                      " (llama.cpp's layer-count rule); the model cannot be written as a GGUF");
}

// A SentencePiece model's tokens past its own pieces (Phi-3's chat tokens, ids 32000+): tokenizer_config.json's
// added_tokens_decoder, as llama.cpp's converter reads it (special -> CONTROL, else USER_DEFINED; score -1000).
// Without them the embedding rows would be "[PADn]" and llama.cpp refuses a Phi-3 file lacking <|endoftext|>.
void add_sentencepiece_added_tokens(VocabData& vocab, const fs::path& root, uint32_t n_vocab) {
  const fs::path config_path = root / "tokenizer_config.json";
  if (!fs::exists(config_path)) return;
  std::ifstream in(config_path, std::ios::binary);
  const nlohmann::json config = nlohmann::json::parse(in, nullptr, false);
  if (config.is_discarded() || !config.is_object())
    throw FormatError(config_path.string() + ": not a JSON object");
  if (!config.contains("added_tokens_decoder") || !config["added_tokens_decoder"].is_object()) return;
  for (const auto& [key, t] : config["added_tokens_decoder"].items()) {
    if (t.is_object() && t.contains("special") && !t["special"].is_boolean())
      throw FormatError(config_path.string() + ": added_tokens_decoder entry '" + key + "' has a non-boolean special");
    char* end = nullptr;
    const unsigned long long id = std::strtoull(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || !t.is_object() || !t.contains("content") || !t["content"].is_string())
      throw FormatError(config_path.string() + ": added_tokens_decoder entry '" + key + "' needs an id and a content");
    if (id < vocab.tokens.size()) continue;  // one of the model's own pieces (<unk>, <s>, </s>)
    if (id >= n_vocab)
      throw FormatError(config_path.string() + ": added token id " + key + " is outside config.json's vocab_size " +
                        std::to_string(n_vocab));
    while (vocab.tokens.size() <= id) {
      vocab.tokens.push_back("[PAD" + std::to_string(vocab.tokens.size()) + "]");
      vocab.token_types.push_back(static_cast<int32_t>(TokenType::Unused));
      vocab.scores.push_back(0.0f);
    }
    vocab.tokens[id] = t["content"].get<std::string>();
    vocab.token_types[id] = static_cast<int32_t>(t.value("special", false) ? TokenType::Control : TokenType::UserDefined);
    vocab.scores[id] = -1000.0f;
  }
}

Conversion convert_hf(const std::string& dir, const ConvertOptions& opt) {
  Conversion c;
  const fs::path root(dir);
  if (!fs::exists(root / "config.json")) throw FormatError(dir + ": no config.json (not a Hugging Face model folder)");
  c.hparams = read_hf_config((root / "config.json").string());
  const ModelHParams& hp = c.hparams;
  const Architecture& arch = architecture(hp.arch, dir);
  check_attention_scale_representable(arch, hp, (root / "config.json").string());
  auto ckpt = std::make_shared<SafetensorsCheckpoint>(SafetensorsCheckpoint::open(dir));
  c.sources.push_back(ckpt);

  VocabData vocab;
  if (fs::exists(root / "tokenizer.model")) {
    vocab = vocab_from_sentencepiece((root / "tokenizer.model").string());
    add_sentencepiece_added_tokens(vocab, root, hp.n_vocab);
  } else if (fs::exists(root / "tokenizer.json")) {
    vocab = vocab_from_tokenizer_json((root / "tokenizer.json").string(), (root / "tokenizer_config.json").string());
  } else if (fs::exists(root / "vocab.json")) {
    vocab = vocab_from_vocab_and_merges((root / "vocab.json").string(), (root / "merges.txt").string(),
                                        (root / "tokenizer_config.json").string());
  } else {
    throw FormatError(dir + ": no tokenizer.model, tokenizer.json or vocab.json + merges.txt in the folder (missing tokenizer)");
  }
  if (vocab.tokens.size() > hp.n_vocab)
    throw FormatError(dir + ": the tokenizer has " + std::to_string(vocab.tokens.size()) +
                      " tokens, more than config.json's vocab_size " + std::to_string(hp.n_vocab));
  while (vocab.tokens.size() < hp.n_vocab) {  // embedding rows past the tokenizer: padding tokens, as llama.cpp does
    vocab.tokens.push_back("[PAD" + std::to_string(vocab.tokens.size()) + "]");
    vocab.token_types.push_back(static_cast<int32_t>(TokenType::Unused));
    if (!vocab.scores.empty()) vocab.scores.push_back(0.0f);
  }
  if (hp.bos_id >= 0) vocab.bos_id = hp.bos_id;
  if (hp.eos_id >= 0) vocab.eos_id = hp.eos_id;
  if (arch.spm_no_space_prefix && vocab.model == "llama") vocab.add_space_prefix = false;

  const SafetensorsTensor& embed = ckpt->require("model.embed_tokens.weight");
  c.matrix_type = opt.out_type.value_or(source_float_type(embed.dtype));
  write_model_hparams(c.writer, hp, opt.name.empty() ? root.filename().string() : opt.name, c.matrix_type);
  apply_preset(c, opt);
  vocab.write_to(c.writer);
  if (const auto chat_template = read_hf_chat_template(dir)) c.writer.set_string("tokenizer.chat_template", *chat_template);

  // Each tensor of the family's row, read from its HF name, checked against the config's shape (PyTorch order:
  // out, in), q/k permuted to the interleaved layout for NORM-RoPE families, norms offset where HF adds it.
  for_each_tensor(arch, hp.n_layer, [&](const TensorSpec& spec, uint32_t i) {
    if (!tensor_expected(spec, hp)) return;
    {
      const std::string src = hf_tensor_name(spec, i), dst = gguf_tensor_name(spec, i);
      if (spec.presence == Presence::Optional && !ckpt->find(src)) return;
      const SafetensorsTensor& t = ckpt->require(src);
      std::vector<uint64_t> torch_shape{extent(spec.rows, hp)};
      if (spec.cols != Extent::One) torch_shape.push_back(extent(spec.cols, hp));
      if (t.shape != torch_shape) {
        std::string want, got;
        for (uint64_t d : torch_shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
        for (uint64_t d : t.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
        if ((spec.slot == TensorSlot::Wqkv || spec.slot == TensorSlot::WgateUp) && t.shape.size() == 2 &&
            t.shape[1] == torch_shape[1])
          throw FormatError(t.file + ": fused tensor '" + src + "' has " + std::to_string(t.shape[0]) +
                            " rows, which do not split into " +
                            (spec.slot == TensorSlot::Wqkv ? "q + k + v" : "gate + up") + " = " + want.substr(0, want.find(',')) +
                            " rows for config.json's sizes");
        throw FormatError(t.file + ": tensor '" + src + "' has shape [" + got + "], config.json implies [" + want + "]");
      }
      if (t.dtype != "F32" && t.dtype != "F16" && t.dtype != "BF16")
        throw FormatError(t.file + ": tensor '" + src + "' has dtype " + t.dtype + ", expected F32, F16 or BF16");
      size_t permute_heads = 0;
      if (arch.rope == RopeStyle::Norm && (spec.slot == TensorSlot::Wq || spec.slot == TensorSlot::Bq)) permute_heads = hp.n_head;
      if (arch.rope == RopeStyle::Norm && (spec.slot == TensorSlot::Wk || spec.slot == TensorSlot::Bk)) permute_heads = hp.n_head_kv;
      const float offset = spec.is_norm() ? arch.norm_offset : 0.0f;
      const SafetensorsTensor* tp = &t;
      const uint64_t rows = torch_shape[0], cols = torch_shape.size() > 1 ? torch_shape[1] : 1;
      add_weight(c, dst, std::vector<uint64_t>(torch_shape.rbegin(), torch_shape.rend()),
                 [tp, permute_heads, rows, cols, offset](float* out) {
                   SafetensorsCheckpoint::read_f32(*tp, out);
                   if (permute_heads) permute_rotate_half_to_interleaved(out, rows, cols, permute_heads);
                   if (offset != 0.0f)  // Gemma: HF multiplies by (1 + w); llama.cpp stores 1 + w (in float32 here)
                     for (uint64_t k = 0; k < rows * cols; ++k) out[k] += offset;
                 });
      if (spec.slot == TensorSlot::TokenEmbd) add_rope_factors(c, hp);  // llama3 scaling: right after the embedding
    }
  });
  return c;
}

std::string find_llama2c_tokenizer(const fs::path& model, uint32_t n_vocab) {
  const fs::path dir = model.has_parent_path() ? model.parent_path() : fs::path(".");
  for (const std::string& name : std::vector<std::string>{"tokenizer.bin", "tok" + std::to_string(n_vocab) + ".bin"})
    if (fs::exists(dir / name)) return (dir / name).string();
  throw FormatError(model.string() + ": no tokenizer found beside the llama2.c checkpoint (looked for tokenizer.bin and tok" +
                    std::to_string(n_vocab) + ".bin); pass --tokenizer");
}

Conversion convert_llama2c(const std::string& path, const ConvertOptions& opt) {
  Conversion c;
  auto file = std::make_shared<MappedFile>(path);
  c.sources.push_back(file);
  const Llama2cWeights w = parse_llama2c(file->bytes(), path);
  c.hparams = w.hp;
  const ModelHParams& hp = c.hparams;
  const std::string tok_path = opt.llama2c_tokenizer.empty() ? find_llama2c_tokenizer(path, hp.n_vocab) : opt.llama2c_tokenizer;
  const MappedFile tok_file(tok_path);
  const Llama2cVocab lv = parse_llama2c_tokenizer(tok_file.bytes(), hp.n_vocab, tok_path);
  const VocabData vocab = vocab_from_llama2c(lv.pieces, lv.scores);

  c.matrix_type = opt.out_type.value_or(GgmlType::F32);
  write_model_hparams(c.writer, hp, opt.name.empty() ? fs::path(path).stem().string() : opt.name, c.matrix_type);
  apply_preset(c, opt);
  vocab.write_to(c.writer);

  // The llama row's tensors from llama2.c's (layer, rows, cols) stacks; its q/k rows are already interleaved as the
  // GGUF wants, and it has no biases.
  const Architecture& arch = architecture("llama", path);
  for_each_tensor(arch, hp.n_layer, [&](const TensorSpec& spec, uint32_t l) {
    if (!tensor_expected(spec, hp) || spec.presence == Presence::IfAttentionBias) return;
    const float* base = nullptr;
    switch (spec.slot) {
      case TensorSlot::TokenEmbd: base = w.token_embedding; break;
      case TensorSlot::OutputNorm: base = w.rms_final; break;
      case TensorSlot::Output: base = w.wcls; break;
      case TensorSlot::AttnNorm: base = w.rms_att; break;
      case TensorSlot::Wq: base = w.wq; break;
      case TensorSlot::Wk: base = w.wk; break;
      case TensorSlot::Wv: base = w.wv; break;
      case TensorSlot::Wo: base = w.wo; break;
      case TensorSlot::FfnNorm: base = w.rms_ffn; break;
      case TensorSlot::Wgate: base = w.w1; break;
      case TensorSlot::Wdown: base = w.w2; break;
      case TensorSlot::Wup: base = w.w3; break;
      default: throw FormatError(path + ": llama2.c has no tensor '" + std::string(spec.gguf) + "'");
    }
    const uint64_t rows = extent(spec.rows, hp), cols = extent(spec.cols, hp);
    const float* src = base + l * rows * cols;
    std::vector<uint64_t> dims = cols == 1 ? std::vector<uint64_t>{rows} : std::vector<uint64_t>{cols, rows};
    add_weight(c, gguf_tensor_name(spec, l), std::move(dims),
               [src, n = rows * cols](float* out) { std::memcpy(out, src, n * sizeof(float)); });
  });
  return c;
}

}  // namespace

void permute_rotate_half_to_interleaved(float* w, size_t rows, size_t cols, size_t n_head) {
  const size_t hd = rows / n_head, half = hd / 2;
  std::vector<float> head(hd * cols);  // (hd, cols) copy of one head's rows
  for (size_t h = 0; h < n_head; ++h) {
    float* base = w + h * hd * cols;
    std::memcpy(head.data(), base, hd * cols * sizeof(float));
    for (size_t i = 0; i < half; ++i)
      for (size_t j = 0; j < 2; ++j)
        std::memcpy(base + (2 * i + j) * cols, head.data() + (j * half + i) * cols, cols * sizeof(float));
  }
}

std::vector<float> llama3_rope_factors(const ModelHParams& hp) {
  const RopeScaling& s = hp.rope_scaling;
  const double low_wavelen = s.original_context / s.low_freq_factor;
  const double high_wavelen = s.original_context / s.high_freq_factor;
  std::vector<float> factors;
  for (uint32_t i = 0; i < hp.head_dim; i += 2) {
    const double freq = 1.0 / std::pow(static_cast<double>(hp.rope_theta), static_cast<double>(i) / hp.head_dim);
    const double wavelen = 2.0 * std::numbers::pi / freq;
    double factor;
    if (wavelen < high_wavelen) {
      factor = 1.0;
    } else if (wavelen > low_wavelen) {
      factor = s.factor;
    } else {
      const double smooth = (s.original_context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
      factor = 1.0 / ((1.0 - smooth) / s.factor + smooth);
    }
    factors.push_back(static_cast<float>(factor));
  }
  return factors;
}

Conversion convert_checkpoint(const std::string& input, const ConvertOptions& options) {
  if (!fs::exists(input)) throw FormatError(input + ": no such file or folder");
  if (fs::is_directory(input)) return convert_hf(input, options);
  return convert_llama2c(input, options);
}

}  // namespace edt
