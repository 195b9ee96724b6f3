#pragma once
// Causal grouped-query attention over a session's KV cache. Query head h reads KV head h / (n_head / n_head_kv).
// Two routes with one contract: a batch of queries goes through sgemm per head (scores = Q·Kᵀ, masked softmax,
// out = P·V); a single query loops over positions with the SIMD dot / axpy kernels, heads in parallel. Both take
// the shape's softcap (on the scaled scores, before the mask) and sliding window (only the last `window` positions
// are visible; the batched route multiplies only the columns a block of rows can see).
#include <cstddef>

#include "engine/kv_cache.h"
#include "engine/ops/dot_kernels.h"

namespace edt {

struct AttentionShape {
  size_t n_head = 0, n_head_kv = 0, head_dim = 0;
  float scale = 1.0f;    // scores = scale · q·k (1 / sqrt(head_dim) unless the family says otherwise)
  float softcap = 0.0f;  // scores = softcap · tanh(scores / softcap) after scaling, before the mask; 0: none
  size_t window = 0;     // the query at position i sees keys i - window < j <= i (itself included); 0: all j <= i
};

// The first position the query at position pos sees under the shape's window.
inline size_t first_visible(const AttentionShape& s, size_t pos) {
  return s.window && pos + 1 > s.window ? pos + 1 - s.window : 0;
}

// Rows of the scores scratch the batched route uses per block of queries; the scratch holds
// attention_scratch_floats(...) floats.
size_t attention_scratch_floats(size_t max_batch, size_t n_ctx, size_t head_dim, KvType type, int n_threads);

// q: (n, n_head * head_dim) for positions pos0 .. pos0+n-1, whose K and V rows are already in the cache.
// out: (n, n_head * head_dim). isa picks the decode kernels (AVX2 needs head_dim a multiple of 8).
void attention(const float* q, const KvCache& cache, size_t layer, size_t pos0, size_t n, const AttentionShape& shape,
               Isa isa, float* scratch, size_t scratch_floats, float* out, int n_threads);

// Plain reference (double accumulation), for tests.
void attention_ref(const float* q, const KvCache& cache, size_t layer, size_t pos0, size_t n,
                   const AttentionShape& shape, float* out);

}  // namespace edt
