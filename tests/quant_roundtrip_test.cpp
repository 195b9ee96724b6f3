// Every type's quantizer on its own: bit-exact with llama.cpp's reference quantizers on awkward rows (golden bytes
// in tests/data/quant-golden), and round trips on random rows whose error stays within each type's bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "weights/half.h"
#include "weights/quant/block_check.h"
#include "weights/quant/q8_k.h"
#include "weights/quant/quant_types.h"

namespace edt {
namespace {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Golden {
  GgmlType type;
  const char* file;
};

// 16 rows of 512: normal(0, 0.05) with row 1 heavy-tailed (Student t, 2 dof), 2 all positive, 3 all zero, 4 tiny
// (1e-20 scale), 5 constant, 6 a zero first super-block, 7 uniform(-1, 1), 8 all negative, 9 with outliers.
class GoldenBytes : public ::testing::TestWithParam<Golden> {};

TEST_P(GoldenBytes, EqualLlamaCppReferenceQuantizer) {
  const Golden g = GetParam();
  const auto input = read_bytes(test::data_path("quant-golden/input-16x512.f32"));
  const auto want = read_bytes(test::data_path(std::string("quant-golden/") + g.file));
  constexpr size_t rows = 16, cols = 512;
  ASSERT_EQ(input.size(), rows * cols * sizeof(float));
  std::vector<float> x(rows * cols);  // (rows, cols)
  std::memcpy(x.data(), input.data(), input.size());
  const uint64_t row_bytes = *ggml_row_bytes(g.type, cols);
  ASSERT_EQ(want.size(), rows * row_bytes);
  std::vector<uint8_t> got(rows * row_bytes);
  for (size_t r = 0; r < rows; ++r) quantize_row(g.type, &x[r * cols], &got[r * row_bytes], cols);
  for (size_t r = 0; r < rows; ++r)
    EXPECT_EQ(std::memcmp(&got[r * row_bytes], &want[r * row_bytes], row_bytes), 0) << "row " << r;
}

INSTANTIATE_TEST_SUITE_P(QuantRoundTrip, GoldenBytes,
                         ::testing::Values(Golden{GgmlType::Q4_0, "llamacpp-q4_0.bin"},
                                           Golden{GgmlType::Q4_1, "llamacpp-q4_1.bin"},
                                           Golden{GgmlType::Q5_0, "llamacpp-q5_0.bin"},
                                           Golden{GgmlType::Q5_1, "llamacpp-q5_1.bin"},
                                           Golden{GgmlType::Q8_0, "llamacpp-q8_0.bin"},
                                           Golden{GgmlType::Q2_K, "llamacpp-q2_k.bin"},
                                           Golden{GgmlType::Q3_K, "llamacpp-q3_k.bin"},
                                           Golden{GgmlType::Q4_K, "llamacpp-q4_k.bin"},
                                           Golden{GgmlType::Q5_K, "llamacpp-q5_k.bin"},
                                           Golden{GgmlType::Q6_K, "llamacpp-q6_k.bin"},
                                           Golden{GgmlType::IQ4_NL, "llamacpp-iq4_nl.bin"},
                                           Golden{GgmlType::IQ4_XS, "llamacpp-iq4_xs.bin"}),
                         [](const auto& info) { return std::string(ggml_traits(info.param.type).name); });

}  // namespace
}  // namespace edt

namespace edt {
namespace {

// Relative RMS error (||x - dequant(quant(x))|| / ||x||) of normal(0, 1) rows, measured with these seeds (worst
// of the four lengths: Q8_0 0.0056, Q8_K 0.0071, Q6_K 0.019, Q5_K 0.037, Q5_1 0.038, Q5_0 0.044, Q4_K 0.072,
// IQ4_NL 0.077, IQ4_XS 0.078, Q4_1 0.079, Q4_0 0.090, Q3_K 0.154, Q2_K 0.306) and bounded ~25% above it: a
// broken search or packing costs far more. The code is scalar without FMA, so the figures do not depend on the CPU.
struct RoundTrip {
  GgmlType type;
  double max_rel_rms;
};

double relative_rms_error(GgmlType type, size_t n, uint32_t seed) {
  const auto x = test::random_floats(n, seed, 1.0f);
  std::vector<uint8_t> q(*ggml_row_bytes(type, n));
  std::vector<float> y(n);
  quantize_row(type, x.data(), q.data(), n);
  dequantize_row(type, q.data(), y.data(), n);
  return test::rel_l2(y.data(), x.data(), n);
}

class RoundTripError : public ::testing::TestWithParam<RoundTrip> {};

TEST_P(RoundTripError, WithinTheTypesBound) {
  const RoundTrip c = GetParam();
  const uint32_t block = ggml_traits(c.type).block_elems;
  for (size_t blocks : {1, 3, 7, 13}) {  // awkward row lengths: 1..13 blocks
    const double err = relative_rms_error(c.type, blocks * block * (block == 32 ? 8 : 1), 100 + static_cast<uint32_t>(blocks));
    EXPECT_LE(err, c.max_rel_rms) << ggml_traits(c.type).name << " with " << blocks << " blocks";
    EXPECT_GT(err, 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(QuantRoundTrip, RoundTripError,
                         ::testing::Values(RoundTrip{GgmlType::Q8_0, 0.007}, RoundTrip{GgmlType::Q4_0, 0.11},
                                           RoundTrip{GgmlType::Q4_1, 0.1}, RoundTrip{GgmlType::Q5_0, 0.055},
                                           RoundTrip{GgmlType::Q5_1, 0.048}, RoundTrip{GgmlType::Q2_K, 0.38},
                                           RoundTrip{GgmlType::Q3_K, 0.19}, RoundTrip{GgmlType::Q4_K, 0.09},
                                           RoundTrip{GgmlType::Q5_K, 0.046}, RoundTrip{GgmlType::Q6_K, 0.023},
                                           RoundTrip{GgmlType::Q8_K, 0.009}, RoundTrip{GgmlType::IQ4_NL, 0.097},
                                           RoundTrip{GgmlType::IQ4_XS, 0.098}),
                         [](const auto& info) { return std::string(ggml_traits(info.param.type).name); });

}  // namespace
}  // namespace edt

namespace edt {
namespace {

TEST(QuantRoundTrip, Q8KSumsAndScale) {
  const auto x = test::random_floats(512, 9, 3.0f);
  BlockQ8_K b[2];
  quantize_row_q8_k(x.data(), b, 512);
  for (const BlockQ8_K& blk : b) {
    int amax = 0;
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += blk.qs[16 * g + i];
      EXPECT_EQ(blk.bsums[g], sum);
    }
    for (int8_t q : blk.qs) amax = std::max(amax, std::abs(static_cast<int>(q)));
    EXPECT_EQ(amax, 127);  // the largest magnitude maps to +-127
  }
  float y[512];
  dequantize_row_q8_k(b, y, 512);
  for (size_t i = 0; i < 512; ++i) EXPECT_LE(std::fabs(y[i] - x[i]), 0.5f * std::fabs(b[i / 256].d) * 1.0001f);
}

TEST(QuantRoundTrip, ZeroRowsStayZero) {
  size_t count = 0;
  const QuantTypeInfo* table = quant_type_table(&count);
  for (size_t k = 0; k < count; ++k) {
    const QuantTypeInfo& t = table[k];
    if (!t.quantize_row) continue;
    const size_t n = 512;
    std::vector<float> x(n, 0.0f), y(n, 1.0f);
    std::vector<uint8_t> q(*ggml_row_bytes(static_cast<GgmlType>(t.id), n));
    t.quantize_row(x.data(), q.data(), n);
    t.dequantize_row(q.data(), y.data(), n);
    for (float v : y) ASSERT_EQ(v, 0.0f) << t.name;
  }
}

// A NaN or Inf in any scale field of any block type is found, and only that block counts.
TEST(QuantRoundTrip, NonFiniteScalesAreCounted) {
  size_t count = 0;
  const QuantTypeInfo* table = quant_type_table(&count);
  for (size_t k = 0; k < count; ++k) {
    const QuantTypeInfo& t = table[k];
    if (!t.quantize_row || t.block_elems == 1 || t.id == static_cast<uint32_t>(GgmlType::Q8_K)) continue;
    const auto type = static_cast<GgmlType>(t.id);
    int scale_fields = 0;
    const size_t n = 4 * t.block_elems;
    const auto x = test::random_floats(n, 3);
    std::vector<uint8_t> q(*ggml_row_bytes(type, n));
    t.quantize_row(x.data(), q.data(), n);
    EXPECT_EQ(count_nonfinite_blocks(type, q.data(), q.size()), 0u) << t.name;
    // Find the block's scale fields by dequantizing: corrupt each 2-byte-aligned f16 word of block 2 in turn and
    // keep those whose corruption turns the block's values non-finite; every such field must be reported.
    for (size_t off = 0; off + 2 <= t.block_bytes; off += 2) {
      std::vector<uint8_t> bad = q;
      const uint16_t nan16 = 0x7e00, inf16 = 0x7c00;
      std::memcpy(&bad[2 * t.block_bytes + off], off % 4 == 0 ? &nan16 : &inf16, 2);
      std::vector<float> y(n);
      t.dequantize_row(bad.data(), y.data(), n);
      bool nonfinite = false;
      for (float v : y) nonfinite |= !std::isfinite(v);
      if (nonfinite) {
        ++scale_fields;
        EXPECT_EQ(count_nonfinite_blocks(type, bad.data(), bad.size()), 1u) << t.name << " offset " << off;
      }
    }
    EXPECT_GE(scale_fields, 1) << t.name;
  }
  BlockQ8_K b{};  // f32 scale
  b.d = std::nanf("");
  EXPECT_EQ(count_nonfinite_blocks(GgmlType::Q8_K, reinterpret_cast<const uint8_t*>(&b), sizeof b), 1u);
}

}  // namespace
}  // namespace edt
