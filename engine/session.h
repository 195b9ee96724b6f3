#pragma once
// One conversation with a model: its KV cache, its scratch buffers (all allocated here, none per token) and its
// position. prefill() runs a batch of tokens through the graph with GEMMs; decode() runs one with matrix-vector
// products; both write the same cache, so any mix of the two gives the same logits.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/kv_cache.h"
#include "engine/model.h"

namespace edt {

struct SessionOptions {
  uint32_t n_ctx = 0;       // 0: the model's training context
  uint32_t max_batch = 512;  // prefill chunk; longer prompts are processed in chunks
  int n_threads = 1;
  KvType kv_type = KvType::F32;  // F16 halves the cache and what attention reads at depth, at ~1e-3 relative error
};

class Session {
 public:
  Session(std::shared_ptr<const Model> model, const SessionOptions& options);

  // Runs tokens at positions pos()..pos()+n-1 and returns the last one's logits (vocab). Throws FormatError when
  // the tokens would pass the context or an id is outside the vocabulary. The span stays valid until the next call.
  std::span<const float> prefill(std::span<const int32_t> tokens);
  // The same, writing every position's logits to out (n, vocab).
  void prefill_all_logits(std::span<const int32_t> tokens, float* out);
  // One token: returns its logits (vocab).
  std::span<const float> decode(int32_t token);

  uint32_t pos() const { return pos_; }
  uint32_t n_ctx() const { return n_ctx_; }
  void reset() { pos_ = 0; }  // forget the conversation (the cache is overwritten as it is refilled)
  // Keep only the first pos positions (a chat rewinds to the prefix its next prompt shares with the cache); the
  // rows past pos are overwritten as the session continues. pos >= pos() changes nothing.
  void truncate(uint32_t pos) {
    if (pos < pos_) pos_ = pos;
  }
  void set_threads(int n);
  const Model& model() const { return *model_; }

 private:
  // Runs n <= max_batch tokens at pos_ and advances pos_. Writes the logits of every row (n, vocab) to out when
  // all_rows, else of the last row only (vocab); out may be null when no logits are needed.
  void forward(const int32_t* tokens, size_t n, float* out, bool all_rows);
  void check_tokens(std::span<const int32_t> tokens) const;

  std::shared_ptr<const Model> model_;
  uint32_t n_ctx_;
  uint32_t max_batch_;
  int n_threads_;
  uint32_t pos_ = 0;
  KvCache cache_;

  // Scratch, sized for max_batch rows.
  std::vector<float> x_;        // (batch, dim) residual stream
  std::vector<float> xn_;       // (batch, dim) normalised input of a block
  std::vector<float> q_;        // (batch, q_dim)
  std::vector<float> k_;        // (batch, kv_dim)
  std::vector<float> v_;        // (batch, kv_dim)
  std::vector<float> att_out_;  // (batch, q_dim) attention output before the o-projection
  std::vector<float> proj_;     // (batch, dim) o-projection / down-projection output
  std::vector<float> gate_;     // (batch, ff)
  std::vector<float> up_;       // (batch, ff)
  std::vector<float> scores_;   // attention weights: (block rows, n_ctx) batched, or (threads, n_ctx) per query
  std::vector<float> rope_cos_; // (batch, head_dim/2)
  std::vector<float> rope_sin_; // (batch, head_dim/2)
  size_t max_cols_ = 0;              // widest weight row: max(dim, ff, q_dim)
  std::vector<float> gemm_scratch_;  // (threads, kGemmBlockRows, max_cols) dequantized weight rows
  std::vector<float> logits_;   // (vocab) logits of the last token
};

}  // namespace edt
