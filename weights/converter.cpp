#include "weights/converter.h"
#include "weights/hf_chat_template.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <numbers>

#include "tokenizer/vocab_data.h"
#include "weights/error.h"
#include "weights/llama2c.h"
#include "weights/mapped_file.h"
#include "weights/quant_blocks.h"
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

void write_llama_hparams(GgufWriter& w, const LlamaHParams& hp, const std::string& name, GgmlType matrix_type) {
  w.set_string("general.architecture", "llama");
  w.set_string("general.name", name);
  w.set_u32("general.file_type", file_type_code(matrix_type));
  if (matrix_type == GgmlType::Q8_0 || matrix_type == GgmlType::Q4_0) w.set_u32("general.quantization_version", 2);
  w.set_u32("llama.vocab_size", hp.n_vocab);
  w.set_u32("llama.context_length", hp.n_ctx_train);
  w.set_u32("llama.embedding_length", hp.n_embd);
  w.set_u32("llama.feed_forward_length", hp.n_ff);
  w.set_u32("llama.block_count", hp.n_layer);
  w.set_u32("llama.attention.head_count", hp.n_head);
  w.set_u32("llama.attention.head_count_kv", hp.n_head_kv);
  w.set_u32("llama.rope.dimension_count", hp.head_dim);
  w.set_f32("llama.rope.freq_base", hp.rope_theta);
  w.set_f32("llama.attention.layer_norm_rms_epsilon", hp.rms_eps);
  if (hp.explicit_head_dim()) {
    w.set_u32("llama.attention.key_length", hp.head_dim);
    w.set_u32("llama.attention.value_length", hp.head_dim);
  }
  if (hp.rope_scaling.kind == RopeScaling::Kind::Linear) {
    w.set_string("llama.rope.scaling.type", "linear");
    w.set_f32("llama.rope.scaling.factor", hp.rope_scaling.factor);
  }
}

namespace {

// Adds one tensor whose float32 values a filler writes into a (n_elements) scratch buffer. Vectors (norms, biases)
// stay F32; matrices take the requested type where their rows are whole blocks, else F16 (recorded as fallback).
void add_weight(Conversion& c, const std::string& name, std::vector<uint64_t> dims,
                std::function<void(float*)> fill) {
  GgmlType type = dims.size() == 1 ? GgmlType::F32 : c.matrix_type;
  if (!ggml_row_bytes(type, dims[0])) {
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

std::string hf_layer(uint32_t i, const char* rest) { return "model.layers." + std::to_string(i) + "." + rest; }
std::string blk(uint32_t i, const char* rest) { return "blk." + std::to_string(i) + "." + rest; }

GgmlType source_float_type(const std::string& dtype) {
  if (dtype == "BF16") return GgmlType::BF16;
  if (dtype == "F16") return GgmlType::F16;
  return GgmlType::F32;
}

Conversion convert_hf(const std::string& dir, const ConvertOptions& opt) {
  Conversion c;
  const fs::path root(dir);
  if (!fs::exists(root / "config.json")) throw FormatError(dir + ": no config.json (not a Hugging Face model folder)");
  c.hparams = read_hf_config((root / "config.json").string());
  const LlamaHParams& hp = c.hparams;
  auto ckpt = std::make_shared<SafetensorsCheckpoint>(SafetensorsCheckpoint::open(dir));
  c.sources.push_back(ckpt);

  VocabData vocab;
  if (fs::exists(root / "tokenizer.model")) vocab = vocab_from_sentencepiece((root / "tokenizer.model").string());
  else if (fs::exists(root / "tokenizer.json"))
    vocab = vocab_from_tokenizer_json((root / "tokenizer.json").string(), (root / "tokenizer_config.json").string());
  else throw FormatError(dir + ": no tokenizer.model or tokenizer.json in the folder (missing tokenizer)");
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

  const SafetensorsTensor& embed = ckpt->require("model.embed_tokens.weight");
  c.matrix_type = opt.out_type.value_or(source_float_type(embed.dtype));
  write_llama_hparams(c.writer, hp, opt.name.empty() ? root.filename().string() : opt.name, c.matrix_type);
  vocab.write_to(c.writer);
  if (const auto chat_template = read_hf_chat_template(dir)) c.writer.set_string("tokenizer.chat_template", *chat_template);

  const uint64_t q_rows = uint64_t{hp.n_head} * hp.head_dim, kv_rows = uint64_t{hp.n_head_kv} * hp.head_dim;
  // Adds HF tensor `src` as GGUF `dst` after checking its shape against the config (PyTorch order: out, in).
  auto add = [&](const std::string& src, const std::string& dst, std::vector<uint64_t> torch_shape, size_t permute_heads) {
    const SafetensorsTensor& t = ckpt->require(src);
    if (t.shape != torch_shape) {
      std::string want, got;
      for (uint64_t d : torch_shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      for (uint64_t d : t.shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
      throw FormatError(t.file + ": tensor '" + src + "' has shape [" + got + "], config.json implies [" + want + "]");
    }
    if (t.dtype != "F32" && t.dtype != "F16" && t.dtype != "BF16")
      throw FormatError(t.file + ": tensor '" + src + "' has dtype " + t.dtype + ", expected F32, F16 or BF16");
    std::vector<uint64_t> dims(torch_shape.rbegin(), torch_shape.rend());
    const SafetensorsTensor* tp = &t;
    const uint64_t rows = torch_shape[0], cols = torch_shape.size() > 1 ? torch_shape[1] : 1;
    add_weight(c, dst, std::move(dims), [tp, permute_heads, rows, cols](float* out) {
      SafetensorsCheckpoint::read_f32(*tp, out);
      if (permute_heads) permute_rotate_half_to_interleaved(out, rows, cols, permute_heads);
    });
  };

  add("model.embed_tokens.weight", "token_embd.weight", {hp.n_vocab, hp.n_embd}, 0);
  if (hp.rope_scaling.kind == RopeScaling::Kind::Llama3) {
    auto factors = std::make_shared<std::vector<float>>(llama3_rope_factors(hp));
    c.sources.push_back(factors);
    c.writer.add_tensor("rope_freqs.weight", GgmlType::F32, {factors->size()}, [factors](uint8_t* dst) {
      std::memcpy(dst, factors->data(), factors->size() * sizeof(float));
    });
  }
  for (uint32_t i = 0; i < hp.n_layer; ++i) {
    add(hf_layer(i, "input_layernorm.weight"), blk(i, "attn_norm.weight"), {hp.n_embd}, 0);
    add(hf_layer(i, "self_attn.q_proj.weight"), blk(i, "attn_q.weight"), {q_rows, hp.n_embd}, hp.n_head);
    add(hf_layer(i, "self_attn.k_proj.weight"), blk(i, "attn_k.weight"), {kv_rows, hp.n_embd}, hp.n_head_kv);
    add(hf_layer(i, "self_attn.v_proj.weight"), blk(i, "attn_v.weight"), {kv_rows, hp.n_embd}, 0);
    add(hf_layer(i, "self_attn.o_proj.weight"), blk(i, "attn_output.weight"), {hp.n_embd, q_rows}, 0);
    if (hp.attention_bias) {
      add(hf_layer(i, "self_attn.q_proj.bias"), blk(i, "attn_q.bias"), {q_rows}, hp.n_head);
      add(hf_layer(i, "self_attn.k_proj.bias"), blk(i, "attn_k.bias"), {kv_rows}, hp.n_head_kv);
      add(hf_layer(i, "self_attn.v_proj.bias"), blk(i, "attn_v.bias"), {kv_rows}, 0);
      add(hf_layer(i, "self_attn.o_proj.bias"), blk(i, "attn_output.bias"), {hp.n_embd}, 0);
    }
    add(hf_layer(i, "post_attention_layernorm.weight"), blk(i, "ffn_norm.weight"), {hp.n_embd}, 0);
    add(hf_layer(i, "mlp.gate_proj.weight"), blk(i, "ffn_gate.weight"), {hp.n_ff, hp.n_embd}, 0);
    add(hf_layer(i, "mlp.up_proj.weight"), blk(i, "ffn_up.weight"), {hp.n_ff, hp.n_embd}, 0);
    add(hf_layer(i, "mlp.down_proj.weight"), blk(i, "ffn_down.weight"), {hp.n_embd, hp.n_ff}, 0);
  }
  add("model.norm.weight", "output_norm.weight", {hp.n_embd}, 0);
  if (!hp.tied_embeddings) add("lm_head.weight", "output.weight", {hp.n_vocab, hp.n_embd}, 0);
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
  const LlamaHParams& hp = c.hparams;
  const std::string tok_path = opt.llama2c_tokenizer.empty() ? find_llama2c_tokenizer(path, hp.n_vocab) : opt.llama2c_tokenizer;
  const MappedFile tok_file(tok_path);
  const Llama2cVocab lv = parse_llama2c_tokenizer(tok_file.bytes(), hp.n_vocab, tok_path);
  const VocabData vocab = vocab_from_llama2c(lv.pieces, lv.scores);

  c.matrix_type = opt.out_type.value_or(GgmlType::F32);
  write_llama_hparams(c.writer, hp, opt.name.empty() ? fs::path(path).stem().string() : opt.name, c.matrix_type);
  vocab.write_to(c.writer);

  // Slices of layer l of a (layer, rows, cols) stack; llama2.c's q/k rows are already interleaved as GGUF wants.
  auto add = [&](const std::string& name, const float* base, uint32_t layer, uint64_t rows, uint64_t cols) {
    const float* src = base + layer * rows * cols;
    std::vector<uint64_t> dims = rows == 1 ? std::vector<uint64_t>{cols} : std::vector<uint64_t>{cols, rows};
    add_weight(c, name, std::move(dims), [src, n = rows * cols](float* out) { std::memcpy(out, src, n * sizeof(float)); });
  };
  const uint64_t dim = hp.n_embd, q = uint64_t{hp.n_head} * hp.head_dim, kv = uint64_t{hp.n_head_kv} * hp.head_dim;
  add("token_embd.weight", w.token_embedding, 0, hp.n_vocab, dim);
  for (uint32_t l = 0; l < hp.n_layer; ++l) {
    add(blk(l, "attn_norm.weight"), w.rms_att, l, 1, dim);
    add(blk(l, "attn_q.weight"), w.wq, l, q, dim);
    add(blk(l, "attn_k.weight"), w.wk, l, kv, dim);
    add(blk(l, "attn_v.weight"), w.wv, l, kv, dim);
    add(blk(l, "attn_output.weight"), w.wo, l, dim, q);
    add(blk(l, "ffn_norm.weight"), w.rms_ffn, l, 1, dim);
    add(blk(l, "ffn_gate.weight"), w.w1, l, hp.n_ff, dim);
    add(blk(l, "ffn_down.weight"), w.w2, l, dim, hp.n_ff);
    add(blk(l, "ffn_up.weight"), w.w3, l, hp.n_ff, dim);
  }
  add("output_norm.weight", w.rms_final, 0, 1, dim);
  if (!hp.tied_embeddings) add("output.weight", w.wcls, 0, hp.n_vocab, dim);
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

std::vector<float> llama3_rope_factors(const LlamaHParams& hp) {
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
