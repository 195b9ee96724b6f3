// The fused EDT passes at the avx2 level: sampling/fused_edt_body.h instantiated over avx2::Vec.
#include "cpu/vec_avx2.h"
#include "cpu/vector_math.h"
#include "sampling/fused_edt_body.h"

namespace edt {

using avx2::Vec;

int32_t index_of_first_avx2(const float* z, size_t n, float value) {
  return fused_body::index_of_first<Vec>(z, n, value);
}
EntropyStats entropy_stats_avx2(const float* z, size_t n) {
  return fused_body::entropy_stats<Vec, max_f32_avx2>(z, n);
}
int32_t draw_at_temperature_avx2(const float* z, size_t n, float max, double temperature, double u, float* w,
                                 double* probability) {
  return fused_body::draw_at_temperature<Vec>(z, n, max, temperature, u, w, probability);
}
void block_weights_avx2(const float* z, size_t count, float ref, float* out) {
  fused_body::block_weights<Vec>(z, count, ref, out);
}
EntropyAndSums entropy_and_sums_avx2(const float* z, size_t n, float* scratch) {
  return fused_body::entropy_and_sums<Vec, max_f32_avx2>(z, n, scratch);
}
double sum_at_temperature_avx2(const float* z, size_t n, float max, double temperature) {
  return fused_body::sum_at_temperature<Vec>(z, n, max, temperature);
}

}  // namespace edt
