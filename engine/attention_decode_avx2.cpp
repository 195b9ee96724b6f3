#include <immintrin.h>

#include "cpu/vec_avx2.h"

#include <omp.h>

#include <algorithm>
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
// score[p][j] = scale · q_j · K[p], for the kHeads query heads starting at q (head_dim apart). kPos positions per
// step, so kPos · kHeads = 8 independent FMA chains hide the FMA latency.
template <KvType kType, int kHeads>
void scores_pass(const float* q, const uint8_t* k_rows, size_t row_bytes, size_t n_pos, size_t hd, float scale,
                 float* scores) {
  constexpr int kPos = 8 / kHeads;
  const __m128 vscale = _mm_set1_ps(scale);
  size_t p = 0;
  for (; p + kPos <= n_pos; p += kPos) {
    __m256 acc[kPos][kHeads];
    const uint8_t* k[kPos];
    for (int pp = 0; pp < kPos; ++pp) {
      k[pp] = k_rows + (p + pp) * row_bytes;
      for (int j = 0; j < kHeads; ++j) acc[pp][j] = _mm256_setzero_ps();
    }
    for (size_t i = 0; i < hd; i += 8) {
      for (int pp = 0; pp < kPos; ++pp) {
        const __m256 kv = load8<kType>(k[pp], i);
        for (int j = 0; j < kHeads; ++j) acc[pp][j] = _mm256_fmadd_ps(_mm256_loadu_ps(q + j * hd + i), kv, acc[pp][j]);
      }
    }
    if constexpr (kHeads == 4) {
      for (int pp = 0; pp < kPos; ++pp)
        _mm_storeu_ps(scores + 4 * (p + pp),
                      _mm_mul_ps(avx2::hsum4(acc[pp][0], acc[pp][1], acc[pp][2], acc[pp][3]), vscale));
    } else {
      for (int pp = 0; pp < kPos; pp += 4)
        _mm_storeu_ps(scores + p + pp,
                      _mm_mul_ps(avx2::hsum4(acc[pp][0], acc[pp + 1][0], acc[pp + 2][0], acc[pp + 3][0]), vscale));
    }
  }
  for (; p < n_pos; ++p) {
    const uint8_t* k = k_rows + p * row_bytes;
    __m256 acc[kHeads];
    for (int j = 0; j < kHeads; ++j) acc[j] = _mm256_setzero_ps();
    for (size_t i = 0; i < hd; i += 8) {
      const __m256 kv = load8<kType>(k, i);
      for (int j = 0; j < kHeads; ++j) acc[j] = _mm256_fmadd_ps(_mm256_loadu_ps(q + j * hd + i), kv, acc[j]);
    }
    for (int j = 0; j < kHeads; ++j) scores[p * kHeads + j] = avx2::hsum(acc[j]) * scale;
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

// out_j[c .. c+8·kVec) = Σ_p w[p][j] · V[p][c ..] / sum_j: kVec · kHeads accumulators (at most 8) held in registers
// over the whole pass, each V row's slice loaded once for all the heads.
template <KvType kType, int kHeads, int kVec>
void values_slice(const float* w, const float* inv_sum, const uint8_t* v_rows, size_t row_bytes, size_t n_pos,
                  size_t hd, size_t c, float* out) {
  __m256 acc[kHeads][kVec];
  for (int j = 0; j < kHeads; ++j)
    for (int v = 0; v < kVec; ++v) acc[j][v] = _mm256_setzero_ps();
  for (size_t p = 0; p < n_pos; ++p) {
    const uint8_t* row = v_rows + p * row_bytes;
    __m256 vv[kVec];
    for (int v = 0; v < kVec; ++v) vv[v] = load8<kType>(row, c + 8 * v);
    for (int j = 0; j < kHeads; ++j) {
      const __m256 wj = _mm256_broadcast_ss(w + p * kHeads + j);
      for (int v = 0; v < kVec; ++v) acc[j][v] = _mm256_fmadd_ps(wj, vv[v], acc[j][v]);
    }
  }
  for (int j = 0; j < kHeads; ++j)
    for (int v = 0; v < kVec; ++v)
      _mm256_storeu_ps(out + j * hd + c + 8 * v, _mm256_mul_ps(acc[j][v], _mm256_set1_ps(inv_sum[j])));
}

template <KvType kType, int kHeads>
void values_pass(const float* w, const float* inv_sum, const uint8_t* v_rows, size_t row_bytes, size_t n_pos,
                 size_t hd, float* out) {
  constexpr size_t kMaxVec = 8 / kHeads;
  for (size_t c = 0; c < hd;) {
    const size_t vecs = std::min(kMaxVec, (hd - c) / 8);
    switch (vecs) {  // the widest slice that fits: as many independent accumulators as the registers allow
      case 1: values_slice<kType, kHeads, 1>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      case 2: values_slice<kType, kHeads, 2>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      case 3: values_slice<kType, kHeads, 3>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      case 4: values_slice<kType, kHeads, 4>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      case 5: values_slice<kType, kHeads, 5>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      case 6: values_slice<kType, kHeads, 6>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      case 7: values_slice<kType, kHeads, 7>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
      default: values_slice<kType, kHeads, 8>(w, inv_sum, v_rows, row_bytes, n_pos, hd, c, out); break;
    }
    c += 8 * vecs;
  }
}

// One pass: kHeads consecutive query heads that share KV head kv_head.
// Positions first .. first+n_pos-1 of the cache; the scores are soft-capped first when cap > 0.
template <KvType kType, int kHeads>
void heads_pass(const float* q, const KvCache& cache, size_t layer, size_t kv_head, size_t first, size_t n_pos,
                float scale, float cap, float* scores, float* out) {
  const size_t hd = cache.head_dim(), row_bytes = cache.head_row_bytes();
  scores_pass<kType, kHeads>(q, cache.k_head(layer, kv_head) + first * row_bytes, row_bytes, n_pos, hd, scale, scores);
  if (cap > 0) softcap(scores, n_pos * kHeads, cap);
  alignas(16) float inv_sum[4];
  if constexpr (kHeads == 4) {
    _mm_store_ps(inv_sum, softmax_weights4(scores, n_pos));
  } else {
    softmax_avx2(scores, n_pos);  // normalised already
    inv_sum[0] = 1.0f;
  }
  values_pass<kType, kHeads>(scores, inv_sum, cache.v_head(layer, kv_head) + first * row_bytes, row_bytes, n_pos, hd,
                             out);
}

template <KvType kType>
void decode(const float* q, const KvCache& cache, size_t layer, size_t n_pos, const AttentionShape& s, float* scratch,
            size_t scratch_per_thread, float* out, int n_threads) {
  const size_t hd = s.head_dim, group = s.n_head / s.n_head_kv;
  const size_t first = first_visible(s, n_pos - 1), seen = n_pos - first;
  // Work items: within each KV group, runs of four heads, then the remaining heads one by one.
  const size_t fours = group / kDecodeHeadsPerPass, per_group = fours + group % kDecodeHeadsPerPass;
  const auto items = static_cast<long>(s.n_head_kv * per_group);
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (long it = 0; it < items; ++it) {
    const size_t g = static_cast<size_t>(it) / per_group, r = static_cast<size_t>(it) % per_group;
    const bool four = r < fours;
    const size_t head = g * group + (four ? kDecodeHeadsPerPass * r : kDecodeHeadsPerPass * fours + (r - fours));
    float* scores = scratch + static_cast<size_t>(omp_get_thread_num()) * scratch_per_thread;
    if (four) heads_pass<kType, 4>(q + head * hd, cache, layer, g, first, seen, s.scale, s.softcap, scores, out + head * hd);
    else heads_pass<kType, 1>(q + head * hd, cache, layer, g, first, seen, s.scale, s.softcap, scores, out + head * hd);
  }
}

}  // namespace

void attention_decode_avx2(const float* q, const KvCache& cache, size_t layer, size_t n_pos, const AttentionShape& s,
                           float* scratch, size_t scratch_per_thread, float* out, int n_threads) {
  if (cache.type() == KvType::F32) decode<KvType::F32>(q, cache, layer, n_pos, s, scratch, scratch_per_thread, out, n_threads);
  else decode<KvType::F16>(q, cache, layer, n_pos, s, scratch, scratch_per_thread, out, n_threads);
}

}  // namespace edt
