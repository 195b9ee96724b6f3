#include "sampling/stages/stages.h"

namespace edt {

void EdtStage::apply(Candidates& c, SamplingContext& ctx) {
  const bool full = scope_ == Scope::FullVocabulary;
  const EntropyStats st = ctx.kernels.entropy_stats(full ? c.full_logits : c.logits, full ? c.n_vocab : c.size);
  const double t = edt_temperature(st.entropy, p_);
  ctx.report.entropy = st.entropy;
  ctx.report.temperature = t;
  if (t == 0.0) {  // the rule's limit: argmax
    keep_only(c, candidates_argmax(c));
    return;
  }
  scale_logits(c, t);
}

}  // namespace edt
