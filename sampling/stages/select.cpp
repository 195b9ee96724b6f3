// The final stages: greedy argmax and the seeded draw.
#include <cmath>

#include "sampling/stages/stages.h"

namespace edt {
void GreedyStage::apply(Candidates& c, SamplingContext& ctx) {
  // One vectorised pass gives the argmax, the entropy and the sum of e^(z - max), so p(argmax) = 1 / sum.
  const EntropyStats st = ctx.kernels.entropy_stats(c.logits, c.size);
  c.selected = c.id(static_cast<size_t>(st.argmax));
  ctx.report.token = c.selected;
  ctx.report.entropy = st.entropy;
  ctx.report.temperature = 0;
  ctx.report.probability = st.sum_exp > 0 ? 1.0 / st.sum_exp : 1.0;
}

void DistStage::apply(Candidates& c, SamplingContext& ctx) {
  // The candidates' own distribution is the draw at temperature 1, with the vectorised kernels.
  const EntropyStats st = ctx.kernels.entropy_stats(c.logits, c.size);
  double p = 0;
  const int32_t chosen = ctx.kernels.draw_at_temperature(c.logits, c.size, st.max, 1.0, ctx.rng.uniform(), c.scratch, &p);
  c.selected = c.id(static_cast<size_t>(chosen));
  ctx.report.token = c.selected;
  ctx.report.probability = p;
}

}  // namespace edt
