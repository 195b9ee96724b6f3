#include "sampling/proposal.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace edt {

void block_weights_ref(const float* z, size_t count, float ref, float* out) {
  for (size_t j = 0; j < count; ++j) out[j] = static_cast<float>(std::exp(static_cast<double>(z[j]) - ref));
}

float rescale_factor(float ref, float max) {
  return ref == max ? 1.0f : static_cast<float>(std::exp(static_cast<double>(ref) - max));
}

Proposal propose(const float* logits, size_t n, float max, const float* block_sums, double total, double u,
                 BlockWeightsFn weights) {
  const size_t blocks = n / kWeightBlock;
  const float* super = superblock_sums(block_sums, n);
  const double target = u * total;
  double cum = 0;
  size_t b = 0;
  for (size_t sb = 0; (sb + 1) * kWeightBlock <= blocks; ++sb) {
    if (cum + super[sb] > target) break;
    cum += super[sb];
    b = (sb + 1) * kWeightBlock;
  }
  for (; b < blocks; ++b) {
    const float block = block_total(block_sums + kBlockLanes * b);
    if (cum + block > target) break;
    cum += block;
  }
  const size_t blocks_total = (n + kWeightBlock - 1) / kWeightBlock;
  const float* refs = superblock_refs(block_sums, n);
  float w[kWeightBlock];  // (kWeightBlock) the weights of the block being scanned, against the final max
  // Block bb's weights as the pass counted them: against its superblock's reference, then rescaled (the tail,
  // bb == blocks, was computed against the final max).
  auto block = [&](size_t bb, size_t begin, size_t count) {
    const float ref = bb < blocks ? refs[bb / kWeightBlock] : max;
    weights(logits + begin, count, ref, w);
    const float f = ref > -std::numeric_limits<float>::infinity() ? rescale_factor(ref, max) : 0.0f;
    if (f != 1.0f)
      for (size_t j = 0; j < count; ++j) w[j] *= f;
  };
  Proposal last{-1, 0};
  // Element by element from block b (b == blocks is the tail); rounding may carry the scan into later blocks.
  for (; b * kWeightBlock < n; ++b) {
    const size_t begin = b * kWeightBlock, count = std::min(kWeightBlock, n - begin);
    block(b, begin, count);
    for (size_t j = 0; j < count; ++j) {
      if (w[j] < kNegligibleWeight) continue;
      last = {static_cast<int32_t>(begin + j), w[j]};
      cum += w[j];
      if (cum > target) return last;
    }
  }
  if (last.index >= 0) return last;
  // Rounding ran past every weighty token after the block the sums chose: the last weighty token overall.
  for (size_t bb = blocks_total; bb-- > 0;) {
    const size_t begin = bb * kWeightBlock, count = std::min(kWeightBlock, n - begin);
    block(bb, begin, count);
    for (size_t j = count; j-- > 0;)
      if (w[j] >= kNegligibleWeight) return {static_cast<int32_t>(begin + j), w[j]};
  }
  return {0, 0};
}

}  // namespace edt
