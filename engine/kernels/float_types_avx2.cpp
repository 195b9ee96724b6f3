// AVX2 + FMA + F16C bodies of the float types (see float_types.cpp). Tails that are not a multiple of the vector
// width are done in scalar code.
#include <immintrin.h>

#include <cstdint>

#include "cpu/prefetch.h"
#include "cpu/vec_avx2.h"
#include "engine/kernels/row_helpers.h"
#include "weights/half.h"

namespace edt::kernels {
namespace {

using avx2::hsum;

inline __m256 load_bf16(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

inline __m256 load_f16(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Element loaders for the rows kernels: 8 consecutive weights of a row as floats, and one for the tails.
struct F16Row {
  static __m256 load8(const uint8_t* row, size_t i) { return load_f16(reinterpret_cast<const uint16_t*>(row) + i); }
  static float at(const uint8_t* row, size_t i) { return f16_to_f32(reinterpret_cast<const uint16_t*>(row)[i]); }
};
struct Bf16Row {
  static __m256 load8(const uint8_t* row, size_t i) { return load_bf16(reinterpret_cast<const uint16_t*>(row) + i); }
  static float at(const uint8_t* row, size_t i) { return bf16_to_f32(reinterpret_cast<const uint16_t*>(row)[i]); }
};

// kRows rows at once, two accumulators per row (eight independent FMA chains for kRows = 4, enough to cover the
// FMA latency), each x vector loaded once for all rows. Writes y[0..kRows).
template <class Row, int kRows>
inline void dot_row_group(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t n) {
  __m256 a[kRows], b[kRows];
  for (int r = 0; r < kRows; ++r) a[r] = b[r] = _mm256_setzero_ps();
  size_t i = 0;
  // The group's rows are short streams the hardware prefetcher barely picks up (a 288-wide F16 row is 9 cache
  // lines): each step requests the same share of the group two ahead, which follows contiguously in memory.
  const uint8_t* ahead = w + 2 * kRows * row_bytes;
  const size_t share = kRows * row_bytes * 16 / n;  // bytes of that group per 16 elements of this one
  for (; i + 16 <= n; i += 16) {
    if constexpr (kRows == 4)
      for (size_t off = 0; off < share; off += 64)
        prefetch_to_l2(ahead + i / 16 * share + off);
    const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
    for (int r = 0; r < kRows; ++r) {
      a[r] = _mm256_fmadd_ps(Row::load8(w + r * row_bytes, i), x0, a[r]);
      b[r] = _mm256_fmadd_ps(Row::load8(w + r * row_bytes, i + 8), x1, b[r]);
    }
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 x0 = _mm256_loadu_ps(x + i);
    for (int r = 0; r < kRows; ++r) a[r] = _mm256_fmadd_ps(Row::load8(w + r * row_bytes, i), x0, a[r]);
  }
  for (int r = 0; r < kRows; ++r) a[r] = _mm256_add_ps(a[r], b[r]);
  if constexpr (kRows == 4) {
    _mm_storeu_ps(y, avx2::hsum4(a[0], a[1], a[2], a[3]));
  } else {
    for (int r = 0; r < kRows; ++r) y[r] = hsum(a[r]);
  }
  for (; i < n; ++i)
    for (int r = 0; r < kRows; ++r) y[r] += Row::at(w + r * row_bytes, i) * x[i];
}

template <class Row>
void dot_rows(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) dot_row_group<Row, 4>(w + r * row_bytes, row_bytes, x, y + r, n);
  for (; r < rows; ++r) dot_row_group<Row, 1>(w + r * row_bytes, row_bytes, x, y + r, n);
}

}  // namespace

float dot_f32_avx2(const float* a, const float* x, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(x + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(x + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(x + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(x + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(x + i), s0);
  float s = hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) s += a[i] * x[i];
  return s;
}

// F32 is bound by the bytes alone: one row at a time reads memory as one sequential stream, which measured ~5%
// faster on the S shape than four interleaved short rows (with or without software prefetch).
void dot_rows_f32_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) y[r] = dot_f32_avx2(reinterpret_cast<const float*>(w + r * row_bytes), x.f32, n);
}
void dot_rows_f16_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  dot_rows<F16Row>(w, row_bytes, x.f32, y, rows, n);
}
void dot_rows_bf16_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  dot_rows<Bf16Row>(w, row_bytes, x.f32, y, rows, n);
}

void dequantize_f16_avx2(const void* src, float* y, size_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_f16(h + i));
  for (; i < n; ++i) y[i] = f16_to_f32(h[i]);
}

void dequantize_bf16_avx2(const void* src, float* y, size_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, load_bf16(h + i));
  for (; i < n; ++i) y[i] = bf16_to_f32(h[i]);
}

}  // namespace edt::kernels
