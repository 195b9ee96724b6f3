// AVX2 + FMA versions of the fused EDT passes. Every pass is unrolled several vectors deep so the exp polynomial's
// latency is hidden, and works in base 2 so each element's exponent is one FMA from its logit. Inputs are clamped
// at 2^-125, so a masked (-inf) token weighs ~2e-38 — nothing in any sum — and the scan never selects a token that
// light.
#include <immintrin.h>

#include "cpu/vec_avx2.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/vector_math.h"
#include "sampling/fused_edt.h"

namespace edt {
namespace {

using avx2::hmax;
using avx2::hsum;

using avx2::exp2_clamped;
using avx2::exp2_in_range;
using avx2::kClampLog2;
using avx2::kLn2;
using avx2::kLog2e;

constexpr size_t kBlock = kWeightBlock;  // elements per block sum (8 vectors)

struct MinMax {
  float min, max;
};

// Both extremes in one read (the min is free: the loop waits on memory, not on the max).
MinMax min_max_of(const float* z, size_t n) {
  const float inf = std::numeric_limits<float>::infinity();
  __m256 a0 = _mm256_set1_ps(-inf), a1 = a0, b0 = _mm256_set1_ps(inf), b1 = b0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 x0 = _mm256_loadu_ps(z + i), x1 = _mm256_loadu_ps(z + i + 8);
    a0 = _mm256_max_ps(a0, x0);
    a1 = _mm256_max_ps(a1, x1);
    b0 = _mm256_min_ps(b0, x0);
    b1 = _mm256_min_ps(b1, x1);
  }
  MinMax r{avx2::hmin(_mm256_min_ps(b0, b1)), hmax(_mm256_max_ps(a0, a1))};
  for (; i < n; ++i) {
    r.max = std::max(r.max, z[i]);
    r.min = std::min(r.min, z[i]);
  }
  return r;
}

// The range of round(d) over a superblock's elements, d = (z - ref)·log2 e.
struct ExponentRange {
  int min, max;
};

// The optimistic pass may weigh a superblock against a running max up to 2^kMaxExcess below its own max: weights up
// to 2^64, their superblock sums up to 2^76, far from float's 2^128, and the same relative precision.
constexpr int kMaxExcess = 64;

// The entropy pass over blocks [b0, b1): each block's 8 partial sums into block_lanes, Σ e·d (base 2) into t;
// returns the lanes' total over the blocks. kClamp: some d may fall below 2^-125 (a masked token, or logits 86 nats
// below the max), so d is clamped first; a superblock whose min is close enough to the max skips that instruction.
// kCheck: no clamp, and the range of round(d) goes to *range so the caller can tell whether every d was in
// [-124.5, kMaxExcess + 0.5) — else the weights are not to be used. Each block prefetches the four cache lines of
// the block one superblock ahead: at 128K the logits (512 KiB) stream from L3, and by the time the next superblock
// is read it is in L1 (10% faster at 128K).
template <bool kClamp, bool kCheck>
__m256 entropy_blocks(const float* z, size_t b0, size_t b1, __m256 shift, float* block_lanes, __m256& t_out,
                      ExponentRange* range) {
  static_assert(!(kClamp && kCheck));
  const __m256 scale = _mm256_set1_ps(kLog2e), lo = _mm256_set1_ps(kClampLog2), zero = _mm256_setzero_ps();
  // Two accumulators each, held in locals: with the exp's constants that is what fits in the 16 registers (a t
  // passed by reference was reloaded around every store, since a float* store may alias it).
  __m256 total = zero, t0 = zero, t1 = zero;
  __m256i kmin = _mm256_set1_epi32(std::numeric_limits<int>::max());
  __m256i kmax = _mm256_set1_epi32(std::numeric_limits<int>::min());
  for (size_t b = b0; b < b1; ++b) {
    const float* zb = z + b * kBlock;
    for (size_t line = 0; line < kBlock * sizeof(float); line += 64)  // past the end is harmless: no fault
      _mm_prefetch(reinterpret_cast<const char*>(zb + kSuperblock) + line, _MM_HINT_T0);
    __m256 s0 = zero, s1 = zero;
    for (int v = 0; v < 8; v += 2) {
      __m256 d0 = _mm256_fmadd_ps(_mm256_loadu_ps(zb + 8 * v), scale, shift);
      __m256 d1 = _mm256_fmadd_ps(_mm256_loadu_ps(zb + 8 * v + 8), scale, shift);
      if constexpr (kClamp) {
        d0 = _mm256_max_ps(d0, lo);
        d1 = _mm256_max_ps(d1, lo);
      }
      __m256i k0, k1;
      const __m256 e0 = avx2::exp2_with_exponent(d0, k0), e1 = avx2::exp2_with_exponent(d1, k1);
      if constexpr (kCheck) {
        kmin = _mm256_min_epi32(kmin, _mm256_min_epi32(k0, k1));
        kmax = _mm256_max_epi32(kmax, _mm256_max_epi32(k0, k1));
      }
      s0 = _mm256_add_ps(s0, e0);
      s1 = _mm256_add_ps(s1, e1);
      t0 = _mm256_fmadd_ps(e0, d0, t0);
      t1 = _mm256_fmadd_ps(e1, d1, t1);
    }
    const __m256 block = _mm256_add_ps(s0, s1);
    _mm256_storeu_ps(block_lanes + kBlockLanes * b, block);
    total = _mm256_add_ps(total, block);
  }
  if constexpr (kCheck) {
    alignas(32) int lows[8], highs[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lows), kmin);
    _mm256_store_si256(reinterpret_cast<__m256i*>(highs), kmax);
    *range = {*std::min_element(lows, lows + 8), *std::max_element(highs, highs + 8)};
  }
  t_out = _mm256_add_ps(t0, t1);
  return total;
}

// Σ and Σ·(z - m) taken against m, moved to a larger max m' (Σ' = Σ·e^(m-m'), Σ·(z - m') = that·(... + Σ·(m - m'))).
void move_sums_to_max(double& sum, double& tsum, float m, float new_max) {
  if (sum > 0) {
    const double shift_by = static_cast<double>(m) - new_max, f = std::exp(shift_by);
    tsum = f * (tsum + sum * shift_by);
    sum *= f;
  }
}

}  // namespace

int32_t index_of_first_avx2(const float* z, size_t n, float value) {
  const __m256 v = _mm256_set1_ps(value);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(z + i), v, _CMP_EQ_OQ));
    if (mask) return static_cast<int32_t>(i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask))));
  }
  for (; i < n; ++i)
    if (z[i] == value) return static_cast<int32_t>(i);
  return 0;
}

EntropyStats entropy_stats_avx2(const float* z, size_t n) {
  EntropyStats st;
  const float max = max_f32_avx2(z, n);
  st.max = max;
  if (!(max > -std::numeric_limits<float>::infinity())) return st;  // everything masked: H = 0, token 0
  st.argmax = index_of_first_avx2(z, n, max);

  // In base 2: with u = (z - m)·log2 e, e^(z-m) = 2^u and Σ e·(z - m) = ln 2 · Σ 2^u · u. u comes from one FMA.
  const __m256 scale = _mm256_set1_ps(kLog2e), shift = _mm256_set1_ps(-max * kLog2e);
  const __m256 lo = _mm256_set1_ps(kClampLog2), zero = _mm256_setzero_ps();
  __m256 s[4] = {zero, zero, zero, zero}, t[4] = {zero, zero, zero, zero};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int u = 0; u < 4; ++u) {
      const __m256 d = _mm256_max_ps(_mm256_fmadd_ps(_mm256_loadu_ps(z + i + 8 * u), scale, shift), lo);
      const __m256 e = exp2_in_range(d);  // d is clamped already
      s[u] = _mm256_add_ps(s[u], e);
      t[u] = _mm256_fmadd_ps(e, d, t[u]);
    }
  }
  double sum = hsum(_mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3])));
  double tsum = kLn2 * static_cast<double>(hsum(_mm256_add_ps(_mm256_add_ps(t[0], t[1]), _mm256_add_ps(t[2], t[3]))));
  for (; i < n; ++i) {
    const double d = static_cast<double>(z[i]) - max;
    if (d == -std::numeric_limits<double>::infinity()) continue;
    const double e = std::exp(d);
    sum += e;
    tsum += e * d;
  }
  st.sum_exp = sum;
  st.entropy = std::max(0.0, std::log(sum) - tsum / sum);
  return st;
}

// scratch: n weights, then one sum per block of 64.
int32_t draw_at_temperature_avx2(const float* z, size_t n, float max, double temperature, double u, float* w,
                                 double* probability) {
  // (z - m) / T in base 2 is one FMA: z · (log2 e / T) - m · (log2 e / T).
  const auto k = static_cast<float>(kLog2e / temperature);
  const __m256 scale = _mm256_set1_ps(k), shift = _mm256_set1_ps(-max * k);
  float* block_sum = w + n;
  const size_t full_blocks = n / kBlock;
  double total = 0;
  for (size_t b = 0; b < full_blocks; ++b) {
    const float* zb = z + b * kBlock;
    float* wb = w + b * kBlock;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int v = 0; v < 8; v += 2) {
      const __m256 e0 = exp2_clamped(_mm256_fmadd_ps(_mm256_loadu_ps(zb + 8 * v), scale, shift));
      const __m256 e1 = exp2_clamped(_mm256_fmadd_ps(_mm256_loadu_ps(zb + 8 * v + 8), scale, shift));
      _mm256_storeu_ps(wb + 8 * v, e0);
      _mm256_storeu_ps(wb + 8 * v + 8, e1);
      acc0 = _mm256_add_ps(acc0, e0);
      acc1 = _mm256_add_ps(acc1, e1);
    }
    block_sum[b] = hsum(_mm256_add_ps(acc0, acc1));
    total += block_sum[b];
  }
  double tail = 0;
  for (size_t i = full_blocks * kBlock; i < n; ++i) {
    w[i] = static_cast<float>(std::exp((static_cast<double>(z[i]) - max) / temperature));
    tail += w[i];
  }
  total += tail;
  // Inverse CDF: whole blocks while their sum stays below the target, then element by element.
  const double target = u * total;
  double cum = 0;
  size_t b = 0;
  for (; b < full_blocks && cum + block_sum[b] <= target; ++b) cum += block_sum[b];
  int32_t last = -1;
  for (size_t j = b * kBlock; j < n; ++j) {
    if (w[j] < kNegligibleWeight) continue;
    last = static_cast<int32_t>(j);
    cum += w[j];
    if (cum > target) break;
  }
  if (last < 0)  // rounding ran past every weighty token of the last blocks: the last weighty token overall
    for (size_t k = n; k-- > 0;)
      if (w[k] >= kNegligibleWeight) {
        last = static_cast<int32_t>(k);
        break;
      }
  if (probability) *probability = w[last] / total;
  return last;
}

// One block's weights exactly as entropy_and_sums_avx2 computes them: the vector path for a whole block, the
// scalar one for the tail.
void block_weights_avx2(const float* z, size_t count, float ref, float* out) {
  if (!(ref > -std::numeric_limits<float>::infinity())) {  // a superblock of masked tokens only
    std::fill_n(out, count, 0.0f);
    return;
  }
  if (count < kBlock) {
    for (size_t j = 0; j < count; ++j) {
      const double d = static_cast<double>(z[j]) - ref;
      out[j] = d == -std::numeric_limits<double>::infinity() ? 0.0f : static_cast<float>(std::exp(d));
    }
    return;
  }
  const __m256 scale = _mm256_set1_ps(kLog2e), shift = _mm256_set1_ps(-ref * kLog2e), lo = _mm256_set1_ps(kClampLog2);
  for (size_t v = 0; v < kBlock / 8; ++v)
    _mm256_storeu_ps(out + 8 * v, exp2_in_range(_mm256_max_ps(_mm256_fmadd_ps(_mm256_loadu_ps(z + 8 * v), scale, shift), lo)));
}

EntropyAndSums entropy_and_sums_avx2(const float* z, size_t n, float* scratch) {
  EntropyAndSums r;
  EntropyStats& st = r.stats;
  st.argmax = -1;  // found only if the step turns out greedy (index_of_first_avx2)
  // One pass, superblock by superblock (16 KiB), with the weights computed against the running max m; what was
  // summed before m rose is rescaled, in double for s and t and, at the end, by e^(ref - m) for the stored block
  // sums (proposal.h). No max pass over the vocabulary first.
  // Optimistic: a superblock is weighed against the m of the superblocks before it, with no min/max pass of its
  // own (that pass was a fifth of the time); the exponents' range says afterwards whether that was sound. If some
  // logit came within half a bit of m or above it, the superblock's max is taken from L1 and m moves up to it.
  // If some d fell below -124.5 (a masked token: the weights need the clamp) or the max jumped more than 2^64,
  // the superblock is done again the careful way: its min and max first, then the pass against the new m, clamped
  // if its min needs it. After a clamp was needed once, the rest goes the careful way (masked tokens tend to be
  // many). The first superblock goes the careful way too (there is no m yet, unless the tail gave one).
  const size_t blocks = n / kBlock, chunks = (blocks + kBlock - 1) / kBlock;
  float* block_sum = scratch;
  float* super = superblock_sums(scratch, n);
  float* refs = superblock_refs(scratch, n);
  float m = -std::numeric_limits<float>::infinity();
  for (size_t i = blocks * kBlock; i < n; ++i) m = std::max(m, z[i]);  // the tail is weighed against the final max
  double sum = 0, tsum = 0;  // Σ w and Σ w·(z - m) against the current m
  bool optimistic = true;
  const __m256 zero = _mm256_setzero_ps();
  for (size_t c = 0; c < chunks; ++c) {
    const size_t b0 = c * kBlock, b1 = std::min(blocks, b0 + kBlock);
    const float* zc = z + b0 * kBlock;
    const size_t count = (b1 - b0) * kBlock;
    double chunk_sum = 0;
    __m256 t = zero;
    bool done = false;
    if (optimistic && m > -std::numeric_limits<float>::infinity()) {
      ExponentRange range{};
      chunk_sum = hsum(entropy_blocks<false, true>(z, b0, b1, _mm256_set1_ps(-m * kLog2e), block_sum, t, &range));
      done = range.min > static_cast<int>(kClampLog2) && range.max <= kMaxExcess;
      optimistic = range.min > static_cast<int>(kClampLog2);
      if (done) {
        refs[c] = m;
        sum += chunk_sum;
        tsum += kLn2 * static_cast<double>(hsum(t));
        if (range.max >= 0) {
          const float cm = max_f32_avx2(zc, count);
          if (cm > m) {
            move_sums_to_max(sum, tsum, m, cm);
            m = cm;
          }
        }
      }
    }
    if (!done) {
      const MinMax mm = min_max_of(zc, count);
      if (mm.max > m) {
        move_sums_to_max(sum, tsum, m, mm.max);
        m = mm.max;
      }
      refs[c] = m;
      chunk_sum = 0;
      if (m > -std::numeric_limits<float>::infinity()) {
        const __m256 shift = _mm256_set1_ps(-m * kLog2e);
        // No clamp needed when even the smallest logit's d = (z - m)·log2 e stays above -125 (with a margin for
        // the rounding of the FMA): the usual case, since logits rarely span 80 nats.
        const bool clamp = !((mm.min - m) * kLog2e > kClampLog2 + 1.0f);
        chunk_sum = hsum(clamp ? entropy_blocks<true, false>(z, b0, b1, shift, block_sum, t, nullptr)
                               : entropy_blocks<false, false>(z, b0, b1, shift, block_sum, t, nullptr));
        tsum += kLn2 * static_cast<double>(hsum(t));
      } else {
        std::fill(block_sum + kBlockLanes * b0, block_sum + kBlockLanes * b1, 0.0f);  // everything so far is masked
      }
      sum += chunk_sum;
    }
    if (b1 - b0 == kBlock) super[c] = static_cast<float>(chunk_sum);
  }
  st.max = m;
  if (!(m > -std::numeric_limits<float>::infinity())) {  // everything masked: H = 0, token 0
    st.argmax = 0;
    return r;
  }
  // Superblocks weighed against an earlier, smaller max: their sums to the final one. The proposals' total is made
  // of the same (rescaled) sums it will scan.
  double total = 0;
  for (size_t c = 0; c < chunks; ++c) {
    const size_t b0 = c * kBlock, b1 = std::min(blocks, b0 + kBlock);
    const float f = rescale_factor(refs[c], m);
    if (f != 1.0f)
      for (size_t i = kBlockLanes * b0; i < kBlockLanes * b1; ++i) block_sum[i] *= f;
    if (b1 - b0 == kBlock) {
      super[c] *= f;
      total += super[c];
    } else {
      for (size_t b = b0; b < b1; ++b) total += block_total(block_sum + kBlockLanes * b);
    }
  }
  float tail[kBlock];  // (n % kBlock) the tail's weights, as block_weights_avx2 gives them
  block_weights_avx2(z + blocks * kBlock, n - blocks * kBlock, m, tail);
  for (size_t i = blocks * kBlock; i < n; ++i) {
    const float w = tail[i - blocks * kBlock];
    if (w == 0.0f) continue;  // masked: 0 · ln 0 = 0
    sum += w;
    total += w;
    tsum += w * (static_cast<double>(z[i]) - m);
  }
  st.sum_exp = sum;
  st.entropy = std::max(0.0, std::log(sum) - tsum / sum);
  r.weight_total = total;
  return r;
}

double sum_at_temperature_avx2(const float* z, size_t n, float max, double temperature) {
  const auto k = static_cast<float>(kLog2e / temperature);
  const __m256 scale = _mm256_set1_ps(k), shift = _mm256_set1_ps(-max * k);
  __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int u = 0; u < 4; ++u)
      a[u] = _mm256_add_ps(a[u], exp2_clamped(_mm256_fmadd_ps(_mm256_loadu_ps(z + i + 8 * u), scale, shift)));
  double total = hsum(_mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])));
  for (; i < n; ++i) total += std::exp((static_cast<double>(z[i]) - max) / temperature);
  return total;
}

}  // namespace edt
