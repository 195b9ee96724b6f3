// read_sum_f32 at the avx2 level: cpu/read_bandwidth_body.h over avx2::Vec.
#include "cpu/read_bandwidth_body.h"
#include "cpu/vec_avx2.h"

namespace edt {

float read_sum_f32_avx2(const float* x, size_t n) { return read_body::read_sum<avx2::Vec>(x, n); }

}  // namespace edt
