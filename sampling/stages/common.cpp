// Helpers shared by the stages.
#include <cmath>

#include "sampling/stages/stages.h"

namespace edt {

size_t candidates_argmax(const Candidates& c) {
  size_t best = 0;
  for (size_t i = 1; i < c.size; ++i)
    if (c.logits[i] > c.logits[best]) best = i;
  return best;
}

void keep_only(Candidates& c, size_t i) {
  const int32_t id = c.id(i);
  const float logit = c.logits[i];
  c.ids[0] = id;  // one id written, not the whole identity array
  c.identity = false;
  c.logits[0] = logit;
  c.size = 1;
}

void scale_logits(Candidates& c, double t) {
  if (t == 1.0) return;
  const auto inv = static_cast<float>(1.0 / t);
  for (size_t i = 0; i < c.size; ++i) c.logits[i] *= inv;
}

void apply_fixed_temperature(Candidates& c, float t, StepReport& report) {
  if (t <= 0.0f) {  // llama.cpp: temperature 0 means greedy
    keep_only(c, candidates_argmax(c));
    report.temperature = 0;
    return;
  }
  scale_logits(c, t);
  report.temperature = t;
}

}  // namespace edt
