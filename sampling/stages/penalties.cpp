#include "sampling/stages/stages.h"

namespace edt {

void PenaltiesStage::apply(Candidates& c, SamplingContext&) {
  if (last_n_ == 0 || counts_.empty() || (repeat_ == 1.0f && frequency_ == 0.0f && presence_ == 0.0f)) return;
  auto penalise = [&](float& logit, int count) {
    // The repetition penalty pushes a seen token towards "less likely" whatever the sign of its logit.
    logit = logit <= 0.0f ? logit * repeat_ : logit / repeat_;
    logit -= static_cast<float>(count) * frequency_ + (count > 0 ? presence_ : 0.0f);
  };
  if (c.identity) {
    for (const auto& [token, count] : counts_)
      if (static_cast<size_t>(token) < c.size) penalise(c.logits[token], count);
    return;
  }
  for (size_t i = 0; i < c.size; ++i)
    if (auto it = counts_.find(c.ids[i]); it != counts_.end()) penalise(c.logits[i], it->second);
}

void PenaltiesStage::accept(int32_t token) {
  if (last_n_ <= 0) return;
  history_.push_back(token);
  ++counts_[token];
  if (history_.size() > static_cast<size_t>(last_n_)) {
    const int32_t old = history_.front();
    history_.pop_front();
    if (--counts_[old] == 0) counts_.erase(old);
  }
}

}  // namespace edt
