#include "sampling/sampler_kernels.h"

#include "cpu/vector_math.h"

namespace edt {
namespace {

constexpr SamplerKernels kScalar{entropy_stats_ref,        entropy_and_sums_ref,     block_weights_ref,
                                 draw_at_temperature_ref,  sum_at_temperature_ref,   index_of_first_ref,
                                 exp_shifted_ref};
constexpr SamplerKernels kAvx2{entropy_stats_avx2,        entropy_and_sums_avx2,     block_weights_avx2,
                               draw_at_temperature_avx2,  sum_at_temperature_avx2,   index_of_first_avx2,
                               exp_shifted_avx2};
constexpr SamplerKernels kAvx512{entropy_stats_avx512,       entropy_and_sums_avx512,    block_weights_avx512,
                                 draw_at_temperature_avx512, sum_at_temperature_avx512,  index_of_first_avx512,
                                 exp_shifted_avx512};

}  // namespace

const SamplerKernels& sampler_kernels(Isa isa) {
  switch (isa) {
    case Isa::Amx:  // AMX adds matrix tiles only: its vector code is AVX-512's
    case Isa::Avx512: return kAvx512;
    case Isa::Avx2: return kAvx2;
    case Isa::Scalar: break;
  }
  return kScalar;
}

}  // namespace edt
