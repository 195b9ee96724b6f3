// top-k, top-p and min-p: each removes candidates without sorting the whole vocabulary, keeping the survivors in
// their original order.
#include <algorithm>
#include <cmath>
#include <functional>

#include "sampling/stages/stages.h"

namespace edt {
namespace {

// Keeps candidates with logit > threshold, then those equal to it (in order) until `keep` are kept.
void keep_at_least(Candidates& c, float threshold, size_t keep) {
  c.materialize_ids();
  size_t above = 0;
  for (size_t i = 0; i < c.size; ++i) above += c.logits[i] > threshold;
  size_t ties_allowed = keep > above ? keep - above : 0, out = 0;
  for (size_t i = 0; i < c.size; ++i) {
    const bool take = c.logits[i] > threshold || (c.logits[i] == threshold && ties_allowed > 0);
    if (!take) continue;
    if (c.logits[i] == threshold) --ties_allowed;
    c.logits[out] = c.logits[i];
    c.ids[out] = c.ids[i];
    ++out;
  }
  c.size = out;
}

}  // namespace

void TopKStage::apply(Candidates& c, SamplingContext&) {
  if (k_ <= 0 || static_cast<size_t>(k_) >= c.size) return;
  const auto k = static_cast<size_t>(k_);
  std::copy_n(c.logits, c.size, c.scratch);
  std::nth_element(c.scratch, c.scratch + (k - 1), c.scratch + c.size, std::greater<float>());
  keep_at_least(c, c.scratch[k - 1], k);
}

void TopPStage::apply(Candidates& c, SamplingContext&) {
  if (p_ >= 1.0f || c.size <= 1) return;
  const float max = c.logits[candidates_argmax(c)];
  double total = 0;
  for (size_t i = 0; i < c.size; ++i) total += std::exp(static_cast<double>(c.logits[i]) - max);
  const double target = static_cast<double>(p_) * total;
  std::copy_n(c.logits, c.size, c.scratch);
  // Sort a head of the largest logits, growing it until its probability mass reaches p.
  for (size_t head = std::min<size_t>(64, c.size);; head = std::min(c.size, head * 4)) {
    std::partial_sort(c.scratch, c.scratch + head, c.scratch + c.size, std::greater<float>());
    double cum = 0;
    for (size_t j = 0; j < head; ++j) {
      cum += std::exp(static_cast<double>(c.scratch[j]) - max);
      if (cum >= target) {
        keep_at_least(c, c.scratch[j], j + 1);
        return;
      }
    }
    if (head == c.size) return;  // rounding: the whole set is needed
  }
}

void MinPStage::apply(Candidates& c, SamplingContext&) {
  if (min_p_ <= 0.0f || c.size <= 1) return;
  const float max = c.logits[candidates_argmax(c)];
  const float threshold = max + std::log(std::min(min_p_, 1.0f));
  c.materialize_ids();
  size_t out = 0;
  for (size_t i = 0; i < c.size; ++i) {
    if (c.logits[i] < threshold) continue;
    c.logits[out] = c.logits[i];
    c.ids[out] = c.ids[i];
    ++out;
  }
  c.size = out;
}

}  // namespace edt
