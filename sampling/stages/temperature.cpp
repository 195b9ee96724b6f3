#include "sampling/stages/stages.h"

namespace edt {

void TemperatureStage::apply(Candidates& c, SamplingContext& ctx) {
  if (t_ <= 0.0f) {  // llama.cpp: temperature 0 means greedy
    keep_only(c, candidates_argmax(c));
    ctx.report.temperature = 0;
    return;
  }
  scale_logits(c, t_);
  ctx.report.temperature = t_;
}

}  // namespace edt
