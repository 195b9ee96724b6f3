// The fused EDT passes at the avx512 level: sampling/fused_edt_body.h instantiated over avx512::Vec.
#include "cpu/vec_avx512.h"
#include "cpu/vector_math.h"
#include "sampling/fused_edt_body.h"

namespace edt {

using avx512::Vec;

int32_t index_of_first_avx512(const float* z, size_t n, float value) {
  return fused_body::index_of_first<Vec>(z, n, value);
}
EntropyStats entropy_stats_avx512(const float* z, size_t n) {
  return fused_body::entropy_stats<Vec, max_f32_avx512>(z, n);
}
int32_t draw_at_temperature_avx512(const float* z, size_t n, float max, double temperature, double u, float* w,
                                 double* probability) {
  return fused_body::draw_at_temperature<Vec>(z, n, max, temperature, u, w, probability);
}
void block_weights_avx512(const float* z, size_t count, float ref, float* out) {
  fused_body::block_weights<Vec>(z, count, ref, out);
}
EntropyAndSums entropy_and_sums_avx512(const float* z, size_t n, float* scratch) {
  return fused_body::entropy_and_sums<Vec, max_f32_avx512>(z, n, scratch);
}
double sum_at_temperature_avx512(const float* z, size_t n, float max, double temperature) {
  return fused_body::sum_at_temperature<Vec>(z, n, max, temperature);
}

}  // namespace edt
