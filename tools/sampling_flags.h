#pragma once
// The sampling flags every generating tool shares (llama.cpp's names, plus EDT's), parsed into SamplerParams.
#include <vector>

#include "sampling/sampler_params.h"
#include "tools/args.h"

namespace edt {

std::vector<FlagSpec> sampling_flag_specs();
// Reads the flags present in args over the defaults in params; throws UsageError naming a bad flag.
void read_sampling_flags(const Args& args, SamplerParams& params);
// Physical cores (unique core ids), the default thread count.
int physical_cores();

}  // namespace edt
