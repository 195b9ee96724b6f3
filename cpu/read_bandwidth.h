#pragma once
// Reading memory as fast as the core can: the yardstick for "what share of the bandwidth limit does generation
// reach". A plain one-stream sum under-measures it (on a Zen 4, 29-32 GB/s where llama.cpp's generation streamed
// 35-37 GB/s), so these read with the level's widest loads, from four streams at once (four quarters of the range,
// which keeps more DRAM pages and prefetcher streams busy than one does) with a software prefetch ahead of each,
// into L1 or L2 as asked (on the Zen 4 the L2 one reads faster, as in the kernels: cpu/prefetch.h), and no arithmetic
// that could become the bottleneck (one add per load).
#include <cstddef>

#include "cpu/isa.h"
#include "cpu/prefetch.h"

namespace edt {

// Σ x[i] over n floats (the value only keeps the loads alive; its rounding does not matter).
float read_sum_f32(const float* x, size_t n, Isa isa, PrefetchTo to);
float read_sum_f32_ref(const float* x, size_t n);
float read_sum_f32_avx2(const float* x, size_t n, PrefetchTo to);
float read_sum_f32_avx512(const float* x, size_t n, PrefetchTo to);

}  // namespace edt
