#pragma once
// Proposals for the fused draw's rejection step: an index drawn with probability w_i / Σw, w_i = e^(z_i - m), by
// inverse CDF — whole superblocks of 4,096 weights, then blocks of 64, then elements. The entropy pass stored only
// the block and superblock sums; the 64 weights of the block the draw lands in are recomputed, with the same
// instructions as the pass, so they are the very numbers the sums were made of.
#include <cstddef>
#include <cstdint>

namespace edt {

inline constexpr size_t kWeightBlock = 64;
inline constexpr float kNegligibleWeight = 1e-30f;  // weights below this are masked tokens (2^-125), never drawn

inline constexpr size_t kSuperblock = kWeightBlock * kWeightBlock;  // elements per superblock

// Scratch of the sums, in floats: each whole block's sum as 8 partial sums (the vector lanes the pass summed in;
// reducing them costs more than the proposals that need a few of them), one sum per whole superblock, then the
// reference each superblock's weights were computed against (one per superblock, the last one partial).
inline constexpr size_t kBlockLanes = 8;
inline size_t block_sums_floats(size_t n) { return kBlockLanes * (n / kWeightBlock) + 2 * (n / kSuperblock) + 4; }
inline float* superblock_sums(float* block_sums, size_t n) { return block_sums + kBlockLanes * (n / kWeightBlock); }
inline const float* superblock_sums(const float* block_sums, size_t n) {
  return block_sums + kBlockLanes * (n / kWeightBlock);
}
// A block's sum from its partial sums, in one fixed order wherever it is taken.
inline float block_total(const float* lanes) {
  return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}
// The pass computes a superblock's weights against the running max m_s at that point (one pass, no max pass first)
// and then scales its sums by e^(m_s - m); a weight is e^(z - m_s) · e^(m_s - m), computed in that order.
inline float* superblock_refs(float* block_sums, size_t n) { return superblock_sums(block_sums, n) + n / kSuperblock + 1; }
inline const float* superblock_refs(const float* block_sums, size_t n) {
  return superblock_sums(block_sums, n) + n / kSuperblock + 1;
}

// out[j] = e^(z_j - ref) for count <= kWeightBlock logits starting at z, exactly as the entropy pass computed them.
using BlockWeightsFn = void (*)(const float* z, size_t count, float ref, float* out);
void block_weights_ref(const float* z, size_t count, float max, float* out);
void block_weights_avx2(const float* z, size_t count, float max, float* out);
void block_weights_avx512(const float* z, size_t count, float max, float* out);

struct Proposal {
  int32_t index = 0;
  float weight = 0;  // w_index, as the sums counted it
};

// The first index of weight >= kNegligibleWeight whose running sum passes u · total (total = Σ of the block sums
// and the tail weights after the last whole block, those against max). n > 0 and total > 0.
Proposal propose(const float* logits, size_t n, float max, const float* block_sums, double total, double u,
                 BlockWeightsFn weights);

// The factor e^(ref - max) that takes a superblock's weights to the final max (1 when ref == max).
float rescale_factor(float ref, float max);

}  // namespace edt
