#pragma once
// A loaded model of any family in weights/architecture.h: its GGUF file (mapped, or converted in memory), its row
// of the architecture table, the validated hyperparameters and the weights bound by the table's names with their
// shapes and types checked (fused tensors are bound as views of their parts). Immutable after load, so any number of sessions can
// run on one Model at the same time.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/ops/linear.h"
#include "weights/architecture.h"
#include "weights/gguf.h"
#include "weights/model_hparams.h"

namespace edt {

struct LayerWeights {
  const float* attn_norm = nullptr;  // (dim)
  const float* post_attn_norm = nullptr;  // (dim) on the attention output before the residual add (Gemma-2), or null
  const float* post_ffn_norm = nullptr;   // (dim) on the feed-forward output before the residual add, or null
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

// Whether models load repacked unless a caller says (true; the tools' --no-repack sets false for the process, as
// --isa sets its level: set once at start, before any model loads).
bool process_repack();
void set_process_repack(bool repack);

class Model {
 public:
  // Loads a GGUF file (memory-mapped, zero-copy). isa: the level every kernel of this model and its sessions runs
  // at (the process's level unless a caller such as a test asks for another one the CPU has).
  // repack: rearrange the matrices whose type has a faster layout at isa into it, in place (engine/ops/
  // weight_repack.h); false keeps every matrix as stored (to measure what repacking gives).
  static std::shared_ptr<Model> load(const std::string& path, Isa isa = process_isa(),
                                     bool repack = process_repack());
  // Loads GGUF bytes held in memory (e.g. converted on the fly); the model keeps them.
  static std::shared_ptr<Model> from_bytes(std::vector<uint8_t> bytes, const std::string& source,
                                           Isa isa = process_isa(), bool repack = process_repack());
  // The same weights read under another architecture row or hyperparameters: how the tests show that each
  // convention matters (flip one field, the reference logits no longer match). Shapes must stay the same.
  static std::shared_ptr<Model> variant(const std::shared_ptr<const Model>& base, const Architecture& arch,
                                        const ModelHParams& hp);

  const ModelHParams& hparams() const { return hp_; }
  const Architecture& architecture() const { return arch_; }
  const ModelWeights& weights() const { return w_; }
  const GgufFile& gguf() const { return gguf_; }
  Isa isa() const { return isa_; }
  // Matrices rearranged at load into a repacked layout (0 with repack off, or where no type of the model has one).
  size_t repacked_matrices() const { return repacked_; }
  const std::string& source() const { return gguf_.source; }

 private:
  Model() = default;
  void bind(std::span<const uint8_t> bytes, const std::string& source, Isa isa);
  // Repacks every matrix that multiplies (not the token embeddings, unless tied to the output). writable(p, n):
  // the storage's bytes [p, p + n) made writable.
  void repack(const std::function<uint8_t*(const uint8_t*, size_t)>& writable);

  std::shared_ptr<const void> storage_;  // the mapping or the byte vector the tensors point into
  GgufFile gguf_;
  ModelHParams hp_;
  Architecture arch_;  // a copy of the table row, so that variant() can change a field
  ModelWeights w_;
  Isa isa_ = Isa::Scalar;
  size_t repacked_ = 0;
};

}  // namespace edt
