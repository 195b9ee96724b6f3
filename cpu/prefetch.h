#pragma once
// The software prefetches of the weight-streaming kernels: a line they will read a few hundred bytes or a few blocks
// from now, asked for into L2 (prefetcht1) or into L1 (prefetcht0). Measured on the Zen 4 machine at the TinyLlama
// shape, 2 threads, tok/s (bench/RESULTS.md, 2026-12-03):
// - Kernels with several streams a thread (AVX-512's x16 decode reads four groups at once; the stored rows' 4-row
//   groups prefetch the next group's four rows) take L2: f16 x16 17.6 against 13.1 with L1, q8_0 x16 22.1 against
//   17.1, q4_0 x16 41.6 against 36.7; at AVX2 the stored rows' f16 13.0 against 9.7 and q8_0 26.9 against 17.2. An L1
//   request holds one of the core's few L1 miss buffers until DRAM answers, and that many streams ahead by a
//   kilobyte fill them; an L2 request does not, and the loads still find the line in L2 when they reach it.
// - On the Zen 5 (bench/RESULTS.md, 2026-12-03) f16 x16 keeps L2 (21.98 against 18.09), and Q4_0 / Q8_0 x16 are within 6%
//   either way over 8 paired rounds, so one hint serves both CPUs.
// - AVX2's x16 decode reads one group at a time, a single stream, and takes L1: q4_0 33.0 against 27.2 with L2.
// The bandwidth probe (read_bandwidth.h) reads with both and keeps the faster, since which one wins is the CPU's.
namespace edt {

enum class PrefetchTo { L1, L2 };

template <PrefetchTo kTo>
inline void prefetch(const void* p) {
  __builtin_prefetch(p, 0, kTo == PrefetchTo::L1 ? 3 : 2);
}
inline void prefetch_to_l1(const void* p) { prefetch<PrefetchTo::L1>(p); }
inline void prefetch_to_l2(const void* p) { prefetch<PrefetchTo::L2>(p); }

}  // namespace edt
