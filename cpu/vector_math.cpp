#include "cpu/vector_math.h"

#include <algorithm>
#include <cmath>

namespace edt {

float max_f32_ref(const float* x, size_t n) {
  float m = x[0];
  for (size_t i = 1; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

double exp_shifted_ref(const float* x, size_t n, float max, float* out) {
  double total = 0;
  for (size_t i = 0; i < n; ++i) total += out[i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - max));
  return total;
}

float max_f32(const float* x, size_t n, Isa isa) {
  switch (isa) {
    case Isa::Amx:  // AMX adds matrix tiles only: its vector code is AVX-512's
    case Isa::Avx512: return max_f32_avx512(x, n);
    case Isa::Avx2: return max_f32_avx2(x, n);
    case Isa::Scalar: break;
  }
  return max_f32_ref(x, n);
}

double exp_shifted(const float* x, size_t n, float max, float* out, Isa isa) {
  switch (isa) {
    case Isa::Amx:  // AMX adds matrix tiles only: its vector code is AVX-512's
    case Isa::Avx512: return exp_shifted_avx512(x, n, max, out);
    case Isa::Avx2: return exp_shifted_avx2(x, n, max, out);
    case Isa::Scalar: break;
  }
  return exp_shifted_ref(x, n, max, out);
}

}  // namespace edt
