// Q5_0 decode at AVX2: legacy_simd.h's body over q5_0_simd.h's codes, with madd + add.
#include "engine/kernels/q5_0_simd.h"

namespace edt::kernels {

void q5_0_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  legacy_rows_simd<Q5_0Codes, Avx2Ops>(w, row_bytes, x, y, rows, n);
}

// Bit-identical to the reference (see legacy_dequantize_simd).
void dequantize_q5_0_avx2(const void* src, float* dst, size_t n) { legacy_dequantize_simd<Q5_0Codes>(src, dst, n); }

}  // namespace edt::kernels
