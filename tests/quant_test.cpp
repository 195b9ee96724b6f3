#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "tests/test_util.h"
#include "weights/half.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

// Every dequantized value lies within half a quantization step of the input, plus what rounding the scale to f16
// costs (|q| * |d - f16(d)| <= amax * 2^-11). Q4_0 is asymmetric: the value of largest magnitude maps to -8, so a
// value of the opposite sign near that magnitude clamps at +7 and may be off by up to one whole step.
template <typename Block>
void expect_within_half_step(GgmlType type, float levels) {
  const size_t n = 32 * 37;
  const auto x = test::random_floats(n, 11, 0.7f);
  std::vector<Block> q(n / 32);
  std::vector<float> y(n);
  quantize_row(type, x.data(), q.data(), n);
  dequantize_row(type, q.data(), y.data(), n);
  for (size_t b = 0; b < n / 32; ++b) {
    float amax = 0;
    for (size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    const float step = amax / levels, scale_rounding = amax / 2048.0f;
    for (size_t j = 0; j < 32; ++j) {
      const bool clamped = type == GgmlType::Q4_0 && std::fabs(x[b * 32 + j]) > 7.5f * step;
      const float bound = (clamped ? 1.0f : 0.5f) * step + scale_rounding + 1e-7f;
      EXPECT_LE(std::fabs(y[b * 32 + j] - x[b * 32 + j]), bound) << "block " << b << " j " << j;
    }
  }
}

TEST(Quant, Q8_0WithinHalfStep) { expect_within_half_step<BlockQ8_0>(GgmlType::Q8_0, 127.0f); }
TEST(Quant, Q4_0WithinHalfStep) { expect_within_half_step<BlockQ4_0>(GgmlType::Q4_0, 8.0f); }

TEST(Quant, Q4_0LayoutMatchesGguf) {
  // Element j in the low nibble of qs[j], element j+16 in the high nibble, value (q - 8) * d; the largest magnitude
  // maps to -8.
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16);  // max magnitude -16 -> d = 2
  BlockQ4_0 b;
  quantize_row_q4_0(x, &b, 32);
  EXPECT_EQ(f16_to_f32(b.d), 2.0f);
  EXPECT_EQ(b.qs[0] & 0x0f, 0);        // -16 / 2 + 8
  EXPECT_EQ(b.qs[0] >> 4, 8);          // element 16 = 0 -> 8
  EXPECT_EQ(b.qs[15] >> 4, 15);        // element 31 = 15 -> 7.5 + 8 = 15.5 -> clamped 15
  float y[32];
  dequantize_row_q4_0(&b, y, 32);
  EXPECT_EQ(y[0], -16.0f);
  EXPECT_EQ(y[16], 0.0f);
}

TEST(Quant, Q8_0KnownBlock) {
  float x[32];
  for (int j = 0; j < 32; ++j) x[j] = (j % 2 ? -1.0f : 1.0f) * static_cast<float>(j) / 31.0f * 1.27f;
  BlockQ8_0 b;
  quantize_row_q8_0(x, &b, 32);
  EXPECT_NEAR(f16_to_f32(b.d), 0.01f, 1e-5f);
  EXPECT_EQ(b.qs[31], -127);
  EXPECT_EQ(b.qs[0], 0);
}

TEST(Quant, ZeroBlockHasZeroScale) {
  float x[32] = {};
  BlockQ4_0 b4;
  BlockQ8_0 b8;
  quantize_row_q4_0(x, &b4, 32);
  quantize_row_q8_0(x, &b8, 32);
  float y[32];
  dequantize_row_q4_0(&b4, y, 32);
  for (float v : y) EXPECT_EQ(v, 0.0f);
  dequantize_row_q8_0(&b8, y, 32);
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace edt
