#include "engine/ops/elementwise.h"

#include <algorithm>
#include <cmath>


namespace edt {

void rmsnorm(float* out, const float* x, const float* weight, size_t n, float eps) {
  double ss = 0;  // double: the mean square of thousands of values must not lose the small ones
  for (size_t i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(n) + eps));
  for (size_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

void rope_apply(float* head, const float* cos_table, const float* sin_table, size_t head_dim) {
  for (size_t i = 0; i < head_dim / 2; ++i) {
    const float a = head[2 * i], b = head[2 * i + 1];
    head[2 * i] = a * cos_table[i] - b * sin_table[i];
    head[2 * i + 1] = a * sin_table[i] + b * cos_table[i];
  }
}

void rope_apply_neox(float* head, const float* cos_table, const float* sin_table, size_t head_dim) {
  const size_t half = head_dim / 2;
  for (size_t i = 0; i < half; ++i) {
    const float a = head[i], b = head[i + half];
    head[i] = a * cos_table[i] - b * sin_table[i];
    head[i + half] = a * sin_table[i] + b * cos_table[i];
  }
}

void geglu_tanh(float* gate, const float* up, size_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  for (size_t i = 0; i < n; ++i) {
    const float x = gate[i];
    gate[i] = 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x))) * up[i];
  }
}

void softcap(float* x, size_t n, float cap) {
  const float inv = 1.0f / cap;
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

void softmax_ref(float* x, size_t n) {
  float max = x[0];
  for (size_t i = 1; i < n; ++i) max = std::max(max, x[i]);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += x[i];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (size_t i = 0; i < n; ++i) x[i] *= inv;
}

void swiglu_ref(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void softmax(float* x, size_t n, Isa isa) {
  switch (isa) {
    case Isa::Amx:  // AMX adds matrix tiles only: its vector code is AVX-512's
    case Isa::Avx512: return softmax_avx512(x, n);
    case Isa::Avx2: return softmax_avx2(x, n);
    case Isa::Scalar: return softmax_ref(x, n);
  }
}

void swiglu(float* gate, const float* up, size_t n, Isa isa) {
  switch (isa) {
    case Isa::Amx:  // AMX adds matrix tiles only: its vector code is AVX-512's
    case Isa::Avx512: return swiglu_avx512(gate, up, n);
    case Isa::Avx2: return swiglu_avx2(gate, up, n);
    case Isa::Scalar: return swiglu_ref(gate, up, n);
  }
}

void add_in_place(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

}  // namespace edt
