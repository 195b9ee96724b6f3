#pragma once
// The one-query route of attention (decode): scores of the query heads that share a KV head are computed in one
// pass over the cache, each K row read once for up to four heads, and likewise each V row once for their weighted
// sum. F32 and F16 caches.
#include <cstddef>

#include "engine/attention.h"

namespace edt {

// Query heads handled per pass over the cache (scores scratch: kDecodeHeadsPerPass * n_ctx floats per thread).
inline constexpr size_t kDecodeHeadsPerPass = 4;

// q: (n_head * head_dim) at position n_pos - 1, which sees positions first_visible(s, n_pos - 1) .. n_pos-1 (its
// softcap applied to the scaled scores). out: (n_head * head_dim).
// head_dim must be a multiple of 8. scratch: n_threads regions of scratch_per_thread floats.
void attention_decode_avx2(const float* q, const KvCache& cache, size_t layer, size_t n_pos, const AttentionShape& s,
                           float* scratch, size_t scratch_per_thread, float* out, int n_threads);

}  // namespace edt
