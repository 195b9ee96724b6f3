// Every row of the kernel table at every ISA level up to the process's, against the scalar reference on random
// data of awkward sizes. A new type or level is covered by adding its row: nothing here names a type.
//
// Reference: the row dequantized by weights/quant's reference, times the f32 activations, summed in double.
// Stated tolerance of a decode kernel (docs/kernels.md): |kernel − reference| ≤ Σ|ŵ_i|·|x_i − x̂_i| (the
// activations' rounding, where x̂ is the activation format's value of x, zero for F32) + float_tolerance·Σ|ŵ_i·x_i|
// + 1e-6. The first term is checked to be at most 0.57 (Q8_0: half a step plus the f16 scale's rounding) or 0.5
// (Q8_K) of a step (block max / 127) per element, so the bound is fixed by the format, not by the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "engine/kernels/kernel_table.h"
#include "engine/kernels/row_helpers.h"
#include "engine/ops/linear.h"
#include "tests/test_util.h"
#include "weights/half.h"
#include "weights/quant/quant_types.h"

namespace edt {
namespace {

struct Case {
  const TypeKernels* kernels;
  Isa isa;
};

void PrintTo(const Case& c, std::ostream* os) { *os << kernels_name(*c.kernels) << " at " << isa_name(c.isa); }

// Whether level isa gives the row any kernel the level below does not (Amx adds prompt forms only): a level that
// adds none has nothing of its own to test.
bool adds_kernels(const TypeKernels& k, Isa isa) {
  const Isa below = static_cast<Isa>(static_cast<int>(isa) - 1);
  return decode_kernel(k, isa) != decode_kernel(k, below) || dequantize_kernel(k, isa) != dequantize_kernel(k, below) ||
         decode_tokens_kernel(k, isa) != decode_tokens_kernel(k, below) || prompt_kernel(k, isa) != prompt_kernel(k, below) ||
         bf16_prompt_kernel(k, isa) != bf16_prompt_kernel(k, below);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);
  for (size_t i = 0; i < count; ++i)
    for (Isa isa : test::isa_levels())
      if (isa == Isa::Scalar || adds_kernels(*table[i], isa)) cases.push_back({table[i], isa});
  return cases;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return std::string(kernels_name(*info.param.kernels)) + "_" + isa_name(info.param.isa);
}

// What the row's kernels read: the stored rows, repacked group by group for a repacked layout's row.
std::vector<uint8_t> kernel_bytes(const TypeKernels& k, std::vector<uint8_t> stored, size_t rows, size_t n) {
  const size_t rb = stored.size() / rows;
  if (k.row_group > 1)
    for (size_t r = 0; r < rows; r += k.row_group) k.repack(stored.data() + r * rb, rb, n);
  return stored;
}

// Row counts to test: the given awkward ones, or for a repacked layout (whole groups only) the group counts below.
std::vector<size_t> row_counts(const TypeKernels& k, std::vector<size_t> counts) {
  if (k.row_group == 1) return counts;
  // One group; a whole prompt tile of three (AVX-512 x16); one tile and two groups left over; past a 32-group chunk.
  return {k.row_group, 3 * k.row_group, 5 * k.row_group, 35 * k.row_group};
}

// Awkward widths for a block size: not powers of two, odd block counts, one block.
std::vector<size_t> widths(uint32_t block) {
  if (block == 1) return {1, 7, 8, 15, 16, 33, 100, 257, 1000};
  if (block == 32) return {32, 96, 288, 384, 1056};
  return {256, 768, 1280, 2304};
}

// x̂: the values the activation format holds for x, by the reference helper.
std::vector<float> activation_values(ActFormat f, const Activations& a, size_t n) {
  std::vector<float> out(n);
  if (f == ActFormat::F32) kernels::activation_values<ActFormat::F32>(a, 0, n, out.data());
  if (f == ActFormat::Q8_0) kernels::activation_values<ActFormat::Q8_0>(a, 0, n, out.data());
  if (f == ActFormat::Q8_K) kernels::activation_values<ActFormat::Q8_K>(a, 0, n, out.data());
  return out;
}

// Largest |x| of the activation block holding element i.
double block_max(ActFormat f, const std::vector<float>& x, size_t i) {
  const size_t block = f == ActFormat::Q8_0 ? 32 : 256, b0 = i / block * block;
  double m = 0;
  for (size_t j = b0; j < b0 + block; ++j) m = std::max(m, std::fabs(static_cast<double>(x[j])));
  return m;
}

class KernelTable : public testing::TestWithParam<Case> {};

TEST_P(KernelTable, DecodeMatchesReferenceWithinStatedTolerance) {
  const TypeKernels& k = *GetParam().kernels;
  const Isa isa = GetParam().isa;
  const GgmlType type = k.type;
  const DecodeRowsKernel decode = decode_kernel(k, isa);
  ASSERT_NE(decode, nullptr);
  for (size_t n : widths(ggml_traits(type).block_elems)) {
    // Activations with a few outliers, as real hidden states have: they set the blocks' steps.
    auto x = test::random_floats(n, static_cast<uint32_t>(n) * 7 + 2);
    for (size_t i = 0; i < n; i += 97) x[i] *= 9.0f;
    std::vector<uint8_t> scratch(activation_scratch_bytes(act_bit(k.activations), n));
    const Activations xa = quantize_activations(act_bit(k.activations), x.data(), scratch.data(), n, isa);
    const std::vector<float> xhat = activation_values(k.activations, xa, n);
    if (k.activations != ActFormat::F32) {
      const double step_share = k.activations == ActFormat::Q8_0 ? 0.57 : 0.5 * (1 + 1e-6);
      for (size_t i = 0; i < n; ++i)
        ASSERT_LE(std::fabs(static_cast<double>(x[i]) - xhat[i]), step_share * block_max(k.activations, x, i) / 127.0)
            << "activation " << i << " n=" << n;
    }
    for (size_t rows : row_counts(k, {1, 3, 4, 5, 9})) {
      const auto wv = test::random_floats(rows * n, static_cast<uint32_t>(n * rows) + 1);
      const auto bytes = test::quantized_rows(type, wv, rows, n);
      const size_t rb = bytes.size() / rows;
      std::vector<float> got(rows + 1, -7.0f);  // one past the end must stay untouched
      decode(kernel_bytes(k, bytes, rows, n).data(), rb, xa, got.data(), rows, n);
      EXPECT_EQ(got[rows], -7.0f) << "wrote past y, n=" << n << " rows=" << rows;
      std::vector<float> wf(n);
      for (size_t r = 0; r < rows; ++r) {
        dequantize_row(type, &bytes[r * rb], wf.data(), n);
        double exact = 0, norm = 0, act_err = 0;
        for (size_t i = 0; i < n; ++i) {
          exact += static_cast<double>(wf[i]) * x[i];
          norm += std::fabs(static_cast<double>(wf[i]) * x[i]);
          act_err += std::fabs(static_cast<double>(wf[i])) * std::fabs(static_cast<double>(x[i]) - xhat[i]);
        }
        EXPECT_NEAR(got[r], exact, act_err + k.float_tolerance * norm + 1e-6) << "n=" << n << " rows=" << rows << " row " << r;
      }
    }
  }
}

TEST_P(KernelTable, DequantizeEqualsReferenceBitForBit) {
  const TypeKernels& k = *GetParam().kernels;
  if (k.row_group > 1) {  // a repacked layout: each lane of a group against its stored row
    for (size_t n : widths(ggml_traits(k.type).block_elems)) {
      const auto values = test::random_floats(k.row_group * n, static_cast<uint32_t>(n) + 3);
      const auto stored = test::quantized_rows(k.type, values, k.row_group, n);
      const auto group = kernel_bytes(k, stored, k.row_group, n);
      const size_t rb = stored.size() / k.row_group;
      for (size_t lane = 0; lane < k.row_group; ++lane) {
        std::vector<float> ref(n), got(n + 1, -7.0f);
        dequantize_row(k.type, &stored[lane * rb], ref.data(), n);
        k.dequantize_lane(group.data(), rb, lane, got.data(), n);
        EXPECT_EQ(0, std::memcmp(ref.data(), got.data(), n * sizeof(float))) << "n=" << n << " lane " << lane;
        EXPECT_EQ(got[n], -7.0f) << "wrote past the row, n=" << n;
      }
    }
    return;
  }
  const DequantizeRowKernel dequant = dequantize_kernel(k, GetParam().isa);
  for (size_t n : widths(ggml_traits(k.type).block_elems)) {
    const auto values = test::random_floats(n, static_cast<uint32_t>(n) + 3);
    const auto row = test::quantized_rows(k.type, values, 1, n);
    std::vector<float> ref(n), got(n + 1, -7.0f);
    dequantize_row(k.type, row.data(), ref.data(), n);
    dequant(row.data(), got.data(), n);
    EXPECT_EQ(0, std::memcmp(ref.data(), got.data(), n * sizeof(float))) << "n=" << n;
    EXPECT_EQ(got[n], -7.0f) << "wrote past the row, n=" << n;
  }
}

// The multi-token form (where a level has one) gives, for every token and row, decode's bits for that token
// alone: every token count a call takes (1 .. kMaxTileTokens) and row counts around the 4-row groups.
// Only the (type, level) rows that have one; the others run decode once per token.
std::vector<Case> cases_with(DecodeTokensKernel (*form)(const TypeKernels&, Isa)) {
  std::vector<Case> cases;
  for (const Case& c : all_cases())
    if (form(*c.kernels, c.isa) != nullptr) cases.push_back(c);
  return cases;
}

class KernelTableTokens : public testing::TestWithParam<Case> {};
// At EDT_ISA=scalar no row has a multi-token form: the suite is then empty, which is expected.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KernelTableTokens);

TEST_P(KernelTableTokens, DecodeTokensEqualsDecodePerTokenBitForBit) {
  const TypeKernels& k = *GetParam().kernels;
  const Isa isa = GetParam().isa;
  const DecodeTokensKernel tokens_kernel = decode_tokens_kernel(k, isa);
  ASSERT_NE(tokens_kernel, nullptr);
  const DecodeRowsKernel decode = decode_kernel(k, isa);
  for (size_t n : widths(ggml_traits(k.type).block_elems)) {
    const size_t bytes = activation_scratch_bytes(act_bit(k.activations), n);
    std::vector<uint8_t> scratch(kMaxTileTokens * bytes);
    Activations xa[kMaxTileTokens];
    std::vector<std::vector<float>> x(kMaxTileTokens);
    for (size_t t = 0; t < kMaxTileTokens; ++t) {
      x[t] = test::random_floats(n, static_cast<uint32_t>(n * 13 + t));
      xa[t] = quantize_activations(act_bit(k.activations), x[t].data(), scratch.data() + t * bytes, n, isa);
    }
    for (size_t rows : row_counts(k, {1, 3, 4, 7, 9})) {
      const auto wv = test::random_floats(rows * n, static_cast<uint32_t>(n * rows) + 5);
      const auto w = kernel_bytes(k, test::quantized_rows(k.type, wv, rows, n), rows, n);
      const size_t rb = w.size() / rows, stride = rows + 2;  // a stride wider than rows: the gap stays untouched
      for (size_t tokens = 1; tokens <= kMaxTileTokens; ++tokens) {
        std::vector<float> got(tokens * stride, -7.0f), want(rows);
        tokens_kernel(w.data(), rb, xa, tokens, got.data(), stride, rows, n);
        for (size_t t = 0; t < tokens; ++t) {
          decode(w.data(), rb, xa[t], want.data(), rows, n);
          EXPECT_EQ(0, std::memcmp(want.data(), &got[t * stride], rows * sizeof(float)))
              << "n=" << n << " rows=" << rows << " tokens=" << tokens << " token " << t;
          EXPECT_EQ(got[t * stride + rows], -7.0f) << "wrote past the rows, token " << t;
        }
      }
    }
  }
}

// The prompt form (where a level has one): exact integer products like decode, float sums in another order, so
// each value is decode's within float rounding: |prompt − decode| ≤ 2·float_tolerance·(Σ|ŵ_i·x̂_i| + max|ŵ|·Σ|x̂_i|),
// the second term for a block offset taken out as a separate product (the offset times the block's scale is at
// most about the block's largest weight). Token counts around its 4-token tiles, rows around its 8-row groups,
// and widths past its 64-block chunks.
class KernelTablePrompt : public testing::TestWithParam<Case> {};
// At EDT_ISA=scalar no row has a prompt form: the suite is then empty, which is expected.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KernelTablePrompt);

TEST_P(KernelTablePrompt, PromptEqualsDecodeWithinFloatRounding) {
  const TypeKernels& k = *GetParam().kernels;
  const Isa isa = GetParam().isa;
  const DecodeTokensKernel prompt = prompt_kernel(k, isa);
  ASSERT_NE(prompt, nullptr);
  const DecodeRowsKernel decode = decode_kernel(k, isa);
  constexpr size_t kTokens = 33;  // past two 16-token tiles (AMX), with every shorter group below
  std::vector<size_t> ns = widths(ggml_traits(k.type).block_elems);
  ns.push_back(65 * ggml_traits(k.type).block_elems);  // past one 64-block chunk
  for (size_t n : ns) {
    const size_t bytes = activation_scratch_bytes(act_bit(k.activations), n);
    std::vector<uint8_t> scratch(kTokens * bytes);
    std::vector<Activations> xa(kTokens);
    std::vector<std::vector<float>> xhat(kTokens);
    std::vector<std::vector<float>> xs(kTokens);  // kept: the F32 format's activations view x itself
    for (size_t t = 0; t < kTokens; ++t) {
      auto& x = xs[t];
      x = test::random_floats(n, static_cast<uint32_t>(n * 31 + t));
      for (size_t i = t; i < n; i += 89) x[i] *= 7.0f;
      xa[t] = quantize_activations(act_bit(k.activations), x.data(), scratch.data() + t * bytes, n, isa);
      xhat[t] = activation_values(k.activations, xa[t], n);
    }
    // Reversed: tokens at a negative stride in memory, for kernels that read the tokens' activations as one strided
    // block.
    std::vector<Activations> xa_reversed(xa.rbegin(), xa.rend());
    for (size_t rows : row_counts(k, {8, 13, 16, 21, 37})) {
      const auto wv = test::random_floats(rows * n, static_cast<uint32_t>(n * rows) + 9);
      const auto stored = test::quantized_rows(k.type, wv, rows, n);
      const auto w = kernel_bytes(k, stored, rows, n);
      const size_t rb = w.size() / rows, stride = rows + 3;
      std::vector<float> wf(rows * n);  // (rows, n) the dequantized weights
      for (size_t r = 0; r < rows; ++r) dequantize_row(k.type, &stored[r * rb], &wf[r * n], n);
      // Tokens xs[0..tokens) against decode of xa[index(t)], each row within the stated bound.
      auto check = [&](const Activations* xs, size_t tokens, auto index, const char* order) {
        std::vector<float> got(tokens * stride, -7.0f), want(rows);
        prompt(w.data(), rb, xs, tokens, got.data(), stride, rows, n);
        for (size_t t = 0; t < tokens; ++t) {
          const size_t token = index(t);
          decode(w.data(), rb, xa[token], want.data(), rows, n);
          for (size_t r = 0; r < rows; ++r) {
            double wx = 0, xsum = 0, wmax = 0;
            for (size_t i = 0; i < n; ++i) {
              wx += std::fabs(static_cast<double>(wf[r * n + i]) * xhat[token][i]);
              xsum += std::fabs(static_cast<double>(xhat[token][i]));
              wmax = std::max(wmax, std::fabs(static_cast<double>(wf[r * n + i])));
            }
            EXPECT_NEAR(got[t * stride + r], want[r], 2 * k.float_tolerance * (wx + wmax * xsum))
                << "n=" << n << " rows=" << rows << " tokens=" << tokens << " token " << t << " row " << r << order;
          }
          EXPECT_EQ(got[t * stride + rows], -7.0f) << "wrote past the rows, token " << t << order;
        }
      };
      for (size_t tokens : {1u, 3u, 4u, 9u, 16u, 33u}) check(xa.data(), tokens, [](size_t t) { return t; }, "");
      // The last 16 tokens in reverse: xa_reversed[kTokens - 16 + t] is xa[15 - t].
      check(xa_reversed.data() + (kTokens - 16), 16, [](size_t t) { return 15 - t; }, " (reversed)");
    }
  }
}

// The bf16 prompt form (where a level has one and the CPU its feature): against the products of the operands
// rounded to bf16, summed in double, within f32 summation (float_tolerance·Σ|ŵ·x̂|); and against the exact f32
// product within the stated bound (kBf16ProductTolerance + float_tolerance)·Σ|w·x|. Widths odd and past the
// depth slices (256 elements AVX-512, 512 AMX), rows past a 32-group chunk, tokens around the 8-token tiles and
// AMX's 16-token halves.
class KernelTableBf16Prompt : public testing::TestWithParam<Case> {};
// Without AVX512_BF16 or AMX-BF16 no row has a bf16 form: the suite is then empty, which is expected.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(KernelTableBf16Prompt);

TEST_P(KernelTableBf16Prompt, WithinBf16RoundingOfTheExactProduct) {
  const TypeKernels& k = *GetParam().kernels;
  const DecodeTokensKernel prompt = bf16_prompt_kernel(k, GetParam().isa);
  ASSERT_NE(prompt, nullptr);
  ASSERT_EQ(k.activations, ActFormat::F32);
  auto bf16 = [](double v) { return static_cast<double>(bf16_to_f32(f32_to_bf16(static_cast<float>(v)))); };
  constexpr size_t kTokens = 33;
  for (size_t n : {1u, 7u, 33u, 256u, 257u, 600u, 1000u}) {
    std::vector<std::vector<float>> xs(kTokens);
    std::vector<Activations> xa(kTokens);
    for (size_t t = 0; t < kTokens; ++t) {
      xs[t] = test::random_floats(n, static_cast<uint32_t>(n * 13 + t));
      for (size_t i = t; i < n; i += 71) xs[t][i] *= 9.0f;
      xa[t].f32 = xs[t].data();
    }
    for (size_t rows : row_counts(k, {})) {
      const auto stored = test::quantized_rows(k.type, test::random_floats(rows * n, static_cast<uint32_t>(n + rows)), rows, n);
      const auto w = kernel_bytes(k, stored, rows, n);
      const size_t rb = w.size() / rows, stride = rows + 5;
      std::vector<float> wf(rows * n);  // (rows, n) the weights' values
      for (size_t r = 0; r < rows; ++r) dequantize_row(k.type, &stored[r * rb], &wf[r * n], n);
      // (kTokens, rows) each product summed in double: of the rounded operands, and exactly; with their norms.
      std::vector<double> rounded(kTokens * rows), rounded_norm(kTokens * rows), exact(kTokens * rows), norm(kTokens * rows);
      for (size_t t = 0; t < kTokens; ++t)
        for (size_t r = 0; r < rows; ++r)
          for (size_t i = 0; i < n; ++i) {
            const double wv = wf[r * n + i], xv = xs[t][i], p = bf16(wv) * bf16(xv);
            rounded[t * rows + r] += p;
            rounded_norm[t * rows + r] += std::fabs(p);
            exact[t * rows + r] += wv * xv;
            norm[t * rows + r] += std::fabs(wv * xv);
          }
      for (size_t tokens : {1u, 3u, 8u, 9u, 16u, 17u, 33u}) {
        std::vector<float> got(tokens * stride, -7.0f);
        prompt(w.data(), rb, xa.data(), tokens, got.data(), stride, rows, n);
        for (size_t t = 0; t < tokens; ++t) {
          for (size_t r = 0; r < rows; ++r) {
            const size_t j = t * rows + r;
            const float v = got[t * stride + r];
            ASSERT_NEAR(v, rounded[j], k.float_tolerance * rounded_norm[j] + 1e-30)
                << "n=" << n << " rows=" << rows << " tokens=" << tokens << " token " << t << " row " << r;
            ASSERT_NEAR(v, exact[j], (kBf16ProductTolerance + k.float_tolerance) * norm[j] + 1e-30)
                << "n=" << n << " rows=" << rows << " tokens=" << tokens << " token " << t << " row " << r;
          }
          EXPECT_EQ(got[t * stride + rows], -7.0f) << "wrote past the rows, token " << t;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypesAllLevels, KernelTable, testing::ValuesIn(all_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(PromptRows, KernelTablePrompt, testing::ValuesIn(cases_with(prompt_kernel)), case_name);
INSTANTIATE_TEST_SUITE_P(Bf16PromptRows, KernelTableBf16Prompt, testing::ValuesIn(cases_with(bf16_prompt_kernel)),
                         case_name);
INSTANTIATE_TEST_SUITE_P(MultiTokenRows, KernelTableTokens, testing::ValuesIn(cases_with(decode_tokens_kernel)), case_name);

// The SIMD activation quantizers against the scalar ones: Q8_K bit for bit, Q8_0 within one code on ties.
TEST(Activations, QuantizersMatchScalar) {
  for (Isa isa : test::isa_levels()) {
    for (size_t n : {256u, 768u, 2304u}) {
      auto x = test::random_floats(n, static_cast<uint32_t>(n) + 5);
      x[3] = 40.0f;
      x[4] = -40.0f;  // a tie for the largest magnitude: the first one sets the scale's sign
      const ActFormatSet both = act_bit(ActFormat::Q8_0) | act_bit(ActFormat::Q8_K);
      std::vector<uint8_t> s_ref(activation_scratch_bytes(both, n)), s_got(s_ref.size());
      const Activations ref = quantize_activations(both, x.data(), s_ref.data(), n, Isa::Scalar);
      const Activations got = quantize_activations(both, x.data(), s_got.data(), n, isa);
      EXPECT_EQ(0, std::memcmp(ref.q8_k, got.q8_k, n / 256 * sizeof(BlockQ8_K))) << isa_name(isa) << " n=" << n;
      for (size_t b = 0; b < n / 32; ++b) {
        EXPECT_EQ(ref.q8_0[b].d, got.q8_0[b].d);
        for (int j = 0; j < 32; ++j) EXPECT_LE(std::abs(ref.q8_0[b].qs[j] - got.q8_0[b].qs[j]), 1);
      }
    }
  }
}

// A group whose matrices differ in type and activation format (F16, Q8_0, and the first Q8_K type of the table)
// gives each matrix the result of its own matvec (up to the summation order of a different row split).
TEST(KernelTableGroup, MixedTypesShareOneQuantizedInput) {
  const size_t cols = 512;
  std::vector<GgmlType> types = {GgmlType::F16, GgmlType::Q8_0};
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);
  for (size_t i = 0; i < count; ++i)
    if (table[i]->activations == ActFormat::Q8_K) {
      types.push_back(table[i]->type);
      break;
    }
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<WeightMatrix> mats;
  const std::vector<size_t> rows = {37, 64, 21};
  for (size_t m = 0; m < types.size(); ++m)
    bytes.push_back(test::quantized_rows(types[m], test::random_floats(rows[m] * cols, 40 + static_cast<uint32_t>(m)), rows[m], cols));
  for (size_t m = 0; m < types.size(); ++m) mats.push_back(bind_weight_matrix(types[m], bytes[m].data(), rows[m], cols, process_isa()));
  const auto x = test::random_floats(cols, 77);
  std::vector<std::vector<float>> grouped(types.size()), alone(types.size());
  std::vector<MatvecTask> tasks;
  for (size_t m = 0; m < types.size(); ++m) {
    grouped[m].resize(rows[m]);
    alone[m].resize(rows[m]);
    tasks.push_back({&mats[m], grouped[m].data()});
  }
  std::vector<uint8_t> scratch(matvec_scratch_bytes(cols));
  matvec_group(tasks, x.data(), scratch.data(), 2);
  for (size_t m = 0; m < types.size(); ++m) {
    matvec(mats[m], x.data(), alone[m].data(), scratch.data(), 1);
    for (size_t r = 0; r < rows[m]; ++r)
      EXPECT_NEAR(grouped[m][r], alone[m][r], 1e-5 * (std::fabs(alone[m][r]) + 1)) << ggml_traits(types[m]).name << " row " << r;
  }
}

}  // namespace
}  // namespace edt
