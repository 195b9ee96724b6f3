#include <immintrin.h>

#include "engine/ops/avx2_util.h"

#include <omp.h>

#include <cmath>

#include "engine/attention_decode.h"
#include "engine/ops/elementwise.h"

namespace edt {
namespace {

using avx2::exp2_clamped;
using avx2::kLog2e;

template <KvType kType>
inline __m256 load8(const uint8_t* row, size_t i) {
  if constexpr (kType == KvType::F32) return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
  else return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row) + i / 8));
}

// scores (n_pos, kHeads), interleaved so that one vector holds the heads' scores of two positions:
// score[p][j] = scale · q_j · K[p], for the kHeads query heads starting at q (head_dim apart).
template <KvType kType, int kHeads>
void scores_pass(const float* q, const KvCache& cache, size_t layer, size_t kv_off, size_t n_pos, size_t hd,
                 float scale, float* scores) {
  for (size_t p = 0; p < n_pos; ++p) {
    const uint8_t* k = cache.k_row(layer, p) + kv_off;
    __m256 acc[kHeads];
    for (int j = 0; j < kHeads; ++j) acc[j] = _mm256_setzero_ps();
    for (size_t i = 0; i < hd; i += 8) {
      const __m256 kv = load8<kType>(k, i);
      for (int j = 0; j < kHeads; ++j) acc[j] = _mm256_fmadd_ps(_mm256_loadu_ps(q + j * hd + i), kv, acc[j]);
    }
    if constexpr (kHeads == 4) {
      _mm_storeu_ps(scores + 4 * p, _mm_mul_ps(avx2::hsum4(acc[0], acc[1], acc[2], acc[3]), _mm_set1_ps(scale)));
    } else {
      scores[p] = avx2::hsum(acc[0]) * scale;
    }
  }
}

// exp(score - max) per head in place over the interleaved (n_pos, 4) scores; returns each head's 1 / Σ.
__m128 softmax_weights4(float* scores, size_t n_pos) {
  __m128 max = _mm_set1_ps(-INFINITY);
  for (size_t p = 0; p < n_pos; ++p) max = _mm_max_ps(max, _mm_loadu_ps(scores + 4 * p));
  const __m128 shift4 = _mm_mul_ps(max, _mm_set1_ps(-kLog2e));
  const __m256 shift = _mm256_set_m128(shift4, shift4), scale = _mm256_set1_ps(kLog2e);
  __m256 acc = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= 4 * n_pos; i += 8) {
    const __m256 e = exp2_clamped(_mm256_fmadd_ps(_mm256_loadu_ps(scores + i), scale, shift));
    _mm256_storeu_ps(scores + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  __m128 sum = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  if (i < 4 * n_pos) {  // an odd position count leaves one position: four scores
    const __m256 e = exp2_clamped(_mm256_fmadd_ps(_mm256_castps128_ps256(_mm_loadu_ps(scores + i)), scale, shift));
    _mm_storeu_ps(scores + i, _mm256_castps256_ps128(e));
    sum = _mm_add_ps(sum, _mm256_castps256_ps128(e));
  }
  return _mm_div_ps(_mm_set1_ps(1.0f), sum);
}

// out_j = Σ_p w[p][j] · V[p] for the kHeads heads, then scaled by inv_sum_j. Columns in slices of 8, two positions
// per step with separate accumulators so consecutive FMAs do not wait on each other.
template <KvType kType, int kHeads>
void values_pass(const float* w, const float* inv_sum, const KvCache& cache, size_t layer, size_t kv_off, size_t n_pos,
                 size_t hd, float* out) {
  for (size_t c = 0; c < hd; c += 8) {
    __m256 a[kHeads], b[kHeads];
    for (int j = 0; j < kHeads; ++j) a[j] = b[j] = _mm256_setzero_ps();
    size_t p = 0;
    for (; p + 2 <= n_pos; p += 2) {
      const __m256 v0 = load8<kType>(cache.v_row(layer, p) + kv_off, c);
      const __m256 v1 = load8<kType>(cache.v_row(layer, p + 1) + kv_off, c);
      for (int j = 0; j < kHeads; ++j) {
        a[j] = _mm256_fmadd_ps(_mm256_broadcast_ss(w + p * kHeads + j), v0, a[j]);
        b[j] = _mm256_fmadd_ps(_mm256_broadcast_ss(w + (p + 1) * kHeads + j), v1, b[j]);
      }
    }
    if (p < n_pos) {
      const __m256 v0 = load8<kType>(cache.v_row(layer, p) + kv_off, c);
      for (int j = 0; j < kHeads; ++j) a[j] = _mm256_fmadd_ps(_mm256_broadcast_ss(w + p * kHeads + j), v0, a[j]);
    }
    for (int j = 0; j < kHeads; ++j)
      _mm256_storeu_ps(out + j * hd + c, _mm256_mul_ps(_mm256_add_ps(a[j], b[j]), _mm256_set1_ps(inv_sum[j])));
  }
}

// One pass: kHeads consecutive query heads that share the KV head at byte offset kv_off of each row.
template <KvType kType, int kHeads>
void heads_pass(const float* q, const KvCache& cache, size_t layer, size_t kv_off, size_t n_pos, size_t hd,
                float scale, float* scores, float* out) {
  scores_pass<kType, kHeads>(q, cache, layer, kv_off, n_pos, hd, scale, scores);
  alignas(16) float inv_sum[4];
  if constexpr (kHeads == 4) {
    _mm_store_ps(inv_sum, softmax_weights4(scores, n_pos));
  } else {
    softmax(scores, n_pos);  // normalised already
    inv_sum[0] = 1.0f;
  }
  values_pass<kType, kHeads>(scores, inv_sum, cache, layer, kv_off, n_pos, hd, out);
}

template <KvType kType>
void decode(const float* q, const KvCache& cache, size_t layer, size_t n_pos, const AttentionShape& s, float* scratch,
            size_t scratch_per_thread, float* out, int n_threads) {
  const size_t hd = s.head_dim, group = s.n_head / s.n_head_kv;
  const size_t elem = cache.row_bytes() / cache.kv_dim();
  // Work items: within each KV group, runs of four heads, then the remaining heads one by one.
  const size_t fours = group / kDecodeHeadsPerPass, per_group = fours + group % kDecodeHeadsPerPass;
  const auto items = static_cast<long>(s.n_head_kv * per_group);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long it = 0; it < items; ++it) {
    const size_t g = static_cast<size_t>(it) / per_group, r = static_cast<size_t>(it) % per_group;
    const bool four = r < fours;
    const size_t first = g * group + (four ? kDecodeHeadsPerPass * r : kDecodeHeadsPerPass * fours + (r - fours));
    const size_t kv_off = g * hd * elem;
    float* scores = scratch + static_cast<size_t>(omp_get_thread_num()) * scratch_per_thread;
    if (four) heads_pass<kType, 4>(q + first * hd, cache, layer, kv_off, n_pos, hd, s.scale, scores, out + first * hd);
    else heads_pass<kType, 1>(q + first * hd, cache, layer, kv_off, n_pos, hd, s.scale, scores, out + first * hd);
  }
}

}  // namespace

void attention_decode_avx2(const float* q, const KvCache& cache, size_t layer, size_t n_pos, const AttentionShape& s,
                           float* scratch, size_t scratch_per_thread, float* out, int n_threads) {
  if (cache.type() == KvType::F32) decode<KvType::F32>(q, cache, layer, n_pos, s, scratch, scratch_per_thread, out, n_threads);
  else decode<KvType::F16>(q, cache, layer, n_pos, s, scratch, scratch_per_thread, out, n_threads);
}

}  // namespace edt
