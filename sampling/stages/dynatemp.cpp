#include <algorithm>
#include <cmath>

#include "sampling/stages/stages.h"

namespace edt {

void DynatempStage::apply(Candidates& c, SamplingContext& ctx) {
  if (range_ <= 0.0f) {  // no range: plain temperature, as llama.cpp's temp_ext with delta 0
    apply_fixed_temperature(c, t_, ctx.report);
    return;
  }
  if (c.size <= 1) return;
  const EntropyStats st = ctx.kernels.entropy_stats(c.logits, c.size);
  const double max_entropy = std::log(static_cast<double>(c.size));
  const double normalized = st.entropy / max_entropy;
  const double lo = std::max(0.0f, t_ - range_), hi = t_ + range_;
  const double t = lo + (hi - lo) * std::pow(normalized, static_cast<double>(exponent_));
  ctx.report.entropy = st.entropy;
  if (t < kMinTemperature) {  // llama.cpp would divide by ~0; the limit is the argmax
    keep_only(c, candidates_argmax(c));
    ctx.report.temperature = 0;
    return;
  }
  scale_logits(c, t);
  ctx.report.temperature = t;
}

}  // namespace edt
