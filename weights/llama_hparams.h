#pragma once
// The old name of weights/model_hparams.h, kept so that branches written before the architecture table still build.
#include "weights/model_hparams.h"

namespace edt {
using LlamaHParams = ModelHParams;
}  // namespace edt
