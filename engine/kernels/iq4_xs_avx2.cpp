// IQ4_XS decode at AVX2: the body of iq4_xs_simd.h with madd + add.
#include "engine/kernels/iq4_xs_simd.h"

namespace edt::kernels {

void iq4_xs_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  iq4_xs_rows_simd<Avx2Ops>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels

namespace edt::kernels {

// Bit-identical to the reference: (d·(ls_g − 32))·grid[q] per group of 32, the factor formed in float first.
void dequantize_iq4_xs_avx2(const void* src, float* y, size_t n) {
  const auto* x = static_cast<const BlockIQ4_XS*>(src);
  const __m256i grid = iq4_grid_vector();
  const __m256 zero = _mm256_setzero_ps();
  for (size_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = _cvtsh_ss(x[b].d);
    for (int g = 0; g < 8; ++g, y += 32) {
      const int ls = ((x[b].scales_l[g / 2] >> (4 * (g % 2))) & 0x0f) | (((x[b].scales_h >> (2 * g)) & 3) << 4);
      store_scaled_bytes(_mm256_shuffle_epi8(grid, legacy_nibbles(x[b].qs + 16 * g)),
                         _mm256_set1_ps(d * static_cast<float>(ls - 32)), zero, y);
    }
  }
}

}  // namespace edt::kernels
