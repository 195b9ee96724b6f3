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
// Whether long prompt chunks multiply f16/bf16 weights in bfloat16 unless a caller says (false: exactly in f32, which
// keeps the forward passes' 1e-4 references; the tools' --bf16-prompts sets true for the process). The bf16 form
// rounds weights and activations to bf16 and sums their products in f32 (kernel_table.h's prompt_bf16 states the
// bound); it exists for the repacked F16x16 and BF16x16 layouts where the CPU has AVX512_BF16 or AMX-BF16.
bool process_bf16_prompts();
void set_process_bf16_prompts(bool bf16);

class Model {
 public:
  // Loads a GGUF file (memory-mapped, zero-copy). isa: the level every kernel of this model and its sessions runs
  // at (the process's level unless a caller such as a test asks for another one the CPU has).
  // repack: rearrange the matrices whose type has a faster layout at isa into it, in place (engine/ops/
  // weight_repack.h); false keeps every matrix as stored (to measure what repacking gives).
  // bf16_prompts: bind the bf16 prompt form where a matrix's layout has one on this CPU (process_bf16_prompts()).
  static std::shared_ptr<Model> load(const std::string& path, Isa isa = process_isa(),
                                     bool repack = process_repack(), bool bf16_prompts = process_bf16_prompts());
  // Loads GGUF bytes held in memory (e.g. converted on the fly); the model keeps them.
  static std::shared_ptr<Model> from_bytes(std::vector<uint8_t> bytes, const std::string& source,
                                           Isa isa = process_isa(), bool repack = process_repack(),
                                           bool bf16_prompts = process_bf16_prompts());
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
  // Matrices whose long prompts run in bf16 (0 unless bf16_prompts, and where no layout has the form on this CPU).
  size_t bf16_prompt_matrices() const { return bf16_prompts_; }
  const std::string& source() const { return gguf_.source; }

 private:
  Model() = default;
  void bind(std::span<const uint8_t> bytes, const std::string& source, Isa isa);
  // Repacks every matrix that multiplies (not the token embeddings, unless tied to the output). writable(p, n):
  // the storage's bytes [p, p + n) made writable.
  void repack(const std::function<uint8_t*(const uint8_t*, size_t)>& writable);
  void use_bf16_prompts();

  std::shared_ptr<const void> storage_;  // the mapping or the byte vector the tensors point into
  GgufFile gguf_;
  ModelHParams hp_;
  Architecture arch_;  // a copy of the table row, so that variant() can change a field
  ModelWeights w_;
  Isa isa_ = Isa::Scalar;
  size_t repacked_ = 0;
  size_t bf16_prompts_ = 0;
};

}  // namespace edt
