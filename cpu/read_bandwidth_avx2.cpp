// read_sum_f32 at the avx2 level: four streams, two 32-byte loads per stream per step, a prefetch 1 KiB ahead.
#include "cpu/vec_avx2.h"
#include "cpu/read_bandwidth.h"

#include <cstdint>

namespace edt {

float read_sum_f32_avx2(const float* x, size_t n) {
  constexpr size_t kW = 8;                   // floats per vector
  constexpr size_t kStep = 2 * kW;            // floats per stream per iteration
  constexpr size_t kAhead = 1024 / sizeof(float);  // prefetch distance in floats
  // Aligned loads: skip to the first 64-byte boundary.
  size_t head = (64 - reinterpret_cast<uintptr_t>(x) % 64) % 64 / sizeof(float);
  if (head > n) head = n;
  float s = read_sum_f32_ref(x, head);
  x += head;
  n -= head;
  const size_t quarter = n / 4 / kStep * kStep;  // floats per stream
  const float* p0 = x;
  const float* p1 = x + quarter;
  const float* p2 = x + 2 * quarter;
  const float* p3 = x + 3 * quarter;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < quarter; i += kStep) {
    __builtin_prefetch(p0 + i + kAhead);
    __builtin_prefetch(p1 + i + kAhead);
    __builtin_prefetch(p2 + i + kAhead);
    __builtin_prefetch(p3 + i + kAhead);
    a0 = _mm256_add_ps(a0, _mm256_add_ps(_mm256_load_ps(p0 + i), _mm256_load_ps(p0 + i + kW)));
    a1 = _mm256_add_ps(a1, _mm256_add_ps(_mm256_load_ps(p1 + i), _mm256_load_ps(p1 + i + kW)));
    a2 = _mm256_add_ps(a2, _mm256_add_ps(_mm256_load_ps(p2 + i), _mm256_load_ps(p2 + i + kW)));
    a3 = _mm256_add_ps(a3, _mm256_add_ps(_mm256_load_ps(p3 + i), _mm256_load_ps(p3 + i + kW)));
  }
  s += avx2::hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  return s + read_sum_f32_ref(x + 4 * quarter, n - 4 * quarter);
}

}  // namespace edt
