#include "sampling/stages/stages.h"

namespace edt {

void LogitBiasStage::apply(Candidates& c, SamplingContext&) {
  for (const auto& [id, bias] : biases_) {
    if (c.identity) {
      if (static_cast<size_t>(id) < c.size) c.logits[id] += bias;
      continue;
    }
    for (size_t i = 0; i < c.size; ++i)
      if (c.ids[i] == id) c.logits[i] += bias;
  }
}

}  // namespace edt
