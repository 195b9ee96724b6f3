// The final stages: greedy argmax and the seeded draw.
#include <cmath>

#include "sampling/stages/stages.h"

namespace edt {
void GreedyStage::apply(Candidates& c, SamplingContext& ctx) {
  // One vectorised pass gives the argmax, the entropy and the sum of e^(z - max), so p(argmax) = 1 / sum.
  const EntropyStats st = entropy_stats(c.logits, c.size);
  c.selected = c.id(static_cast<size_t>(st.argmax));
  ctx.report.token = c.selected;
  ctx.report.entropy = st.entropy;
  ctx.report.temperature = 0;
  ctx.report.probability = st.sum_exp > 0 ? 1.0 / st.sum_exp : 1.0;
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
