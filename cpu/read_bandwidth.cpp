#include "cpu/read_bandwidth.h"

namespace edt {

float read_sum_f32_ref(const float* x, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += x[i];
  return s;
}

float read_sum_f32(const float* x, size_t n, Isa isa, PrefetchTo to) {
  switch (isa) {
    case Isa::Amx:  // AMX adds matrix tiles only: its vector code is AVX-512's
    case Isa::Avx512: return read_sum_f32_avx512(x, n, to);
    case Isa::Avx2: return read_sum_f32_avx2(x, n, to);
    case Isa::Scalar: break;
  }
  return read_sum_f32_ref(x, n);
}

}  // namespace edt
