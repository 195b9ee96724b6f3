// Q6_K decode at AVX-512: the body of q6_k_simd.h with VNNI's vpdpwssd.
#include "engine/kernels/q6_k_simd.h"

namespace edt::kernels {

void q6_k_rows_avx512(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows, size_t n) {
  q6_k_rows_simd<VnniOps>(w, row_bytes, x, y, rows, n);
}

void q6_k_tokens_avx512(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                        size_t y_stride, size_t rows, size_t n) {
  q6_k_tokens_simd<VnniOps, 4>(w, row_bytes, x, tokens, y, y_stride, rows, n);
}

}  // namespace edt::kernels
