// IQ4_NL decode at AVX512: legacy_simd.h's body over iq4_nl_simd.h's codes, with VNNI's vpdpwssd.
#include "engine/kernels/iq4_nl_simd.h"

namespace edt::kernels {

void iq4_nl_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  legacy_rows_simd<Iq4NlCodes, VnniOps>(w, row_bytes, x, y, rows, n);
}

}  // namespace edt::kernels
