#pragma once
// read_sum_f32's loop written once over a level's vector type V (avx2::Vec, avx512::Vec) and compiled per level by
// read_bandwidth_avx2.cpp / read_bandwidth_avx512.cpp: four streams, two vectors per stream per step, a software
// prefetch 1 KiB ahead of each, into L1 or L2 (kTo; cpu/prefetch.h). Include only from those files.
#include <cstddef>
#include <cstdint>

#include "cpu/prefetch.h"
#include "cpu/read_bandwidth.h"

namespace edt::read_body {

template <class V, PrefetchTo kTo>
float read_sum(const float* x, size_t n) {
  constexpr size_t kW = V::kLanes;                  // floats per vector
  constexpr size_t kStep = 2 * kW;                  // floats per stream per iteration
  constexpr size_t kAhead = 1024 / sizeof(float);   // prefetch distance in floats
  constexpr size_t kLineFloats = 64 / sizeof(float);
  // Skip to the first 64-byte boundary, so no load splits a cache line.
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
  typename V::F a0 = V::zero(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < quarter; i += kStep) {
    // Every line of the step kAhead ahead (an AVX-512 step is two lines).
    for (size_t line = 0; line < kStep; line += kLineFloats) {
      prefetch<kTo>(p0 + i + kAhead + line);
      prefetch<kTo>(p1 + i + kAhead + line);
      prefetch<kTo>(p2 + i + kAhead + line);
      prefetch<kTo>(p3 + i + kAhead + line);
    }
    a0 = V::add(a0, V::add(V::load(p0 + i), V::load(p0 + i + kW)));
    a1 = V::add(a1, V::add(V::load(p1 + i), V::load(p1 + i + kW)));
    a2 = V::add(a2, V::add(V::load(p2 + i), V::load(p2 + i + kW)));
    a3 = V::add(a3, V::add(V::load(p3 + i), V::load(p3 + i + kW)));
  }
  s += V::hsum(V::add(V::add(a0, a1), V::add(a2, a3)));
  return s + read_sum_f32_ref(x + 4 * quarter, n - 4 * quarter);
}

}  // namespace edt::read_body
