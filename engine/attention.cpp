#include "engine/attention.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/ops/elementwise.h"
#include "engine/ops/linear.h"

namespace edt {
namespace {

constexpr size_t kBatchedMinQueries = 4;        // below this, the per-position loop is faster than sgemm calls
constexpr size_t kScoresBlockFloats = 1u << 22;  // 16 MiB of scores per block of queries

void attention_single_query(const float* q, const KvCache& cache, size_t layer, size_t n_pos, const AttentionShape& s,
                            DotKernel dot, AxpyKernel axpy, float* scores, size_t scores_per_thread, float* out,
                            int n_threads) {
  const size_t hd = s.head_dim, group = s.n_head / s.n_head_kv;
  const auto heads = static_cast<long>(s.n_head);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long h = 0; h < heads; ++h) {
    const size_t kv_off = (static_cast<size_t>(h) / group) * hd;
    const float* qh = q + static_cast<size_t>(h) * hd;
    float* att = scores + static_cast<size_t>(omp_get_thread_num()) * scores_per_thread;
    for (size_t p = 0; p < n_pos; ++p) att[p] = dot(cache.k(layer, p) + kv_off, qh, hd) * s.scale;
    softmax(att, n_pos);
    float* o = out + static_cast<size_t>(h) * hd;
    std::fill_n(o, hd, 0.0f);
    for (size_t p = 0; p < n_pos; ++p) axpy(att[p], cache.v(layer, p) + kv_off, o, hd);
  }
}

}  // namespace

// Each thread owns one region of the scratch: at least one full row of scores (n_ctx), at most a block of rows.
size_t scratch_per_thread(size_t max_batch, size_t n_ctx) {
  return std::max(n_ctx, std::min(max_batch * n_ctx, kScoresBlockFloats));
}

size_t attention_scratch_floats(size_t max_batch, size_t n_ctx, int n_threads) {
  return static_cast<size_t>(n_threads) * scratch_per_thread(max_batch, n_ctx);
}

void attention(const float* q, const KvCache& cache, size_t layer, size_t pos0, size_t n, const AttentionShape& s,
               Isa isa, float* scratch, size_t scratch_floats, float* out, int n_threads) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, kv_dim = cache.kv_dim(), group = s.n_head / s.n_head_kv;
  if (n < kBatchedMinQueries) {
    const DotKernel dot = dot_kernel(GgmlType::F32, isa);
    const AxpyKernel axpy = axpy_kernel(isa);
    for (size_t t = 0; t < n; ++t)
      attention_single_query(q + t * q_dim, cache, layer, pos0 + t + 1, s, dot, axpy, scratch,
                             scratch_floats / static_cast<size_t>(n_threads), out + t * q_dim, n_threads);
    return;
  }
  use_single_threaded_blas();
  const size_t n_pos_max = pos0 + n;
  const size_t per_thread = scratch_floats / static_cast<size_t>(n_threads);
  const size_t block = std::max<size_t>(1, std::min(n, per_thread / n_pos_max));  // query rows per block
  const auto heads = static_cast<long>(s.n_head);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long hh = 0; hh < heads; ++hh) {
    const auto h = static_cast<size_t>(hh);
    float* scores = scratch + static_cast<size_t>(omp_get_thread_num()) * per_thread;
    const float* k = cache.k(layer, 0) + (h / group) * hd;  // rows of stride kv_dim
    const float* v = cache.v(layer, 0) + (h / group) * hd;
    for (size_t t0 = 0; t0 < n; t0 += block) {
      const size_t rows = std::min(block, n - t0), n_pos = pos0 + t0 + rows;  // the last row sees n_pos positions
      // scores (rows, n_pos) = scale · Q_h (rows, hd) · K_h (n_pos, hd)ᵀ
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows), static_cast<blasint>(n_pos),
                  static_cast<blasint>(hd), s.scale, q + t0 * q_dim + h * hd, static_cast<blasint>(q_dim), k,
                  static_cast<blasint>(kv_dim), 0.0f, scores, static_cast<blasint>(n_pos));
      for (size_t r = 0; r < rows; ++r) {
        float* row = scores + r * n_pos;
        const size_t visible = pos0 + t0 + r + 1;  // causal: positions 0 .. own position
        softmax(row, visible);
        std::fill(row + visible, row + n_pos, 0.0f);
      }
      // out_h (rows, hd) = P (rows, n_pos) · V_h (n_pos, hd)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(hd),
                  static_cast<blasint>(n_pos), 1.0f, scores, static_cast<blasint>(n_pos), v,
                  static_cast<blasint>(kv_dim), 0.0f, out + t0 * q_dim + h * hd, static_cast<blasint>(q_dim));
    }
  }
}

void attention_ref(const float* q, const KvCache& cache, size_t layer, size_t pos0, size_t n, const AttentionShape& s,
                   float* out) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, group = s.n_head / s.n_head_kv;
  std::vector<double> w;
  for (size_t t = 0; t < n; ++t) {
    const size_t n_pos = pos0 + t + 1;
    for (size_t h = 0; h < s.n_head; ++h) {
      const size_t kv_off = (h / group) * hd;
      w.assign(n_pos, 0.0);
      double max = -1e300, sum = 0;
      for (size_t p = 0; p < n_pos; ++p) {
        for (size_t i = 0; i < hd; ++i) w[p] += static_cast<double>(q[t * q_dim + h * hd + i]) * cache.k(layer, p)[kv_off + i];
        w[p] *= s.scale;
        max = std::max(max, w[p]);
      }
      for (double& x : w) sum += (x = std::exp(x - max));
      for (size_t i = 0; i < hd; ++i) {
        double o = 0;
        for (size_t p = 0; p < n_pos; ++p) o += w[p] / sum * cache.v(layer, p)[kv_off + i];
        out[t * q_dim + h * hd + i] = static_cast<float>(o);
      }
    }
  }
}

}  // namespace edt
