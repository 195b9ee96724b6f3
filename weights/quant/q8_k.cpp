#include "weights/quant/q8_k.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "weights/quant/quant_math.h"

namespace edt {

void quantize_row_q8_k(const float* x, BlockQ8_K* y, size_t n) {
  assert(n % kSuperBlock == 0);
  for (size_t b = 0; b < n / kSuperBlock; ++b, x += kSuperBlock) {
    float amax = 0.0f, max = 0.0f;
    for (size_t j = 0; j < kSuperBlock; ++j) {
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      std::memset(&y[b], 0, sizeof(BlockQ8_K));
      continue;
    }
    // -127 (not -128) keeps every value within int8's symmetric range, so a product pair never overflows int16.
    const float iscale = -127.0f / max;
    for (size_t j = 0; j < kSuperBlock; ++j)
      y[b].qs[j] = static_cast<int8_t>(std::min(127, quant::nearest_int(iscale * x[j])));
    for (size_t g = 0; g < 16; ++g) {
      int sum = 0;
      for (size_t i = 0; i < 16; ++i) sum += y[b].qs[16 * g + i];
      y[b].bsums[g] = static_cast<int16_t>(sum);
    }
    y[b].d = 1.0f / iscale;
  }
}

void dequantize_row_q8_k(const BlockQ8_K* x, float* y, size_t n) {
  for (size_t b = 0; b < n / kSuperBlock; ++b)
    for (size_t j = 0; j < kSuperBlock; ++j) *y++ = x[b].d * static_cast<float>(x[b].qs[j]);
}

}  // namespace edt
