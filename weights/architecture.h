#pragma once
// The model families this engine runs, one row each: what the GGUF keys are prefixed with, which tensors exist
// (GGUF and Hugging Face names, shapes, fused or separate, required or optional) and how the graph differs (RoPE
// layout, norm offset, activation, embedding scale, attention-scale rule, softcaps, sliding layers). The binder
// (engine/model.cpp), the converter, `edt mkmodel`, the graph and the tests all read this table; nothing else
// lists tensor names. The conventions are llama.cpp's (b4747), so that files written here load there.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weights/model_hparams.h"

namespace edt {

// NORM: pairs (x[2i], x[2i+1]) — arch `llama` GGUFs, whose q/k rows the converter permuted from HF's layout.
// NEOX: pairs (x[i], x[i + d/2]) — HF's rotate-half, and the GGUF layout of every other family (no permutation).
enum class RopeStyle { Norm, Neox };
// Of the gate projection, times the up projection: SwiGLU, or GeGLU with the tanh approximation of GELU.
enum class Activation { Silu, GeluTanh };
// 1/sqrt(head_dim); or Gemma-2's rule, which llama.cpp keys on the layer count (its GGUF has no scale key).
enum class AttentionScaleRule { HeadDim, Gemma2LayerCount };
// Which layers a sliding window (when the model has one) applies to.
enum class SlidingLayers { All, Even };

// Where a tensor goes in the model's weights.
enum class TensorSlot {
  TokenEmbd, OutputNorm, Output,
  AttnNorm, Wq, Wk, Wv, Wqkv, Wo, Bq, Bk, Bv, Bo, PostAttnNorm,
  FfnNorm, Wgate, Wup, WgateUp, Wdown, PostFfnNorm,
};
// A tensor extent in terms of the hyperparameters; One marks a vector's missing second extent.
enum class Extent { One, Embd, Q, Kv, Qkv, Ff, Ff2, Vocab };
// Required; present iff config.json's attention_bias; present iff the output is not tied; or whatever the file has.
enum class Presence { Required, IfAttentionBias, IfUntied, Optional };

struct TensorSpec {
  const char* gguf;  // GGUF name; per-layer tensors are "blk.N." + this
  const char* hf;    // safetensors name; per-layer tensors are "model.layers.N." + this
  TensorSlot slot;
  bool per_layer;
  Extent rows, cols;  // PyTorch order (out, in); vectors have cols == One. GGUF stores dims reversed.
  Presence presence;
  bool is_norm() const;
};

struct Architecture {
  const char* name;                         // general.architecture, and the prefix of its GGUF keys
  std::vector<const char*> hf_model_types;  // config.json model_type values that convert to this row
  std::vector<TensorSpec> tensors;
  RopeStyle rope;
  float norm_offset;         // HF's RMSNorm multiplies by (offset + w); the GGUF stores offset + w (Gemma: 1)
  bool embd_scale_sqrt_dim;  // embeddings × sqrt(n_embd) (Gemma)
  Activation activation;
  AttentionScaleRule attention_scale;
  bool softcaps;             // the family has attention and final-logit softcapping keys
  bool sliding_window;       // the family has a `.attention.sliding_window` key
  SlidingLayers sliding_layers;
  bool spm_no_space_prefix;  // llama.cpp's converter writes tokenizer.ggml.add_space_prefix = false (Gemma)
  // GGUF keys llama.cpp's converter writes for this family (beyond the ones every family has).
  bool key_vocab_size, key_rope_dimension, key_freq_base, key_head_dim_always, key_original_context;

  const TensorSpec* find(TensorSlot slot) const;  // nullptr when the family has no such tensor
};

// The row named by general.architecture; throws FormatError naming source and listing the known ones.
const Architecture& architecture(std::string_view name, const std::string& source);
// The row a config.json model_type converts to ("mistral" -> llama, as llama.cpp's converter does).
const Architecture& architecture_for_model_type(std::string_view model_type, const std::string& source);
std::string known_architectures();   // "llama, qwen2, phi3, gemma2, gemma"
std::string known_model_types();     // "llama, mistral, qwen2, ..."

uint64_t extent(Extent e, const ModelHParams& hp);
std::string gguf_tensor_name(const TensorSpec& t, uint32_t layer);
std::string hf_tensor_name(const TensorSpec& t, uint32_t layer);
// Visits every tensor of the family in llama.cpp's file order: the global tensors listed before the first per-layer
// one, then layer by layer the per-layer ones, then the remaining globals. Layer is 0 for global tensors.
template <typename Fn>
void for_each_tensor(const Architecture& a, uint32_t n_layer, Fn&& fn) {
  size_t first_layer = a.tensors.size();
  for (size_t i = 0; i < a.tensors.size() && first_layer == a.tensors.size(); ++i)
    if (a.tensors[i].per_layer) first_layer = i;
  for (size_t i = 0; i < first_layer; ++i) fn(a.tensors[i], 0u);
  for (uint32_t l = 0; l < n_layer; ++l)
    for (const TensorSpec& t : a.tensors)
      if (t.per_layer) fn(t, l);
  for (size_t i = first_layer; i < a.tensors.size(); ++i)
    if (!a.tensors[i].per_layer) fn(a.tensors[i], 0u);
}

// Whether spec t is in a file of these hyperparameters (IfAttentionBias / IfUntied resolved; Optional counts as yes).
bool tensor_expected(const TensorSpec& t, const ModelHParams& hp);

// The attention scale of a GGUF of this family: 1/sqrt(head_dim), or Gemma-2's by layer count (26 or 42 layers:
// 1/sqrt(head_dim); 46: 1/sqrt(n_embd / n_head)); throws naming source for any other Gemma-2 layer count.
float gguf_attention_scale(const Architecture& a, const ModelHParams& hp, const std::string& source);
// Fills hp.layer_window from hp.sliding_window and the family's layer rule.
void resolve_layer_windows(const Architecture& a, ModelHParams& hp);

}  // namespace edt
