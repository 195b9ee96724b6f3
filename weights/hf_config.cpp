// config.json -> ModelHParams, and the validation every source of hyperparameters goes through.
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "weights/error.h"
#include "weights/architecture.h"
#include "weights/model_hparams.h"

namespace edt {
namespace {

using nlohmann::json;

uint32_t require_u32(const json& j, const char* key, const std::string& source) {
  if (!j.contains(key)) throw FormatError(source + ": required key '" + key + "' is missing");
  const json& v = j[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 0xffffffffLL)
    throw FormatError(source + ": key '" + key + "' is " + v.dump() + ", expected a non-negative integer");
  return v.get<uint32_t>();
}

float get_float(const json& j, const char* key, float fallback, const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) throw FormatError(source + ": key '" + key + "' is " + j[key].dump() + ", expected a number");
  return j[key].get<float>();
}

bool get_bool(const json& j, const char* key, bool fallback, const std::string& source) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) throw FormatError(source + ": key '" + key + "' is " + j[key].dump() + ", expected true/false");
  return j[key].get<bool>();
}

int32_t get_token_id(const json& j, const char* key) {
  if (!j.contains(key)) return -1;
  const json& v = j[key];
  if (v.is_number_integer()) return v.get<int32_t>();
  if (v.is_array() && !v.empty() && v[0].is_number_integer()) return v[0].get<int32_t>();  // eos lists
  return -1;
}

void read_rope(const json& rope, ModelHParams& hp, const std::string& source, const std::string& key) {
  if (rope.is_null()) return;
  if (!rope.is_object()) throw FormatError(source + ": key '" + key + "' is not an object");
  if (rope.contains("rope_theta")) hp.rope_theta = get_float(rope, "rope_theta", hp.rope_theta, source);
  std::string type = "default";
  for (const char* k : {"rope_type", "type"})
    if (rope.contains(k) && rope[k].is_string()) type = rope[k].get<std::string>();
  if (rope.contains("partial_rotary_factor") && get_float(rope, "partial_rotary_factor", 1.0f, source) != 1.0f)
    throw FormatError(source + ": " + key + " partial_rotary_factor " + rope["partial_rotary_factor"].dump() +
                      " is not supported (partial RoPE)");
  if (type == "default") return;
  if (type == "longrope" || type == "su")
    throw FormatError(source + ": " + key + " type '" + type + "' (Phi-3 LongRoPE, rope_factors_long/short) is not supported");
  if (type == "linear") {
    hp.rope_scaling.kind = RopeScaling::Kind::Linear;
    hp.rope_scaling.factor = get_float(rope, "factor", 1.0f, source);
  } else if (type == "llama3") {
    hp.rope_scaling.kind = RopeScaling::Kind::Llama3;
    hp.rope_scaling.factor = get_float(rope, "factor", 8.0f, source);
    hp.rope_scaling.low_freq_factor = get_float(rope, "low_freq_factor", 1.0f, source);
    hp.rope_scaling.high_freq_factor = get_float(rope, "high_freq_factor", 4.0f, source);
    hp.rope_scaling.original_context = require_u32(rope, "original_max_position_embeddings", source + " " + key);
  } else {
    throw FormatError(source + ": " + key + " type '" + type + "' is not supported (expected default, linear or llama3)");
  }
}

}  // namespace

void ModelHParams::validate(const std::string& source) const {
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) throw FormatError(source + ": " + what);
  };
  check(n_vocab >= 1 && n_vocab <= (1u << 24), "vocabulary size " + std::to_string(n_vocab) + " is outside 1..16777216");
  check(n_embd >= 1 && n_embd <= (1u << 17), "hidden size " + std::to_string(n_embd) + " is outside 1..131072");
  check(n_ff >= 1 && n_ff <= (1u << 20), "feed-forward size " + std::to_string(n_ff) + " is outside 1..1048576");
  check(n_layer >= 1 && n_layer <= 1024, "layer count " + std::to_string(n_layer) + " is outside 1..1024");
  check(n_head >= 1 && n_head <= 1024, "head count " + std::to_string(n_head) + " is outside 1..1024");
  check(n_head_kv >= 1 && n_head_kv <= n_head && n_head % n_head_kv == 0,
        "KV head count " + std::to_string(n_head_kv) + " must divide the head count " + std::to_string(n_head));
  check(head_dim >= 2 && head_dim <= 1024 && head_dim % 2 == 0,
        "head dimension " + std::to_string(head_dim) + " must be even and within 2..1024");
  check(n_ctx_train >= 1 && n_ctx_train <= (1u << 24),
        "context length " + std::to_string(n_ctx_train) + " is outside 1..16777216");
  check(std::isfinite(rope_theta) && rope_theta > 0, "rope theta must be a positive number");
  check(std::isfinite(rms_eps) && rms_eps > 0 && rms_eps < 1, "RMSNorm epsilon must be in (0, 1)");
  check(std::isfinite(rope_scaling.factor) && rope_scaling.factor > 0, "RoPE scaling factor must be positive");
  if (rope_scaling.kind == RopeScaling::Kind::Llama3)
    check(rope_scaling.high_freq_factor > rope_scaling.low_freq_factor && rope_scaling.original_context > 0,
          "llama3 RoPE scaling needs high_freq_factor > low_freq_factor and a positive original context");
  check(std::isfinite(attn_softcap) && attn_softcap >= 0 && std::isfinite(final_softcap) && final_softcap >= 0,
        "softcapping values must be non-negative numbers");
  check(sliding_window <= (1u << 24), "sliding window " + std::to_string(sliding_window) + " is outside 0..16777216");
  check(bos_id < static_cast<int64_t>(n_vocab) && eos_id < static_cast<int64_t>(n_vocab),
        "BOS/EOS token id outside the vocabulary of " + std::to_string(n_vocab));
}

ModelHParams parse_hf_config(const std::string& json_text, const std::string& source) {
  const json j = json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(source + ": not a JSON object");
  std::string model_type = "llama";
  if (j.contains("model_type")) {
    if (!j["model_type"].is_string()) throw FormatError(source + ": key 'model_type' is not a string");
    model_type = j["model_type"].get<std::string>();
  }
  const Architecture& arch = architecture_for_model_type(model_type, source);
  const bool gemma = arch.activation == Activation::GeluTanh;
  ModelHParams hp;
  hp.arch = arch.name;
  // Gemma's MLP reads hidden_activation (default gelu_pytorch_tanh) and ignores hidden_act; the others use hidden_act.
  if (gemma) {
    if (j.contains("hidden_activation") && !j["hidden_activation"].is_null() &&
        j["hidden_activation"] != "gelu_pytorch_tanh")
      throw FormatError(source + ": hidden_activation " + j["hidden_activation"].dump() +
                        " is not supported, expected \"gelu_pytorch_tanh\"");
  } else if (j.contains("hidden_act") && j["hidden_act"] != "silu") {
    throw FormatError(source + ": hidden_act " + j["hidden_act"].dump() + " is not supported, expected \"silu\"");
  }
  if (get_bool(j, "mlp_bias", false, source)) throw FormatError(source + ": mlp_bias = true is not supported");
  hp.n_vocab = require_u32(j, "vocab_size", source);
  hp.n_embd = require_u32(j, "hidden_size", source);
  hp.n_ff = require_u32(j, "intermediate_size", source);
  hp.n_layer = require_u32(j, "num_hidden_layers", source);
  hp.n_head = require_u32(j, "num_attention_heads", source);
  hp.n_head_kv = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                     ? require_u32(j, "num_key_value_heads", source)
                     : hp.n_head;
  if (hp.n_head == 0) throw FormatError(source + ": num_attention_heads is 0");
  hp.head_dim = j.contains("head_dim") && !j["head_dim"].is_null() ? require_u32(j, "head_dim", source)
                                                                    : hp.n_embd / hp.n_head;
  hp.n_ctx_train = j.contains("max_position_embeddings") ? require_u32(j, "max_position_embeddings", source) : 2048;
  hp.rms_eps = get_float(j, "rms_norm_eps", 1e-6f, source);
  hp.rope_theta = get_float(j, "rope_theta", 10000.0f, source);
  // Gemma's configs tie by default and often omit the key.
  hp.tied_embeddings = get_bool(j, "tie_word_embeddings", gemma, source);
  hp.attention_bias = arch.find(TensorSlot::Bo) ? get_bool(j, "attention_bias", false, source) : false;
  if (j.contains("rope_scaling")) read_rope(j["rope_scaling"], hp, source, "rope_scaling");
  if (j.contains("rope_parameters")) read_rope(j["rope_parameters"], hp, source, "rope_parameters");
  hp.bos_id = get_token_id(j, "bos_token_id");
  hp.eos_id = get_token_id(j, "eos_token_id");
  if (arch.key_original_context && j.contains("original_max_position_embeddings"))
    hp.original_context = require_u32(j, "original_max_position_embeddings", source);

  // Sliding window: Mistral and Phi-3 slide every layer when sliding_window is set; Qwen2 only with
  // use_sliding_window (then on some layers, which llama.cpp cannot represent); Gemma-2 on even layers.
  const bool window_key = j.contains("sliding_window") && !j["sliding_window"].is_null();
  if (model_type == "qwen2") {
    if (get_bool(j, "use_sliding_window", false, source))
      throw FormatError(source + ": use_sliding_window = true (Qwen2 sliding-window attention) is not supported");
  } else if (arch.sliding_window && window_key) {
    hp.sliding_window = require_u32(j, "sliding_window", source);
  }
  if (arch.softcaps) {
    hp.attn_softcap = get_float(j, "attn_logit_softcapping", 0.0f, source);
    hp.final_softcap = get_float(j, "final_logit_softcapping", 0.0f, source);
  }
  hp.validate(source);
  // Gemma-2 scales scores by query_pre_attn_scalar^-0.5 (a GGUF cannot say it; see gguf_attention_scale).
  if (arch.attention_scale == AttentionScaleRule::Gemma2LayerCount) {
    if (!j.contains("query_pre_attn_scalar") || !j["query_pre_attn_scalar"].is_number())
      throw FormatError(source + ": required key 'query_pre_attn_scalar' is missing");
    const double s = j["query_pre_attn_scalar"].get<double>();
    if (!(s > 0)) throw FormatError(source + ": query_pre_attn_scalar must be positive");
    hp.attn_scale = static_cast<float>(1.0 / std::sqrt(s));
  } else {
    hp.attn_scale = 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
  }
  resolve_layer_windows(arch, hp);
  // transformers 5 spells the layer pattern out; it must be the one the table (and llama.cpp) assumes.
  if (j.contains("layer_types") && j["layer_types"].is_array()) {
    const json& types = j["layer_types"];
    if (types.size() != hp.n_layer)
      throw FormatError(source + ": layer_types has " + std::to_string(types.size()) + " entries, expected " +
                        std::to_string(hp.n_layer));
    for (uint32_t l = 0; l < hp.n_layer; ++l) {
      const char* want = hp.layer_window[l] ? "sliding_attention" : "full_attention";
      if (types[l] != want)
        throw FormatError(source + ": layer_types[" + std::to_string(l) + "] is " + types[l].dump() + ", but a " +
                          arch.name + " model with this sliding_window has \"" + want + "\" there");
    }
  }
  return hp;
}

ModelHParams read_hf_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_hf_config(ss.str(), path);
}

}  // namespace edt
