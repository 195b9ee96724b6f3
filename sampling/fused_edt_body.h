#pragma once
// The fused EDT passes, written once over a level's vector type V (avx2::Vec, avx512::Vec: load, fma, exp2,
// reductions) and compiled per level by fused_edt_avx2.cpp and fused_edt_avx512.cpp. Include only from those files.
//
// Every pass is unrolled several vectors deep so the exp polynomial's latency is hidden, and works in base 2 so
// each element's exponent is one FMA from its logit. Inputs are clamped at 2^-125, so a masked (-inf) token weighs
// ~2e-38 — nothing in any sum — and the scan never selects a token that light. Each element's weight is computed
// by the same instruction sequence at every level (FMA, round to nearest even, the same polynomial), so a weight
// recomputed by one level's block_weights is bit for bit the weight another level summed; only the order of the
// sums differs.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "sampling/fused_edt.h"

namespace edt::fused_body {

inline constexpr size_t kBlock = kWeightBlock;  // elements per block sum
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2 = 0.69314718055994531f;
inline constexpr float kClampLog2 = -125.0f;

struct MinMax {
  float min, max;
};

// Both extremes in one read (the min is free: the loop waits on memory, not on the max).
template <class V>
MinMax min_max_of(const float* z, size_t n) {
  constexpr size_t L = V::kLanes;
  const float inf = std::numeric_limits<float>::infinity();
  typename V::F a0 = V::set1(-inf), a1 = a0, b0 = V::set1(inf), b1 = b0;
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const typename V::F x0 = V::load(z + i), x1 = V::load(z + i + L);
    a0 = V::max(a0, x0);
    a1 = V::max(a1, x1);
    b0 = V::min(b0, x0);
    b1 = V::min(b1, x1);
  }
  MinMax r{V::hmin(V::min(b0, b1)), V::hmax(V::max(a0, a1))};
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
inline constexpr int kMaxExcess = 64;

// The entropy pass over blocks [b0, b1): each block's partial sums folded to kBlockLanes floats into block_lanes,
// Σ e·d (base 2) into t_out; returns the lanes' total over the blocks. kClamp: some d may fall below 2^-125 (a
// masked token, or logits 86 nats below the max), so d is clamped first; a superblock whose min is close enough to
// the max skips that instruction. kCheck: no clamp, and the range of round(d) goes to *range so the caller can
// tell whether every d was in [-124.5, kMaxExcess + 0.5) — else the weights are not to be used. Each block
// prefetches the cache lines of the block one superblock ahead: at 128K the logits (512 KiB) stream from L3, and
// by the time the next superblock is read it is in L1 (10% faster at 128K, measured with AVX2).
template <class V, bool kClamp, bool kCheck>
typename V::F entropy_blocks(const float* z, size_t b0, size_t b1, typename V::F shift, float* block_lanes,
                             typename V::F& t_out, ExponentRange* range) {
  static_assert(!(kClamp && kCheck));
  constexpr size_t L = V::kLanes;
  static_assert(kBlock % (2 * L) == 0);
  using F = typename V::F;
  const F scale = V::set1(kLog2e), lo = V::set1(kClampLog2), zero = V::zero();
  // Two accumulators each, held in locals: with the exp's constants that is what fits in AVX2's 16 registers (a t
  // passed by reference was reloaded around every store, since a float* store may alias it).
  F total = zero, t0 = zero, t1 = zero;
  typename V::I kmin = V::iset1(std::numeric_limits<int>::max());
  typename V::I kmax = V::iset1(std::numeric_limits<int>::min());
  for (size_t b = b0; b < b1; ++b) {
    const float* zb = z + b * kBlock;
    for (size_t line = 0; line < kBlock * sizeof(float); line += 64)  // past the end is harmless: no fault
      __builtin_prefetch(reinterpret_cast<const char*>(zb + kSuperblock) + line, 0, 3);
    F s0 = zero, s1 = zero;
    for (size_t v = 0; v < kBlock / L; v += 2) {
      F d0 = V::fmadd(V::load(zb + L * v), scale, shift);
      F d1 = V::fmadd(V::load(zb + L * v + L), scale, shift);
      if constexpr (kClamp) {
        d0 = V::max(d0, lo);
        d1 = V::max(d1, lo);
      }
      typename V::I k0, k1;
      const F e0 = V::exp2_with_exponent(d0, k0), e1 = V::exp2_with_exponent(d1, k1);
      if constexpr (kCheck) {
        kmin = V::imin(kmin, V::imin(k0, k1));
        kmax = V::imax(kmax, V::imax(k0, k1));
      }
      s0 = V::add(s0, e0);
      s1 = V::add(s1, e1);
      t0 = V::fmadd(e0, d0, t0);
      t1 = V::fmadd(e1, d1, t1);
    }
    const F block = V::add(s0, s1);
    V::store8(block_lanes + kBlockLanes * b, block);
    total = V::add(total, block);
  }
  if constexpr (kCheck) *range = {V::ihmin(kmin), V::ihmax(kmax)};
  t_out = V::add(t0, t1);
  return total;
}

// Σ and Σ·(z - m) taken against m, moved to a larger max m' (Σ' = Σ·e^(m-m'), Σ·(z - m') = that·(... + Σ·(m - m'))).
inline void move_sums_to_max(double& sum, double& tsum, float m, float new_max) {
  if (sum > 0) {
    const double shift_by = static_cast<double>(m) - new_max, f = std::exp(shift_by);
    tsum = f * (tsum + sum * shift_by);
    sum *= f;
  }
}

template <class V>
int32_t index_of_first(const float* z, size_t n, float value) {
  constexpr size_t L = V::kLanes;
  const typename V::F v = V::set1(value);
  size_t i = 0;
  for (; i + L <= n; i += L) {
    const unsigned mask = V::eq_mask(V::load(z + i), v);
    if (mask) return static_cast<int32_t>(i + static_cast<size_t>(__builtin_ctz(mask)));
  }
  for (; i < n; ++i)
    if (z[i] == value) return static_cast<int32_t>(i);
  return 0;
}

template <class V, float (*kMax)(const float*, size_t)>
EntropyStats entropy_stats(const float* z, size_t n) {
  constexpr size_t L = V::kLanes;
  using F = typename V::F;
  EntropyStats st;
  const float max = kMax(z, n);
  st.max = max;
  if (!(max > -std::numeric_limits<float>::infinity())) return st;  // everything masked: H = 0, token 0
  st.argmax = index_of_first<V>(z, n, max);

  // In base 2: with u = (z - m)·log2 e, e^(z-m) = 2^u and Σ e·(z - m) = ln 2 · Σ 2^u · u. u comes from one FMA.
  const F scale = V::set1(kLog2e), shift = V::set1(-max * kLog2e);
  const F lo = V::set1(kClampLog2), zero = V::zero();
  F s[4] = {zero, zero, zero, zero}, t[4] = {zero, zero, zero, zero};
  size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    for (size_t u = 0; u < 4; ++u) {
      const F d = V::max(V::fmadd(V::load(z + i + L * u), scale, shift), lo);
      const F e = V::exp2_in_range(d);  // d is clamped already
      s[u] = V::add(s[u], e);
      t[u] = V::fmadd(e, d, t[u]);
    }
  }
  double sum = V::hsum(V::add(V::add(s[0], s[1]), V::add(s[2], s[3])));
  double tsum = kLn2 * static_cast<double>(V::hsum(V::add(V::add(t[0], t[1]), V::add(t[2], t[3]))));
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
template <class V>
int32_t draw_at_temperature(const float* z, size_t n, float max, double temperature, double u, float* w,
                            double* probability) {
  constexpr size_t L = V::kLanes;
  using F = typename V::F;
  // (z - m) / T in base 2 is one FMA: z · (log2 e / T) - m · (log2 e / T).
  const auto k = static_cast<float>(kLog2e / temperature);
  const F scale = V::set1(k), shift = V::set1(-max * k);
  float* block_sum = w + n;
  const size_t full_blocks = n / kBlock;
  double total = 0;
  for (size_t b = 0; b < full_blocks; ++b) {
    const float* zb = z + b * kBlock;
    float* wb = w + b * kBlock;
    F acc0 = V::zero(), acc1 = V::zero();
    for (size_t v = 0; v < kBlock / L; v += 2) {
      const F e0 = V::exp2_clamped(V::fmadd(V::load(zb + L * v), scale, shift));
      const F e1 = V::exp2_clamped(V::fmadd(V::load(zb + L * v + L), scale, shift));
      V::store(wb + L * v, e0);
      V::store(wb + L * v + L, e1);
      acc0 = V::add(acc0, e0);
      acc1 = V::add(acc1, e1);
    }
    block_sum[b] = V::hsum(V::add(acc0, acc1));
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
    for (size_t j = n; j-- > 0;)
      if (w[j] >= kNegligibleWeight) {
        last = static_cast<int32_t>(j);
        break;
      }
  if (probability) *probability = w[last] / total;
  return last;
}

// One block's weights exactly as entropy_and_sums computes them: the vector path for a whole block, the scalar
// one for the tail.
template <class V>
void block_weights(const float* z, size_t count, float ref, float* out) {
  constexpr size_t L = V::kLanes;
  using F = typename V::F;
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
  const F scale = V::set1(kLog2e), shift = V::set1(-ref * kLog2e), lo = V::set1(kClampLog2);
  for (size_t v = 0; v < kBlock / L; ++v)
    V::store(out + L * v, V::exp2_in_range(V::max(V::fmadd(V::load(z + L * v), scale, shift), lo)));
}

template <class V, float (*kMax)(const float*, size_t)>
EntropyAndSums entropy_and_sums(const float* z, size_t n, float* scratch) {
  using F = typename V::F;
  EntropyAndSums r;
  EntropyStats& st = r.stats;
  st.argmax = -1;  // found only if the step turns out greedy (index_of_first)
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
  for (size_t c = 0; c < chunks; ++c) {
    const size_t b0 = c * kBlock, b1 = std::min(blocks, b0 + kBlock);
    const float* zc = z + b0 * kBlock;
    const size_t count = (b1 - b0) * kBlock;
    double chunk_sum = 0;
    F t = V::zero();
    bool done = false;
    if (optimistic && m > -std::numeric_limits<float>::infinity()) {
      ExponentRange range{};
      chunk_sum = V::hsum(entropy_blocks<V, false, true>(z, b0, b1, V::set1(-m * kLog2e), block_sum, t, &range));
      done = range.min > static_cast<int>(kClampLog2) && range.max <= kMaxExcess;
      optimistic = range.min > static_cast<int>(kClampLog2);
      if (done) {
        refs[c] = m;
        sum += chunk_sum;
        tsum += kLn2 * static_cast<double>(V::hsum(t));
        if (range.max >= 0) {
          const float cm = kMax(zc, count);
          if (cm > m) {
            move_sums_to_max(sum, tsum, m, cm);
            m = cm;
          }
        }
      }
    }
    if (!done) {
      const MinMax mm = min_max_of<V>(zc, count);
      if (mm.max > m) {
        move_sums_to_max(sum, tsum, m, mm.max);
        m = mm.max;
      }
      refs[c] = m;
      chunk_sum = 0;
      if (m > -std::numeric_limits<float>::infinity()) {
        const F shift = V::set1(-m * kLog2e);
        // No clamp needed when even the smallest logit's d = (z - m)·log2 e stays above -125 (with a margin for
        // the rounding of the FMA): the usual case, since logits rarely span 80 nats.
        const bool clamp = !((mm.min - m) * kLog2e > kClampLog2 + 1.0f);
        chunk_sum = V::hsum(clamp ? entropy_blocks<V, true, false>(z, b0, b1, shift, block_sum, t, nullptr)
                                  : entropy_blocks<V, false, false>(z, b0, b1, shift, block_sum, t, nullptr));
        tsum += kLn2 * static_cast<double>(V::hsum(t));
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
  float tail[kBlock];  // (n % kBlock) the tail's weights, as block_weights gives them
  block_weights<V>(z + blocks * kBlock, n - blocks * kBlock, m, tail);
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

template <class V>
double sum_at_temperature(const float* z, size_t n, float max, double temperature) {
  constexpr size_t L = V::kLanes;
  using F = typename V::F;
  const auto k = static_cast<float>(kLog2e / temperature);
  const F scale = V::set1(k), shift = V::set1(-max * k);
  F a[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
  size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L)
    for (size_t u = 0; u < 4; ++u) a[u] = V::add(a[u], V::exp2_clamped(V::fmadd(V::load(z + i + L * u), scale, shift)));
  double total = V::hsum(V::add(V::add(a[0], a[1]), V::add(a[2], a[3])));
  for (; i < n; ++i) total += std::exp((static_cast<double>(z[i]) - max) / temperature);
  return total;
}

}  // namespace edt::fused_body
