// Every optimised kernel against its plain reference on random data of awkward sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "cpu/read_bandwidth.h"
#include "cpu/vector_math.h"
#include "engine/attention.h"
#include "engine/kernels/kernel_table.h"
#include "engine/ops/dot_kernels.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linear.h"
#include "tests/test_util.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

// The per-row kernels are tested per type and level in kernel_table_test.cpp; this is the matrix product around
// them (threads, GEMM blocks), for every type of the table.
TEST(Linear, MatvecAndGemmMatchReference) {
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);
  for (size_t ti = 0; ti < count; ++ti) {
    const GgmlType type = table[ti]->type;
    const size_t rows = 300;  // > one GEMM block, not a multiple of it
    const size_t cols = ggml_traits(type).block_elems <= 32 ? 96 : 512;
    const auto values = test::random_floats(rows * cols, 5);
    const auto bytes = test::quantized_rows(type, values, rows, cols);
    const WeightMatrix w = bind_weight_matrix(type, bytes.data(), rows, cols, process_isa());
    for (size_t n : {1u, 3u, 17u}) {
      const auto x = test::random_floats(n * cols, 9);
      std::vector<float> want(n * rows), got(n * rows), scratch(2 * kGemmBlockRows * cols);  // 2 threads
      matmul_ref(w, x.data(), n, want.data());
      matmul(w, x.data(), n, got.data(), scratch.data(), 2);
      // Types with int8 activations take them on the one-token path: the contract's tolerance is the
      // activations' rounding (half a step of 1/127 of each block's largest value: ~0.5% relative).
      const bool int8_path = n == 1 && w.activations != ActFormat::F32;
      EXPECT_LE(test::rel_l2(got.data(), want.data(), want.size()), int8_path ? 1e-2 : 1e-6)
          << ggml_traits(type).name << " n=" << n;
    }
  }
}

TEST(Elementwise, RmsnormSoftmaxRopeSwiglu) {
  const auto x = test::random_floats(77, 1);
  const auto wgt = test::random_floats(77, 2);
  std::vector<float> y(77);
  rmsnorm(y.data(), x.data(), wgt.data(), 77, 1e-5f);
  double ss = 0;
  for (float v : x) ss += static_cast<double>(v) * v;
  const double scale = 1.0 / std::sqrt(ss / 77 + 1e-5);
  for (size_t i = 0; i < 77; ++i) EXPECT_NEAR(y[i], x[i] * scale * wgt[i], 1e-5);

  std::vector<float> s = {1.0f, 2.0f, 3.0f, -1000.0f};
  softmax(s.data(), s.size(), Isa::Scalar);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(s[0], std::exp(1.0) / z, 1e-7);
  EXPECT_NEAR(s[2], std::exp(3.0) / z, 1e-7);
  EXPECT_EQ(s[3], 0.0f);

  // RoPE rotates each interleaved pair and preserves its length.
  std::vector<float> head = {1.0f, 0.0f, 3.0f, 4.0f};
  const float c[2] = {0.0f, std::cos(0.5f)}, sn[2] = {1.0f, std::sin(0.5f)};
  rope_apply(head.data(), c, sn, 4);
  EXPECT_NEAR(head[0], 0.0f, 1e-7);
  EXPECT_NEAR(head[1], 1.0f, 1e-7);
  EXPECT_NEAR(std::hypot(head[2], head[3]), 5.0f, 1e-5);
  EXPECT_NEAR(head[2], 3 * std::cos(0.5f) - 4 * std::sin(0.5f), 1e-6);

  std::vector<float> g = {0.0f, 1.0f, -2.0f}, u = {5.0f, 2.0f, 1.0f};
  swiglu(g.data(), u.data(), 3, Isa::Scalar);
  EXPECT_NEAR(g[0], 0.0f, 1e-7);
  EXPECT_NEAR(g[1], 2.0f / (1.0f + std::exp(-1.0f)), 1e-6);
  EXPECT_NEAR(g[2], -2.0f / (1.0f + std::exp(2.0f)), 1e-6);
}

}  // namespace
}  // namespace edt

namespace edt {
namespace {

// Every attention route (batched sgemm; the AVX2 decode passes of four heads and of one; the plain loop) against
// the plain reference, for F32 and F16 caches, at GQA 8:2 (runs of four) and 6:2 (runs of one), mid-context.
TEST(Attention, AllRoutesMatchReference) {
  for (KvType type : {KvType::F32, KvType::F16}) {
    for (size_t n_head : {8u, 6u}) {
      const size_t hd = 24, n_head_kv = 2, n_ctx = 70, kv_dim = n_head_kv * hd, q_dim = n_head * hd, pos0 = 9;
      const AttentionShape shape{n_head, n_head_kv, hd, 1.0f / std::sqrt(static_cast<float>(hd))};
      KvCache cache(2, n_ctx, n_head_kv, hd, type);
      const auto kv = test::random_floats(2 * n_ctx * kv_dim, 3);
      for (size_t p = 0; p < n_ctx; ++p) cache.store(1, p, &kv[p * kv_dim], &kv[(n_ctx + p) * kv_dim]);
      for (size_t n : {1u, 2u, 3u, 4u, 33u}) {
        const auto q = test::random_floats(n * q_dim, static_cast<uint32_t>(n));
        std::vector<float> want(n * q_dim), got(n * q_dim);
        attention_ref(q.data(), cache, 1, pos0, n, shape, want.data());
        for (Isa isa : {Isa::Scalar, process_isa()}) {
          for (int threads : {1, 2}) {
            for (size_t scratch_rows : {size_t{1}, size_t{64}}) {  // tiny scratch: the batched route works in blocks
              std::vector<float> scratch(attention_scratch_floats(scratch_rows, n_ctx, hd, type, threads));
              attention(q.data(), cache, 1, pos0, n, shape, isa, scratch.data(), scratch.size(), got.data(), threads);
              EXPECT_LE(test::rel_l2(got.data(), want.data(), want.size()), 1e-5)
                  << kv_type_name(type) << " heads=" << n_head << " n=" << n << " isa=" << isa_name(isa)
                  << " threads=" << threads;
            }
          }
        }
      }
    }
  }
}

// An F16 cache holds what it was given to F16 precision.
TEST(KvCache, F16RoundTripsWithinHalfPrecision) {
  KvCache cache(1, 4, 2, 20, KvType::F16);
  const auto k = test::random_floats(40, 1), v = test::random_floats(40, 2);
  cache.store(0, 3, k.data(), v.data());
  std::vector<float> k2(40), v2(40);
  cache.load_k(0, 3, k2.data());
  cache.load_v(0, 3, v2.data());
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_NEAR(k2[i], k[i], std::fabs(k[i]) * 1e-3 + 1e-7);
    EXPECT_NEAR(v2[i], v[i], std::fabs(v[i]) * 1e-3 + 1e-7);
  }
  EXPECT_EQ(cache.bytes(), KvCache::bytes_for(1, 4, 40, KvType::F16));
  EXPECT_EQ(cache.bytes(), 2u * 4 * 40 * 2);
}

// Softmax, SwiGLU and the shared max / exp loops at every level this process may run, against the references, on
// random inputs of awkward lengths (tails of every size below both vector widths).
TEST(Elementwise, EveryLevelMatchesTheReference) {
  for (Isa isa : test::isa_levels()) {
    for (size_t n : {1u, 5u, 8u, 13u, 16u, 17u, 31u, 64u, 100u, 1001u}) {
      auto x = test::random_floats(n, static_cast<uint32_t>(n) + 1);
      for (float& f : x) f *= 20.0f;  // a spread of logits, some far below the max
      EXPECT_EQ(max_f32(x.data(), n, isa), max_f32_ref(x.data(), n)) << isa_name(isa) << " n=" << n;
      // Against the true max, as every caller uses it: the polynomial's 2.7e-6 plus the rounding of the exponent
      // x·log2 e - max·log2 e, half an ulp of each term (2^-24 relative, times ln 2 once exponentiated).
      const float m = max_f32_ref(x.data(), n);
      std::vector<float> e1(n), e2(n);
      const double s1 = exp_shifted_ref(x.data(), n, m, e1.data());
      const double s2 = exp_shifted(x.data(), n, m, e2.data(), isa);
      EXPECT_NEAR(s2, s1, 5e-6 * s1) << isa_name(isa) << " n=" << n;
      for (size_t i = 0; i < n; ++i) {
        const double rel = 3e-6 + 1e-7 * (std::fabs(x[i]) + std::fabs(m));
        EXPECT_NEAR(e2[i], e1[i], rel * e1[i] + 1e-37) << isa_name(isa) << " n=" << n;
      }
      auto a = x, b = x;
      softmax_ref(a.data(), n);
      softmax(b.data(), n, isa);
      for (size_t i = 0; i < n; ++i) EXPECT_NEAR(b[i], a[i], 1e-5 * a[i] + 1e-9) << isa_name(isa) << " n=" << n;
      const auto up = test::random_floats(n, static_cast<uint32_t>(n) + 2);
      auto g1 = x, g2 = x;
      swiglu_ref(g1.data(), up.data(), n);
      swiglu(g2.data(), up.data(), n, isa);
      for (size_t i = 0; i < n; ++i)
        EXPECT_NEAR(g2[i], g1[i], 1e-5 * std::fabs(g1[i]) + 1e-6) << isa_name(isa) << " n=" << n;
    }
  }
}

TEST(DotKernels, AxpyMatchesReference) {
  for (size_t n : {1u, 7u, 8u, 9u, 64u, 67u}) {
    const auto x = test::random_floats(n, 1);
    auto y1 = test::random_floats(n, 2), y2 = y1;
    axpy_f32_ref(0.37f, x.data(), y1.data(), n);
    axpy_kernel(process_isa())(0.37f, x.data(), y2.data(), n);
    for (size_t i = 0; i < n; ++i) EXPECT_NEAR(y2[i], y1[i], 1e-6);
  }
}

}  // namespace
}  // namespace edt

namespace edt {
namespace {

// The bandwidth probe's read loops at every level: the sum of awkwardly sized, misaligned ranges of ones.
TEST(ReadBandwidth, EveryLevelSumsEveryElement) {
  std::vector<float> ones(5000, 1.0f);
  for (Isa isa : test::isa_levels())
    for (PrefetchTo to : {PrefetchTo::L1, PrefetchTo::L2})
      for (size_t offset : {0u, 1u, 3u, 16u})
        for (size_t n : {0u, 1u, 15u, 64u, 127u, 129u, 1000u, 4097u})
          EXPECT_EQ(read_sum_f32(ones.data() + offset, n, isa, to), static_cast<float>(n))
              << isa_name(isa) << (to == PrefetchTo::L1 ? " L1" : " L2") << " offset " << offset << " n " << n;
}

}  // namespace
}  // namespace edt
