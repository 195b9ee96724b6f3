#pragma once
// The tokens still in play at one sampling step, structure-of-arrays over buffers the chain owns (nothing is
// allocated per token). Until a truncating stage runs, the candidates are the whole vocabulary in id order
// (identity), and stages may index logits by token id directly.
#include <cstddef>
#include <cstdint>

namespace edt {

struct Candidates {
  float* logits = nullptr;  // (size) candidate logits, modified in place by the stages
  int32_t* ids = nullptr;   // (size) their token ids; valid only when !identity
  float* scratch = nullptr;  // (fused_scratch_floats(n_vocab)) free for a stage's use during apply()
  float* scratch2 = nullptr; // (n_vocab) a second one
  size_t size = 0;
  size_t n_vocab = 0;
  bool identity = true;     // candidate i is token i, size == n_vocab
  // Logits of every token as they were before the first truncation (n_vocab), for EDT's full-vocabulary
  // entropy; equal to `logits` while identity holds.
  const float* full_logits = nullptr;
  int32_t selected = -1;    // the drawn token, set by a final stage (greedy, dist)

  int32_t id(size_t i) const { return identity ? static_cast<int32_t>(i) : ids[i]; }
};

// What the chain did at one step, for traces and the profiler.
struct StepReport {
  double entropy = -1;      // nats, -1 when no stage computed it
  double temperature = -1;  // the temperature the token was drawn at (0: argmax), -1 when none was set
  int32_t token = -1;
  double probability = -1;  // of the chosen token in the distribution it was drawn from
};

}  // namespace edt
