// top-k, top-p and min-p: each removes candidates without sorting the whole vocabulary, keeping the survivors in
// their original order.
#include <algorithm>
#include <cmath>
#include <functional>

#include "sampling/stages/stages.h"

namespace edt {
namespace {

// Keeps candidates with logit > threshold, then those equal to it (in order) until `keep` are kept. Ids are
// written as candidates are kept, so an identity array is never materialised in full.
void keep_at_least(Candidates& c, float threshold, size_t keep) {
  size_t above = 0;
  for (size_t i = 0; i < c.size; ++i) above += c.logits[i] > threshold ? 1 : 0;
  size_t ties_allowed = keep > above ? keep - above : 0, out = 0;
  for (size_t i = 0; i < c.size; ++i) {
    const float z = c.logits[i];
    if (z < threshold || (z == threshold && ties_allowed == 0)) continue;
    if (z == threshold) --ties_allowed;
    c.ids[out] = c.id(i);
    c.logits[out] = z;
    ++out;
  }
  c.identity = false;
  c.size = out;
}

}  // namespace

void TopKStage::apply(Candidates& c, SamplingContext&) {
  if (k_ <= 0 || static_cast<size_t>(k_) >= c.size) return;
  const auto k = static_cast<size_t>(k_);
  float threshold;
  if (k <= 1024) {
    // One pass with a min-heap of the k largest seen so far: after the first k, almost every logit loses a single
    // comparison with the heap's top, so this costs about one compare per token.
    float* heap = c.scratch;  // (k) min-heap
    std::copy_n(c.logits, k, heap);
    std::make_heap(heap, heap + k, std::greater<float>());
    for (size_t i = k; i < c.size; ++i) {
      if (c.logits[i] <= heap[0]) continue;
      std::pop_heap(heap, heap + k, std::greater<float>());
      heap[k - 1] = c.logits[i];
      std::push_heap(heap, heap + k, std::greater<float>());
    }
    threshold = heap[0];
  } else {
    std::copy_n(c.logits, c.size, c.scratch);
    std::nth_element(c.scratch, c.scratch + (k - 1), c.scratch + c.size, std::greater<float>());
    threshold = c.scratch[k - 1];
  }
  keep_at_least(c, threshold, k);
}

void TopPStage::apply(Candidates& c, SamplingContext& ctx) {
  if (p_ >= 1.0f || c.size <= 1) return;
  // Bucket the probability mass by distance below the max logit (64 buckets per nat over 32 nats; everything
  // further down shares the last bucket), find the bucket where the cumulative mass from the top crosses p, and
  // sort only that bucket's logits to place the cut exactly. Two linear passes and a small sort.
  constexpr int kPerNat = 64, kBuckets = 32 * kPerNat + 1;
  double mass[kBuckets] = {};
  const float max = ctx.kernels.entropy_stats(c.logits, c.size).max;
  const double total = ctx.kernels.exp_shifted(c.logits, c.size, max, c.scratch);
  auto bucket_of = [&](float z) {
    const float d = max - z;  // may be inf for a masked token
    return d < 32.0f ? static_cast<int>(d * kPerNat) : kBuckets - 1;
  };
  for (size_t i = 0; i < c.size; ++i) mass[bucket_of(c.logits[i])] += c.scratch[i];
  const double target = static_cast<double>(p_) * total;
  double above = 0;  // mass of the buckets nearer the max than bucket b
  int b = 0;
  for (; b < kBuckets - 1 && above + mass[b] < target; ++b) above += mass[b];
  size_t in_bucket = 0, kept_above = 0;
  for (size_t i = 0; i < c.size; ++i) {
    const int bi = bucket_of(c.logits[i]);
    if (bi < b) ++kept_above;
    else if (bi == b) c.scratch2[in_bucket++] = c.logits[i];
  }
  std::sort(c.scratch2, c.scratch2 + in_bucket, std::greater<float>());
  double cum = above;
  size_t j = 0;
  for (; j < in_bucket; ++j) {
    cum += std::exp(static_cast<double>(c.scratch2[j]) - max);
    if (cum >= target) break;
  }
  if (j == in_bucket) {
    if (b == kBuckets - 1) return;  // rounding: everything is needed
    j = in_bucket - 1;
  }
  keep_at_least(c, c.scratch2[j], kept_above + j + 1);
}

void MinPStage::apply(Candidates& c, SamplingContext&) {
  if (min_p_ <= 0.0f || c.size <= 1) return;
  float max = c.logits[0];
  for (size_t i = 1; i < c.size; ++i) max = std::max(max, c.logits[i]);
  const float threshold = max + std::log(std::min(min_p_, 1.0f));
  size_t out = 0;
  for (size_t i = 0; i < c.size; ++i) {
    if (c.logits[i] < threshold) continue;
    c.ids[out] = c.id(i);
    c.logits[out] = c.logits[i];
    ++out;
  }
  c.identity = false;
  c.size = out;
}

}  // namespace edt
