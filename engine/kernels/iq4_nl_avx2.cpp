// IQ4_NL decode at AVX2: legacy_simd.h's body over iq4_nl_simd.h's codes, with madd + add.
#include "engine/kernels/iq4_nl_simd.h"

namespace edt::kernels {

void iq4_nl_rows_avx2(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  legacy_rows_simd<Iq4NlCodes, Avx2Ops>(w, row_bytes, x, y, rows, n);
}

// Bit-identical to the reference (see legacy_dequantize_simd).
void dequantize_iq4_nl_avx2(const void* src, float* dst, size_t n) { legacy_dequantize_simd<Iq4NlCodes>(src, dst, n); }

}  // namespace edt::kernels
