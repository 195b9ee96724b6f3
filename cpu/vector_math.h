#pragma once
// Vector loops over float rows that both the engine (softmax in attention) and the sampler (entropy, draws) need:
// the largest value, and the shifted exponentials with their sum. One entry per ISA level; the SIMD versions share
// the exp polynomial of cpu/vec_avx2.h / cpu/vec_avx512.h (relative error 2.7e-6).
#include <cstddef>

#include "cpu/isa.h"

namespace edt {

// The largest of n values (n >= 1).
float max_f32(const float* x, size_t n, Isa isa);
float max_f32_ref(const float* x, size_t n);
float max_f32_avx2(const float* x, size_t n);
float max_f32_avx512(const float* x, size_t n);

// out[i] = e^(x_i - max) and their sum (out may alias x). The reference computes each exp in double.
double exp_shifted(const float* x, size_t n, float max, float* out, Isa isa);
double exp_shifted_ref(const float* x, size_t n, float max, float* out);
double exp_shifted_avx2(const float* x, size_t n, float max, float* out);
double exp_shifted_avx512(const float* x, size_t n, float max, float* out);

}  // namespace edt
