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
  uint32_t n_seq = 1;  // sequences (a server's slots), each with its own KV cache and position; the one-sequence
                       // calls below work on sequence 0
};

// One sequence's share of a batched step (step()): its next tokens, at its next positions.
struct SequenceChunk {
  uint32_t seq = 0;
  std::span<const int32_t> tokens;
  bool want_logits = false;  // write the logits of the chunk's last token
};

class Session {
 public:
  Session(std::shared_ptr<const Model> model, const SessionOptions& options);

  // Runs tokens at positions pos()..pos()+n-1 and returns the last one's logits (vocab). Throws RequestError when
  // the tokens would pass the context or an id is outside the vocabulary. The span stays valid until the next call.
  std::span<const float> prefill(std::span<const int32_t> tokens);
  // The same, writing every position's logits to out (n, vocab).
  void prefill_all_logits(std::span<const int32_t> tokens, float* out);
  // One token: returns its logits (vocab).
  std::span<const float> decode(int32_t token);

  // Continuous batching: one pass over the weights for chunks of several sequences (each sequence at most once;
  // at most max_batch() tokens in all). Attention keeps the sequences apart: each reads only its own cache. The
  // logits of the chunks that want them go to out (chunks wanting logits, vocab), in chunk order. Throws
  // RequestError like prefill() for a bad chunk, before anything runs.
  void step(std::span<const SequenceChunk> chunks, float* out);

  uint32_t pos() const { return positions_[0]; }
  uint32_t pos(uint32_t seq) const { return positions_.at(seq); }
  uint32_t n_ctx() const { return n_ctx_; }
  uint32_t n_seq() const { return static_cast<uint32_t>(positions_.size()); }
  uint32_t max_batch() const { return max_batch_; }
  void reset() { positions_[0] = 0; }  // forget the conversation (the cache is overwritten as it is refilled)
  // Keeps the first pos tokens of a sequence and forgets the rest (a cached prefix shared by the next request).
  void truncate(uint32_t seq, uint32_t pos);
  // Sequence 0 (a chat): keep only the first pos positions (a chat rewinds to the prefix its next prompt shares
  // with the cache); the rows past pos are overwritten as the session continues. pos >= pos() changes nothing.
  void truncate(uint32_t pos) {
    if (pos < positions_[0]) positions_[0] = pos;
  }
  void set_threads(int n);
  const Model& model() const { return *model_; }

 private:
  // A run of rows of one sequence, at its positions pos0.. (rows first_row.. of the batch).
  struct Segment {
    uint32_t seq, pos0;
    size_t first_row, n;
  };
  // Runs the segments' rows (n <= max_batch in all; tokens (n)) and advances their positions. Writes the logits of
  // every row (n, vocab) to out when all_rows, else of the last row of each segment listed in logit_segments;
  // out may be null when no logits are needed.
  void forward(const int32_t* tokens, std::span<const Segment> segments, float* out, bool all_rows,
               std::span<const size_t> logit_segments);
  void forward(const int32_t* tokens, size_t n, float* out, bool all_rows);  // sequence 0
  void check_tokens(std::span<const int32_t> tokens, uint32_t seq = 0) const;

  std::shared_ptr<const Model> model_;
  uint32_t n_ctx_;
  uint32_t max_batch_;
  int n_threads_;
  std::vector<uint32_t> positions_;               // (n_seq) next position of each sequence
  std::vector<std::unique_ptr<KvCache>> caches_;  // (n_seq)

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
  std::vector<int32_t> step_tokens_;  // (batch) a step's tokens, gathered
  std::vector<uint32_t> row_seq_;     // (batch) the sequence of each row
  std::vector<uint32_t> row_pos_;     // (batch) the position of each row
  std::vector<Segment> segments_;     // (n_seq) a step's segments
  std::vector<size_t> logit_segments_;  // (n_seq) the segments whose last row's logits are wanted
  size_t rowwise_rows_ = 0;  // in a step: leading decode rows that go through the one-token kernels
};

}  // namespace edt
