// AVX-512 bodies of the float types (see float_types.cpp): the AVX2 structure on 16 lanes, with masked loads for
// the tails instead of scalar loops.
#include <immintrin.h>

#include <cstdint>

#include "cpu/prefetch.h"
#include "cpu/vec_avx512.h"
#include "engine/kernels/row_helpers.h"
#include "weights/half.h"

namespace edt::kernels {
namespace {

using avx512::hsum;
using avx512::tail_mask;

struct F32Row {
  static __m512 load16(const uint8_t* row, size_t i) { return _mm512_loadu_ps(reinterpret_cast<const float*>(row) + i); }
  static __m512 load_tail(const uint8_t* row, size_t i, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + i);
  }
};
struct F16Row {
  static __m512 load16(const uint8_t* row, size_t i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const uint16_t*>(row) + i)));
  }
  static __m512 load_tail(const uint8_t* row, size_t i, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + i));
  }
};
struct Bf16Row {
  static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
  static __m512 load16(const uint8_t* row, size_t i) {
    return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(reinterpret_cast<const uint16_t*>(row) + i)));
  }
  static __m512 load_tail(const uint8_t* row, size_t i, __mmask16 m) {
    return widen(_mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + i));
  }
};

// kRows rows at once, two accumulators per row, each x vector loaded once for all rows; the group two ahead is
// prefetched as in the AVX2 body.
template <class Row, int kRows>
inline void dot_row_group(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t n) {
  __m512 a[kRows], b[kRows];
  for (int r = 0; r < kRows; ++r) a[r] = b[r] = _mm512_setzero_ps();
  size_t i = 0;
  const uint8_t* ahead = w + 2 * kRows * row_bytes;
  const size_t share = kRows * row_bytes * 32 / n;  // bytes of that group per 32 elements of this one
  for (; i + 32 <= n; i += 32) {
    if constexpr (kRows == 4)
      for (size_t off = 0; off < share; off += 64)
        prefetch_to_l2(ahead + i / 32 * share + off);
    const __m512 x0 = _mm512_loadu_ps(x + i), x1 = _mm512_loadu_ps(x + i + 16);
    for (int r = 0; r < kRows; ++r) {
      a[r] = _mm512_fmadd_ps(Row::load16(w + r * row_bytes, i), x0, a[r]);
      b[r] = _mm512_fmadd_ps(Row::load16(w + r * row_bytes, i + 16), x1, b[r]);
    }
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 x0 = _mm512_loadu_ps(x + i);
    for (int r = 0; r < kRows; ++r) a[r] = _mm512_fmadd_ps(Row::load16(w + r * row_bytes, i), x0, a[r]);
  }
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    const __m512 x0 = _mm512_maskz_loadu_ps(m, x + i);
    for (int r = 0; r < kRows; ++r) b[r] = _mm512_fmadd_ps(Row::load_tail(w + r * row_bytes, i, m), x0, b[r]);
  }
  for (int r = 0; r < kRows; ++r) a[r] = _mm512_add_ps(a[r], b[r]);
  if constexpr (kRows == 4) {
    _mm_storeu_ps(y, avx512::hsum4(a[0], a[1], a[2], a[3]));
  } else {
    for (int r = 0; r < kRows; ++r) y[r] = hsum(a[r]);
  }
}

template <class Row>
void dot_rows(const uint8_t* w, size_t row_bytes, const float* x, float* y, size_t rows, size_t n) {
  size_t r = 0;
  for (; r + 4 <= rows; r += 4) dot_row_group<Row, 4>(w + r * row_bytes, row_bytes, x, y + r, n);
  for (; r < rows; ++r) dot_row_group<Row, 1>(w + r * row_bytes, row_bytes, x, y + r, n);
}

}  // namespace

float dot_f32_avx512(const float* a, const float* x, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(x + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(x + i + 16), s1);
    s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(x + i + 32), s2);
    s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(x + i + 48), s3);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(x + i), s0);
  if (i < n) {
    const __mmask16 m = tail_mask(n - i);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, x + i), s1);
  }
  return hsum(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// F32 one row at a time, as at AVX2 (one sequential stream per row reads fastest).
void dot_rows_f32_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; ++r) y[r] = dot_f32_avx512(reinterpret_cast<const float*>(w + r * row_bytes), x.f32, n);
}
void dot_rows_f16_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  dot_rows<F16Row>(w, row_bytes, x.f32, y, rows, n);
}
void dot_rows_bf16_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  dot_rows<Bf16Row>(w, row_bytes, x.f32, y, rows, n);
}

void dequantize_f16_avx512(const void* src, float* y, size_t n) {
  const auto* h = reinterpret_cast<const uint8_t*>(src);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, F16Row::load16(h, i));
  if (i < n) _mm512_mask_storeu_ps(y + i, tail_mask(n - i), F16Row::load_tail(h, i, tail_mask(n - i)));
}

void dequantize_bf16_avx512(const void* src, float* y, size_t n) {
  const auto* h = reinterpret_cast<const uint8_t*>(src);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, Bf16Row::load16(h, i));
  if (i < n) _mm512_mask_storeu_ps(y + i, tail_mask(n - i), Bf16Row::load_tail(h, i, tail_mask(n - i)));
}

}  // namespace edt::kernels
