#pragma once
// The hyperparameters of a model of any family in weights/architecture.h, whatever file they came from
// (config.json, a llama2.c header or GGUF keys), validated in one place so that absurd values are refused before
// anything is sized from them.
#include <cstdint>
#include <string>
#include <vector>

namespace edt {

struct RopeScaling {
  enum class Kind { None, Linear, Llama3 };
  Kind kind = Kind::None;
  float factor = 1.0f;
  float low_freq_factor = 1.0f;    // llama3 only
  float high_freq_factor = 4.0f;   // llama3 only
  uint32_t original_context = 8192;  // llama3 only
};

struct ModelHParams {
  std::string arch = "llama";  // general.architecture: the row of the architecture table
  uint32_t n_vocab = 0;
  uint32_t n_embd = 0;      // hidden size
  uint32_t n_ff = 0;        // intermediate (gated feed-forward) size
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;    // n_embd / n_head unless the model says otherwise
  uint32_t n_ctx_train = 0;
  uint32_t original_context = 0;  // Phi-3's rope.scaling.original_context_length (written, not used: no LongRoPE)
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;
  bool attention_bias = false;  // llama: q, k, v and o projections carry biases (Qwen2's q/k/v biases are the table's)
  RopeScaling rope_scaling;
  float attn_scale = 0.0f;      // scores = scale · q·k; 0 until resolved by resolve_attention_scale()
  float attn_softcap = 0.0f;    // cap · tanh(score / cap) on the scaled scores before the mask; 0: none
  float final_softcap = 0.0f;   // cap · tanh(logit / cap) on the output logits; 0: none
  uint32_t sliding_window = 0;  // keys a sliding layer's query sees, itself included; 0: none
  std::vector<uint32_t> layer_window;  // (n_layer) each layer's window (0: full), from the table's layer rule
  int32_t bos_id = -1;
  int32_t eos_id = -1;

  bool explicit_head_dim() const { return head_dim * n_head != n_embd; }
  // Throws FormatError naming source and the field when a value is out of any real model's range.
  void validate(const std::string& source) const;
};

// Reads a Hugging Face config.json (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Phi3ForCausalLM,
// Gemma2ForCausalLM, GemmaForCausalLM), accepting both `rope_scaling` + `rope_theta` and the transformers-5
// `rope_parameters` spelling. The result has its architecture's attention scale and layer windows resolved.
ModelHParams read_hf_config(const std::string& path);
ModelHParams parse_hf_config(const std::string& json_text, const std::string& source);

}  // namespace edt
