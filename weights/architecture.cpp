#include "weights/architecture.h"

#include <cmath>

#include "weights/error.h"

namespace edt {
namespace {

using S = TensorSlot;
using E = Extent;
using P = Presence;

// Tensors every family has, and the separate-projection blocks most of them share.
const TensorSpec kTokenEmbd{"token_embd.weight", "model.embed_tokens.weight", S::TokenEmbd, false, E::Vocab, E::Embd, P::Required};
const TensorSpec kOutputNorm{"output_norm.weight", "model.norm.weight", S::OutputNorm, false, E::Embd, E::One, P::Required};
const TensorSpec kAttnNorm{"attn_norm.weight", "input_layernorm.weight", S::AttnNorm, true, E::Embd, E::One, P::Required};
const TensorSpec kWq{"attn_q.weight", "self_attn.q_proj.weight", S::Wq, true, E::Q, E::Embd, P::Required};
const TensorSpec kWk{"attn_k.weight", "self_attn.k_proj.weight", S::Wk, true, E::Kv, E::Embd, P::Required};
const TensorSpec kWv{"attn_v.weight", "self_attn.v_proj.weight", S::Wv, true, E::Kv, E::Embd, P::Required};
const TensorSpec kWo{"attn_output.weight", "self_attn.o_proj.weight", S::Wo, true, E::Embd, E::Q, P::Required};
const TensorSpec kGate{"ffn_gate.weight", "mlp.gate_proj.weight", S::Wgate, true, E::Ff, E::Embd, P::Required};
const TensorSpec kUp{"ffn_up.weight", "mlp.up_proj.weight", S::Wup, true, E::Ff, E::Embd, P::Required};
const TensorSpec kDown{"ffn_down.weight", "mlp.down_proj.weight", S::Wdown, true, E::Embd, E::Ff, P::Required};
// HF's post_attention_layernorm is the pre-FFN norm everywhere but Gemma-2 (where it follows the attention).
const TensorSpec kFfnNorm{"ffn_norm.weight", "post_attention_layernorm.weight", S::FfnNorm, true, E::Embd, E::One, P::Required};

const std::vector<Architecture>& architecture_table() {
  static const std::vector<Architecture> rows = {
      {.name = "llama",
       .hf_model_types = {"llama", "mistral"},
       .tensors = {kTokenEmbd, kAttnNorm, kWq, kWk, kWv, kWo,
                   {"attn_q.bias", "self_attn.q_proj.bias", S::Bq, true, E::Q, E::One, P::IfAttentionBias},
                   {"attn_k.bias", "self_attn.k_proj.bias", S::Bk, true, E::Kv, E::One, P::IfAttentionBias},
                   {"attn_v.bias", "self_attn.v_proj.bias", S::Bv, true, E::Kv, E::One, P::IfAttentionBias},
                   {"attn_output.bias", "self_attn.o_proj.bias", S::Bo, true, E::Embd, E::One, P::IfAttentionBias},
                   kFfnNorm, kGate, kUp, kDown, kOutputNorm,
                   {"output.weight", "lm_head.weight", S::Output, false, E::Vocab, E::Embd, P::IfUntied}},
       .rope = RopeStyle::Norm,
       .norm_offset = 0.0f,
       .embd_scale_sqrt_dim = false,
       .activation = Activation::Silu,
       .attention_scale = AttentionScaleRule::HeadDim,
       .softcaps = false,
       // Not a llama.cpp key for `llama` (it ignores it): written for Mistral-7B-v0.1's 4096-token window.
       .sliding_window = true,
       .sliding_layers = SlidingLayers::All,
       .spm_no_space_prefix = false,
       .key_vocab_size = true, .key_rope_dimension = true, .key_freq_base = true, .key_head_dim_always = false,
       .key_original_context = false},
      {.name = "qwen2",
       .hf_model_types = {"qwen2"},
       .tensors = {kTokenEmbd, kAttnNorm, kDown, kGate, kUp, kFfnNorm,
                   {"attn_k.bias", "self_attn.k_proj.bias", S::Bk, true, E::Kv, E::One, P::Required}, kWk, kWo,
                   {"attn_q.bias", "self_attn.q_proj.bias", S::Bq, true, E::Q, E::One, P::Required}, kWq,
                   {"attn_v.bias", "self_attn.v_proj.bias", S::Bv, true, E::Kv, E::One, P::Required}, kWv,
                   kOutputNorm, {"output.weight", "lm_head.weight", S::Output, false, E::Vocab, E::Embd, P::IfUntied}},
       .rope = RopeStyle::Neox,
       .norm_offset = 0.0f,
       .embd_scale_sqrt_dim = false,
       .activation = Activation::Silu,
       .attention_scale = AttentionScaleRule::HeadDim,
       .softcaps = false,
       .sliding_window = false,
       .sliding_layers = SlidingLayers::All,
       .spm_no_space_prefix = false,
       .key_vocab_size = false, .key_rope_dimension = false, .key_freq_base = true, .key_head_dim_always = false,
       .key_original_context = false},
      {.name = "phi3",
       .hf_model_types = {"phi3"},
       .tensors = {{"output.weight", "lm_head.weight", S::Output, false, E::Vocab, E::Embd, P::Required}, kTokenEmbd,
                   kAttnNorm, kDown,
                   // Fused [gate | up] rows; SwiGLU = silu(first half) · second half.
                   {"ffn_up.weight", "mlp.gate_up_proj.weight", S::WgateUp, true, E::Ff2, E::Embd, P::Required},
                   kFfnNorm, kWo,
                   // Fused [q | k | v] rows.
                   {"attn_qkv.weight", "self_attn.qkv_proj.weight", S::Wqkv, true, E::Qkv, E::Embd, P::Required},
                   kOutputNorm},
       .rope = RopeStyle::Neox,
       .norm_offset = 0.0f,
       .embd_scale_sqrt_dim = false,
       .activation = Activation::Silu,
       .attention_scale = AttentionScaleRule::HeadDim,
       .softcaps = false,
       .sliding_window = true,
       .sliding_layers = SlidingLayers::All,
       .spm_no_space_prefix = false,
       .key_vocab_size = false, .key_rope_dimension = true, .key_freq_base = true, .key_head_dim_always = false,
       .key_original_context = true},
      {.name = "gemma2",
       .hf_model_types = {"gemma2"},
       .tensors = {kTokenEmbd, kAttnNorm, kDown, kGate, kUp,
                   {"post_attention_norm.weight", "post_attention_layernorm.weight", S::PostAttnNorm, true, E::Embd,
                    E::One, P::Required},
                   {"post_ffw_norm.weight", "post_feedforward_layernorm.weight", S::PostFfnNorm, true, E::Embd, E::One,
                    P::Required},
                   {"ffn_norm.weight", "pre_feedforward_layernorm.weight", S::FfnNorm, true, E::Embd, E::One,
                    P::Required},
                   kWk, kWo, kWq, kWv, kOutputNorm},  // always tied: no output tensor
       .rope = RopeStyle::Neox,
       .norm_offset = 1.0f,
       .embd_scale_sqrt_dim = true,
       .activation = Activation::GeluTanh,
       .attention_scale = AttentionScaleRule::Gemma2LayerCount,
       .softcaps = true,
       .sliding_window = true,
       .sliding_layers = SlidingLayers::Even,
       .spm_no_space_prefix = true,
       .key_vocab_size = false, .key_rope_dimension = false, .key_freq_base = false, .key_head_dim_always = true,
       .key_original_context = false},
      {.name = "gemma",
       .hf_model_types = {"gemma"},
       .tensors = {kTokenEmbd, kAttnNorm, kDown, kGate, kUp, kFfnNorm, kWk, kWo, kWq, kWv, kOutputNorm},
       .rope = RopeStyle::Neox,
       .norm_offset = 1.0f,
       .embd_scale_sqrt_dim = true,
       .activation = Activation::GeluTanh,
       .attention_scale = AttentionScaleRule::HeadDim,
       .softcaps = false,
       .sliding_window = false,
       .sliding_layers = SlidingLayers::All,
       .spm_no_space_prefix = true,
       .key_vocab_size = false, .key_rope_dimension = false, .key_freq_base = false, .key_head_dim_always = true,
       .key_original_context = false},
  };
  return rows;
}

}  // namespace

bool TensorSpec::is_norm() const {
  return slot == S::AttnNorm || slot == S::PostAttnNorm || slot == S::FfnNorm || slot == S::PostFfnNorm ||
         slot == S::OutputNorm;
}

const TensorSpec* Architecture::find(TensorSlot slot) const {
  for (const TensorSpec& t : tensors)
    if (t.slot == slot) return &t;
  return nullptr;
}

std::string known_architectures() {
  std::string out;
  for (const Architecture& a : architecture_table()) out += (out.empty() ? "" : ", ") + std::string(a.name);
  return out;
}

std::string known_model_types() {
  std::string out;
  for (const Architecture& a : architecture_table())
    for (const char* m : a.hf_model_types) out += (out.empty() ? "" : ", ") + std::string(m);
  return out;
}

const Architecture& architecture(std::string_view name, const std::string& source) {
  for (const Architecture& a : architecture_table())
    if (name == a.name) return a;
  throw FormatError(source + ": general.architecture is '" + std::string(name) +
                    "', which this engine does not know (known: " + known_architectures() + ")");
}

const Architecture& architecture_for_model_type(std::string_view model_type, const std::string& source) {
  for (const Architecture& a : architecture_table())
    for (const char* m : a.hf_model_types)
      if (model_type == m) return a;
  throw FormatError(source + ": model_type '" + std::string(model_type) + "' is not supported (known: " +
                    known_model_types() + ")");
}

uint64_t extent(Extent e, const ModelHParams& hp) {
  const uint64_t q = uint64_t{hp.n_head} * hp.head_dim, kv = uint64_t{hp.n_head_kv} * hp.head_dim;
  switch (e) {
    case E::One: return 1;
    case E::Embd: return hp.n_embd;
    case E::Q: return q;
    case E::Kv: return kv;
    case E::Qkv: return q + 2 * kv;
    case E::Ff: return hp.n_ff;
    case E::Ff2: return 2 * uint64_t{hp.n_ff};
    case E::Vocab: return hp.n_vocab;
  }
  return 0;
}

std::string gguf_tensor_name(const TensorSpec& t, uint32_t layer) {
  return t.per_layer ? "blk." + std::to_string(layer) + "." + t.gguf : std::string(t.gguf);
}

std::string hf_tensor_name(const TensorSpec& t, uint32_t layer) {
  return t.per_layer ? "model.layers." + std::to_string(layer) + "." + t.hf : std::string(t.hf);
}

bool tensor_expected(const TensorSpec& t, const ModelHParams& hp) {
  switch (t.presence) {
    case P::Required: return true;
    case P::IfAttentionBias: return hp.attention_bias;
    case P::IfUntied: return !hp.tied_embeddings;
    case P::Optional: return true;
  }
  return true;
}

float gguf_attention_scale(const Architecture& a, const ModelHParams& hp, const std::string& source) {
  if (a.attention_scale == AttentionScaleRule::HeadDim) return 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
  if (hp.n_layer == 26 || hp.n_layer == 42) return 1.0f / std::sqrt(static_cast<float>(hp.head_dim));
  if (hp.n_layer == 46) return 1.0f / std::sqrt(static_cast<float>(hp.n_embd / hp.n_head));
  throw FormatError(source + ": a " + std::string(a.name) + " GGUF holds no attention scale, and llama.cpp's rule " +
                    "knows it only for 26 or 42 layers (1/sqrt(head_dim)) or 46 (1/sqrt(hidden/heads)); this one has " +
                    std::to_string(hp.n_layer) + " layers");
}

void resolve_layer_windows(const Architecture& a, ModelHParams& hp) {
  hp.layer_window.assign(hp.n_layer, 0);
  if (hp.sliding_window == 0) return;
  for (uint32_t l = 0; l < hp.n_layer; ++l)
    if (a.sliding_layers == SlidingLayers::All || l % 2 == 0) hp.layer_window[l] = hp.sliding_window;
}

}  // namespace edt
