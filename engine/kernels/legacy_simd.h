#pragma once
// The decode body shared by the legacy 32-blocks over Q8_0 activations (Q4_1, Q5_0, Q5_1, IQ4_NL), written once
// over a per-type Codes policy and Ops (int8_ops.h): per block, the integer Σ code·x, times d_w·d_x, plus the
// minimum's term m·(d_x·Σx) where the type has one. Codes::products gives the int16 pair sums of the block's
// codes (as the type's values, or offset) with x; Codes::kHasMin says whether the block has a minimum m.
#include "engine/kernels/int8_ops.h"
#include "engine/kernels/int8_simd.h"
#include "engine/kernels/row_helpers.h"

namespace edt::kernels {

template <class Codes, class Ops>
void legacy_rows_simd(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  using Block = typename Codes::Block;
  const size_t blocks = n / kQuantBlock;
  const __m256i ones = _mm256_set1_epi16(1);
  for (size_t r = 0; r < rows; ++r) {
    const auto* b = reinterpret_cast<const Block*>(w + r * row_bytes);
    __m256 acc = _mm256_setzero_ps();
    float acc_min = 0;
    for (size_t k = 0; k < blocks; ++k) {
      const __m256i p = Codes::products(b[k], load32(x.q8_0[k].qs), x.q8_0_offsets + 16 * k);
      const __m256i dot = Ops::madd_acc(_mm256_setzero_si256(), p, ones);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(b[k].d) * x.q8_0_scales[k]), _mm256_cvtepi32_ps(dot), acc);
      if constexpr (Codes::kHasMin) acc_min += _cvtsh_ss(b[k].m) * x.q8_0_sums[k];
    }
    y[r] = avx2::hsum(acc) + acc_min;
  }
}

// Row dequantizer of the same types: Codes::values gives the block's 32 values as signed bytes in element order,
// then value · d (+ m), the product rounded first as in the references (x − (−m) is x + m exactly).
template <class Codes>
void legacy_dequantize_simd(const void* src, float* y, size_t n) {
  using Block = typename Codes::Block;
  const auto* x = static_cast<const Block*>(src);
  for (size_t b = 0; b < n / kQuantBlock; ++b) {
    __m256 offset = _mm256_setzero_ps();
    if constexpr (Codes::kHasMin) offset = _mm256_set1_ps(-_cvtsh_ss(x[b].m));
    store_scaled_bytes(Codes::values(x[b]), _mm256_set1_ps(_cvtsh_ss(x[b].d)), offset, y + b * kQuantBlock);
  }
}

}  // namespace edt::kernels
