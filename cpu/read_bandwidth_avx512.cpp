// read_sum_f32 at the avx512 level: cpu/read_bandwidth_body.h over avx512::Vec.
#include "cpu/read_bandwidth_body.h"
#include "cpu/vec_avx512.h"

namespace edt {

float read_sum_f32_avx512(const float* x, size_t n, PrefetchTo to) {
  return to == PrefetchTo::L1 ? read_body::read_sum<avx512::Vec, PrefetchTo::L1>(x, n)
                              : read_body::read_sum<avx512::Vec, PrefetchTo::L2>(x, n);
}

}  // namespace edt
