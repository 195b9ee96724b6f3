#pragma once
// The hyperparameters of a LLaMA-family model, whatever file they came from (config.json, a llama2.c header or
// GGUF keys), validated in one place so that absurd values are refused before anything is sized from them.
#include <cstdint>
#include <string>

namespace edt {

struct RopeScaling {
  enum class Kind { None, Linear, Llama3 };
  Kind kind = Kind::None;
  float factor = 1.0f;
  float low_freq_factor = 1.0f;    // llama3 only
  float high_freq_factor = 4.0f;   // llama3 only
  uint32_t original_context = 8192;  // llama3 only
};

struct LlamaHParams {
  uint32_t n_vocab = 0;
  uint32_t n_embd = 0;      // hidden size
  uint32_t n_ff = 0;        // intermediate (SwiGLU) size
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;    // n_embd / n_head unless the model says otherwise
  uint32_t n_ctx_train = 0;
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;
  bool attention_bias = false;  // q, k, v and o projections carry biases
  RopeScaling rope_scaling;
  int32_t bos_id = -1;
  int32_t eos_id = -1;

  bool explicit_head_dim() const { return head_dim * n_head != n_embd; }
  // Throws FormatError naming source and the field when a value is out of any real model's range.
  void validate(const std::string& source) const;
};

// Reads a Hugging Face config.json (LlamaForCausalLM), accepting both `rope_scaling` + `rope_theta` and the
// transformers-5 `rope_parameters` spelling.
LlamaHParams read_hf_config(const std::string& path);
LlamaHParams parse_hf_config(const std::string& json_text, const std::string& source);

}  // namespace edt
