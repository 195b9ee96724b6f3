#include "engine/attention.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/attention_decode.h"
#include "engine/ops/elementwise.h"
#include "engine/ops/linear.h"
#include "weights/half.h"

namespace edt {
namespace {

constexpr size_t kBatchedMinQueries = 4;        // below this, the per-position loop is faster than sgemm calls
constexpr size_t kScoresBlockFloats = 1u << 22;  // 16 MiB of scores per block of queries

inline float kv_at(const uint8_t* row, size_t i, KvType type) {
  return type == KvType::F32 ? reinterpret_cast<const float*>(row)[i]
                             : f16_to_f32(reinterpret_cast<const uint16_t*>(row)[i]);
}

// Floats per thread kept for converting one KV head's K and V rows to F32 for sgemm (F16 caches only).
size_t conversion_floats(size_t n_ctx, size_t head_dim, KvType type) {
  return type == KvType::F16 ? 2 * n_ctx * head_dim : 0;
}

// The one-query route without AVX2 (or with a head size that is not a multiple of 8): one head at a time.
void attention_single_query_plain(const float* q, const KvCache& cache, size_t layer, size_t n_pos,
                                  const AttentionShape& s, float* scratch, size_t per_thread, float* out,
                                  int n_threads) {
  const size_t hd = s.head_dim, group = s.n_head / s.n_head_kv, row_bytes = cache.head_row_bytes();
  const KvType type = cache.type();
  const size_t first = first_visible(s, n_pos - 1);
  const auto heads = static_cast<long>(s.n_head);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long h = 0; h < heads; ++h) {
    const size_t kv_head = static_cast<size_t>(h) / group;
    const float* qh = q + static_cast<size_t>(h) * hd;
    float* att = scratch + static_cast<size_t>(omp_get_thread_num()) * per_thread;  // (n_pos - first)
    for (size_t p = first; p < n_pos; ++p) {
      const uint8_t* k = cache.k_head(layer, kv_head) + p * row_bytes;
      float dot = 0;
      for (size_t i = 0; i < hd; ++i) dot += qh[i] * kv_at(k, i, type);
      att[p - first] = dot * s.scale;
    }
    if (s.softcap > 0) softcap(att, n_pos - first, s.softcap);
    softmax(att, n_pos - first, Isa::Scalar);  // the plain route is the reference
    float* o = out + static_cast<size_t>(h) * hd;
    std::fill_n(o, hd, 0.0f);
    for (size_t p = first; p < n_pos; ++p) {
      const uint8_t* v = cache.v_head(layer, kv_head) + p * row_bytes;
      for (size_t i = 0; i < hd; ++i) o[i] += att[p - first] * kv_at(v, i, type);
    }
  }
}

}  // namespace

// Each thread owns one region of the scratch: at least the scores of four heads over the whole context (the decode
// route), at most a block of query rows; then, for F16 caches, room for one KV head's K and V rows as F32.
size_t attention_scratch_floats(size_t max_batch, size_t n_ctx, size_t head_dim, KvType type, int n_threads) {
  const size_t scores = std::max(kDecodeHeadsPerPass * n_ctx, std::min(max_batch * n_ctx, kScoresBlockFloats));
  return static_cast<size_t>(n_threads) * (scores + conversion_floats(n_ctx, head_dim, type));
}

void attention(const float* q, const KvCache& cache, size_t layer, size_t pos0, size_t n, const AttentionShape& s,
               Isa isa, float* scratch, size_t scratch_floats, float* out, int n_threads) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, group = s.n_head / s.n_head_kv;
  const size_t per_thread = scratch_floats / static_cast<size_t>(n_threads);
  if (n < kBatchedMinQueries) {
    for (size_t t = 0; t < n; ++t) {
      if (isa >= Isa::Avx2 && hd % 8 == 0)
        attention_decode_avx2(q + t * q_dim, cache, layer, pos0 + t + 1, s, scratch, per_thread, out + t * q_dim,
                              n_threads);
      else
        attention_single_query_plain(q + t * q_dim, cache, layer, pos0 + t + 1, s, scratch, per_thread,
                                     out + t * q_dim, n_threads);
    }
    return;
  }
  use_single_threaded_blas();
  const size_t n_pos_max = pos0 + n, n_ctx = cache.n_ctx();
  const size_t conversion = conversion_floats(n_ctx, hd, cache.type());
  const size_t block = std::max<size_t>(1, std::min(n, (per_thread - conversion) / n_pos_max));  // query rows per block
  const auto heads = static_cast<long>(s.n_head);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long hh = 0; hh < heads; ++hh) {
    const auto h = static_cast<size_t>(hh);
    float* region = scratch + static_cast<size_t>(omp_get_thread_num()) * per_thread;
    float* scores = region;  // (block, n_pos)
    const float* k;  // K_h (n_pos_max, hd)
    const float* v;  // V_h (n_pos_max, hd)
    if (cache.type() == KvType::F32) {
      k = reinterpret_cast<const float*>(cache.k_head(layer, h / group));
      v = reinterpret_cast<const float*>(cache.v_head(layer, h / group));
    } else {  // sgemm reads F32: this head's rows converted into the end of the thread's region
      float* kc = region + per_thread - conversion;  // (n_pos_max, hd)
      float* vc = kc + n_ctx * hd;                   // (n_pos_max, hd)
      const auto* kh = reinterpret_cast<const uint16_t*>(cache.k_head(layer, h / group));
      const auto* vh = reinterpret_cast<const uint16_t*>(cache.v_head(layer, h / group));
      for (size_t i = 0; i < n_pos_max * hd; ++i) {
        kc[i] = f16_to_f32(kh[i]);
        vc[i] = f16_to_f32(vh[i]);
      }
      k = kc;
      v = vc;
    }
    for (size_t t0 = 0; t0 < n; t0 += block) {
      // The block's rows see positions lo .. n_pos-1 between them (a window moves lo up; causal, the last row sees
      // the most); each row's own range is cut out of that below.
      const size_t rows = std::min(block, n - t0), n_pos = pos0 + t0 + rows, lo = first_visible(s, pos0 + t0);
      const size_t cols = n_pos - lo;
      // scores (rows, cols) = scale · Q_h (rows, hd) · K_h[lo .. n_pos) (cols, hd)ᵀ
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows), static_cast<blasint>(cols),
                  static_cast<blasint>(hd), s.scale, q + t0 * q_dim + h * hd, static_cast<blasint>(q_dim),
                  k + lo * hd, static_cast<blasint>(hd), 0.0f, scores, static_cast<blasint>(cols));
      for (size_t r = 0; r < rows; ++r) {
        float* row = scores + r * cols;
        const size_t pos = pos0 + t0 + r, from = first_visible(s, pos) - lo, to = pos + 1 - lo;  // visible: [from, to)
        if (s.softcap > 0) softcap(row + from, to - from, s.softcap);
        softmax(row + from, to - from, isa);
        std::fill(row, row + from, 0.0f);
        std::fill(row + to, row + cols, 0.0f);
      }
      // out_h (rows, hd) = P (rows, cols) · V_h[lo .. n_pos) (cols, hd)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(hd),
                  static_cast<blasint>(cols), 1.0f, scores, static_cast<blasint>(cols), v + lo * hd,
                  static_cast<blasint>(hd), 0.0f, out + t0 * q_dim + h * hd, static_cast<blasint>(q_dim));
    }
  }
}

void attention_ref(const float* q, const KvCache& cache, size_t layer, size_t pos0, size_t n, const AttentionShape& s,
                   float* out) {
  const size_t hd = s.head_dim, q_dim = s.n_head * hd, group = s.n_head / s.n_head_kv;
  std::vector<double> w;
  std::vector<float> k_row(cache.kv_dim()), v_row(cache.kv_dim());
  for (size_t t = 0; t < n; ++t) {
    const size_t n_pos = pos0 + t + 1;
    // Positions j with pos - window < j <= pos, written out as the definition rather than via first_visible.
    const size_t first = s.window && n_pos > s.window ? n_pos - s.window : 0;
    for (size_t h = 0; h < s.n_head; ++h) {
      const size_t kv_off = (h / group) * hd;
      w.assign(n_pos, 0.0);
      double max = -1e300, sum = 0;
      for (size_t p = first; p < n_pos; ++p) {
        cache.load_k(layer, p, k_row.data());
        for (size_t i = 0; i < hd; ++i) w[p] += static_cast<double>(q[t * q_dim + h * hd + i]) * k_row[kv_off + i];
        w[p] *= s.scale;
        if (s.softcap > 0) w[p] = s.softcap * std::tanh(w[p] / s.softcap);
        max = std::max(max, w[p]);
      }
      for (size_t p = first; p < n_pos; ++p) sum += (w[p] = std::exp(w[p] - max));
      for (size_t i = 0; i < hd; ++i) {
        double o = 0;
        for (size_t p = first; p < n_pos; ++p) {
          cache.load_v(layer, p, v_row.data());
          o += w[p] / sum * v_row[kv_off + i];
        }
        out[t * q_dim + h * hd + i] = static_cast<float>(o);
      }
    }
  }
}

}  // namespace edt
