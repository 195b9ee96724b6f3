#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/test_util.h"
#include "weights/half.h"

namespace edt {
namespace {

TEST(Half, EveryF16ValueRoundTripsThroughF32) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    EXPECT_EQ(f32_to_f16(f), h) << "f16 bits " << h << " value " << f;
  }
}

TEST(Half, F16KnownValues) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);               // rounds up to infinity
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // exact tie between 0 and the smallest subnormal: even
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
}

// f32 -> f16 picks the nearest representable value (ties to even) for random inputs across the range.
TEST(Half, F16RoundsToNearest) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> expo(-26.0f, 16.0f);
  std::uniform_real_distribution<float> mant(1.0f, 2.0f);
  for (int i = 0; i < 200000; ++i) {
    const float x = std::ldexp(mant(rng), static_cast<int>(expo(rng))) * (i % 2 ? -1.0f : 1.0f);
    const uint16_t h = f32_to_f16(x);
    if (std::isinf(f16_to_f32(h))) {  // overflow: only past the largest finite value plus half its spacing
      EXPECT_GE(std::fabs(x), 65520.0f);
      continue;
    }
    const double err = std::fabs(static_cast<double>(f16_to_f32(h)) - x);
    for (int d : {-1, 1}) {
      const uint16_t other = static_cast<uint16_t>(h + d);
      const float of = f16_to_f32(other);
      if (std::isnan(of) || std::isinf(of) || ((other ^ h) & 0x8000)) continue;
      EXPECT_LE(err, std::fabs(static_cast<double>(of) - x)) << x;
    }
  }
}

TEST(Half, Bf16RoundsToNearestEven) {
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie, even stays
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = bf16_to_f32(static_cast<uint16_t>(h));
    if (!std::isnan(f)) {
      EXPECT_EQ(f32_to_bf16(f), h);
    }
  }
}

}  // namespace
}  // namespace edt
