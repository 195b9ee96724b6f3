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

}  // namespace

const SamplerKernels& sampler_kernels(Isa isa) {
  switch (isa) {
    case Isa::Avx512:  // the AVX2 passes until the AVX-512 row exists
    case Isa::Avx2: return kAvx2;
    case Isa::Scalar: break;
  }
  return kScalar;
}

}  // namespace edt
