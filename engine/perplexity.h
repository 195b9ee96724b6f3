#pragma once
// Perplexity the way llama.cpp's perplexity tool computes it, so figures compare: the tokens are cut into
// windows of n_ctx; each window starts with BOS in place of its first token (when the model adds BOS); only the
// second half of each window is scored (token j+1 from the logits at j, for j in [n_ctx/2, n_ctx-1)), so every
// scored token has at least n_ctx/2 tokens of context.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "engine/session.h"

namespace edt {

struct PerplexityResult {
  size_t windows = 0;
  size_t scored_tokens = 0;
  double mean_nll = 0;     // nats per scored token
  double perplexity = 0;   // exp(mean_nll)
  double nll_stderr = 0;   // standard error of mean_nll over the scored tokens
};

// -log softmax(logits)[target], computed stably in double.
double token_nll(std::span<const float> logits, int32_t target);

// progress(window index, window count, running perplexity) after each window.
PerplexityResult perplexity(Session& session, std::span<const int32_t> tokens, uint32_t n_ctx, int32_t bos_id,
                            const std::function<void(size_t, size_t, double)>& progress = {});

}  // namespace edt
