// Q5_1 decode at AVX512: legacy_simd.h's body over q5_1_simd.h's codes, with VNNI's vpdpwssd.
#include "engine/kernels/q5_1_simd.h"

namespace edt::kernels {

void q5_1_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  legacy_rows_simd<Q5_1Codes, VnniOps>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels
