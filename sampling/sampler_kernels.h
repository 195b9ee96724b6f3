#pragma once
// The sampler's vector loops, one row per ISA level, chosen by the Isa a chain is built with. Stages and the fused
// EDT step call these through the table, so a level is added by adding one row (and its kernel file).
#include <cstddef>
#include <cstdint>

#include "cpu/isa.h"
#include "sampling/fused_edt.h"

namespace edt {

struct SamplerKernels {
  EntropyStats (*entropy_stats)(const float* logits, size_t n);
  EntropyAndSums (*entropy_and_sums)(const float* logits, size_t n, float* scratch);
  BlockWeightsFn block_weights;
  int32_t (*draw_at_temperature)(const float* logits, size_t n, float max, double temperature, double u,
                                 float* scratch, double* probability);
  double (*sum_at_temperature)(const float* logits, size_t n, float max, double temperature);
  int32_t (*index_of_first)(const float* logits, size_t n, float value);
  double (*exp_shifted)(const float* logits, size_t n, float max, float* out);
};

const SamplerKernels& sampler_kernels(Isa isa);

}  // namespace edt
