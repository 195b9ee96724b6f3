// The final stages: greedy argmax and the seeded draw.
#include <cmath>

#include "sampling/stages/stages.h"

namespace edt {
namespace {

// p of candidate i under softmax of the candidates.
double probability_of(const Candidates& c, size_t i, float max) {
  double total = 0;
  for (size_t j = 0; j < c.size; ++j) total += std::exp(static_cast<double>(c.logits[j]) - max);
  return std::exp(static_cast<double>(c.logits[i]) - max) / total;
}

}  // namespace

void GreedyStage::apply(Candidates& c, SamplingContext& ctx) {
  const size_t best = candidates_argmax(c);
  c.selected = c.id(best);
  ctx.report.token = c.selected;
  ctx.report.probability = probability_of(c, best, c.logits[best]);
}

void DistStage::apply(Candidates& c, SamplingContext& ctx) {
  const float max = c.logits[candidates_argmax(c)];
  double total = 0;
  for (size_t i = 0; i < c.size; ++i) total += std::exp(static_cast<double>(c.logits[i]) - max);
  const double target = ctx.rng.uniform() * total;
  double cum = 0;
  size_t chosen = c.size - 1;
  for (size_t i = 0; i < c.size; ++i) {
    cum += std::exp(static_cast<double>(c.logits[i]) - max);
    if (cum > target) {
      chosen = i;
      break;
    }
  }
  while (chosen > 0 && c.logits[chosen] == -INFINITY) --chosen;  // never a masked token, even after rounding
  c.selected = c.id(chosen);
  ctx.report.token = c.selected;
  ctx.report.probability = std::exp(static_cast<double>(c.logits[chosen]) - max) / total;
}

}  // namespace edt
