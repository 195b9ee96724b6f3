// IQ4_XS decode at AVX512: the body of iq4_xs_simd.h with VNNI's vpdpwssd.
#include "engine/kernels/iq4_xs_simd.h"

namespace edt::kernels {

void iq4_xs_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  iq4_xs_rows_simd<VnniOps>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels
