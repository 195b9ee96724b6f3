#pragma once
// A loaded LLaMA model: its GGUF file (mapped, or converted in memory), the validated hyperparameters and the
// weights bound by name with their shapes and types checked. Immutable after load, so any number of sessions can
// run on one Model at the same time.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/ops/linear.h"
#include "weights/gguf.h"
#include "weights/llama_hparams.h"

namespace edt {

struct LayerWeights {
  const float* attn_norm = nullptr;  // (dim)
  WeightMatrix wq, wk, wv, wo;       // (q_dim, dim), (kv_dim, dim), (kv_dim, dim), (dim, q_dim)
  const float* bq = nullptr;         // (q_dim) or null
  const float* bk = nullptr;         // (kv_dim) or null
  const float* bv = nullptr;         // (kv_dim) or null
  const float* bo = nullptr;         // (dim) or null
  const float* ffn_norm = nullptr;   // (dim)
  WeightMatrix w_gate, w_up, w_down;  // (ff, dim), (ff, dim), (dim, ff)
};

struct ModelWeights {
  WeightMatrix token_embd;         // (vocab, dim)
  std::vector<LayerWeights> layers;
  const float* output_norm = nullptr;  // (dim)
  WeightMatrix output;             // (vocab, dim); the embedding when tied
  std::vector<double> rope_inv_freq;  // (head_dim/2) inverse frequencies, llama3 factors and linear scaling applied
};

class Model {
 public:
  // Loads a GGUF file (memory-mapped, zero-copy). isa: the level every kernel of this model and its sessions runs
  // at (the process's level unless a caller such as a test asks for another one the CPU has).
  static std::shared_ptr<Model> load(const std::string& path, Isa isa = process_isa());
  // Loads GGUF bytes held in memory (e.g. converted on the fly); the model keeps them.
  static std::shared_ptr<Model> from_bytes(std::vector<uint8_t> bytes, const std::string& source,
                                           Isa isa = process_isa());

  const LlamaHParams& hparams() const { return hp_; }
  const ModelWeights& weights() const { return w_; }
  const GgufFile& gguf() const { return gguf_; }
  Isa isa() const { return isa_; }
  const std::string& source() const { return gguf_.source; }

 private:
  Model() = default;
  void bind(std::span<const uint8_t> bytes, const std::string& source, Isa isa);

  std::shared_ptr<const void> storage_;  // the mapping or the byte vector the tensors point into
  GgufFile gguf_;
  LlamaHParams hp_;
  ModelWeights w_;
  Isa isa_ = Isa::Scalar;
};

}  // namespace edt
