#include "engine/perplexity.h"

#include <algorithm>
#include <cmath>

#include "engine/request_error.h"

namespace edt {

double token_nll(std::span<const float> logits, int32_t target) {
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float z : logits) sum += std::exp(static_cast<double>(z) - max);
  return std::log(sum) + max - logits[static_cast<size_t>(target)];
}

PerplexityResult perplexity(Session& session, std::span<const int32_t> tokens, uint32_t n_ctx, int32_t bos_id,
                            const std::function<void(size_t, size_t, double)>& progress) {
  if (n_ctx < 4) throw RequestError("perplexity needs a context of at least 4 tokens");
  const size_t windows = tokens.size() / n_ctx;
  if (windows == 0)
    throw RequestError("the text has " + std::to_string(tokens.size()) + " tokens, fewer than one window of " +
                      std::to_string(n_ctx));
  const size_t vocab = session.model().hparams().n_vocab;
  std::vector<float> logits(static_cast<size_t>(n_ctx) * vocab);  // (n_ctx, vocab) of one window
  std::vector<int32_t> window(n_ctx);
  PerplexityResult r;
  r.windows = windows;
  double sum = 0, sum_sq = 0;
  for (size_t w = 0; w < windows; ++w) {
    std::copy_n(tokens.begin() + static_cast<long>(w * n_ctx), n_ctx, window.begin());
    if (bos_id >= 0) window[0] = bos_id;
    session.reset();
    session.prefill_all_logits(window, logits.data());
    for (size_t j = n_ctx / 2; j + 1 < n_ctx; ++j) {
      const double nll = token_nll({&logits[j * vocab], vocab}, tokens[w * n_ctx + j + 1]);
      sum += nll;
      sum_sq += nll * nll;
      ++r.scored_tokens;
    }
    if (progress) progress(w + 1, windows, std::exp(sum / static_cast<double>(r.scored_tokens)));
  }
  const auto n = static_cast<double>(r.scored_tokens);
  r.mean_nll = sum / n;
  r.perplexity = std::exp(r.mean_nll);
  r.nll_stderr = n > 1 ? std::sqrt(std::max(0.0, sum_sq / n - r.mean_nll * r.mean_nll) / (n - 1)) : 0.0;
  return r;
}

}  // namespace edt
