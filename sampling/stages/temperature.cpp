#include "sampling/stages/stages.h"

namespace edt {

void TemperatureStage::apply(Candidates& c, SamplingContext& ctx) { apply_fixed_temperature(c, t_, ctx.report); }

}  // namespace edt
