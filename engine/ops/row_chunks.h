#pragma once
// The decode products' split of a group of matrices' rows between threads, balanced at run time. Each thread owns
// an equal share of the group's row chunks and takes them front to back; a thread whose share is done takes chunks
// from the back of the others' shares, so the threads finish together. A static split left one thread waiting for
// the other in 12-20% of the products' time on the Zen 4 machine (2 threads, generation at the 110M and 1.1B shapes:
// two cores reading the same DRAM do not stream at the same rate), bench/RESULTS.md, 2026-12-03.
//
// A chunk is kChunkRows rows of one matrix (or its last rows), cut at the matrix's row groups as part_begin cuts
// thread shares, so every kernel call starts at a group and a row's value does not depend on who takes it. Claims
// are one compare-and-swap on a cache line the share's owner alone touches until a thief arrives.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include <omp.h>

#include "engine/ops/linear.h"

namespace edt {

inline constexpr size_t kChunkRows = 64;  // four 16-row groups: one pass of the x16 decode kernels
inline constexpr size_t kMaxTaskMatrices = 4;

// The flat list of chunks of up to kMaxTaskMatrices matrices: matrix 0's chunks, then matrix 1's, ...
class RowChunks {
 public:
  explicit RowChunks(std::span<const MatvecTask> tasks) : tasks_(tasks) {
    first_[0] = 0;
    for (size_t i = 0; i < tasks.size(); ++i) {
      const WeightMatrix& w = *tasks[i].w;
      const size_t align = std::max<size_t>(w.row_group, 4);
      rows_[i] = std::max(align, kChunkRows / align * align);
      first_[i + 1] = first_[i] + (w.rows + rows_[i] - 1) / rows_[i];
    }
  }
  size_t count() const { return first_[tasks_.size()]; }
  // Chunk c as (task, first row, row count).
  void at(size_t c, size_t& task, size_t& begin, size_t& n) const {
    task = 0;
    while (c >= first_[task + 1]) ++task;
    begin = (c - first_[task]) * rows_[task];
    n = std::min(rows_[task], tasks_[task].w->rows - begin);
  }

 private:
  std::span<const MatvecTask> tasks_;
  std::array<size_t, kMaxTaskMatrices + 1> first_{};  // (tasks + 1) first chunk of each matrix, then the count
  std::array<size_t, kMaxTaskMatrices> rows_{};       // (tasks) rows per chunk of each matrix
};

// One share: chunks [front, back), taken from the front by its owner and from the back by the others.
class ChunkShare {
 public:
  void reset(size_t front, size_t back) { span_.store(pack(front, back), std::memory_order_relaxed); }
  bool take_front(size_t& c) { return take(c, true); }
  bool take_back(size_t& c) { return take(c, false); }

 private:
  static uint64_t pack(uint64_t front, uint64_t back) { return front << 32 | back; }
  // Relaxed is enough: the claims on one share are ordered by the atomic itself, and the products' outputs are
  // published to the caller by the parallel region's join.
  bool take(size_t& c, bool front) {
    uint64_t v = span_.load(std::memory_order_relaxed);
    for (;;) {
      const uint64_t f = v >> 32, b = v & 0xffffffffu;
      if (f >= b) return false;
      if (span_.compare_exchange_weak(v, front ? pack(f + 1, b) : pack(f, b - 1), std::memory_order_relaxed)) {
        c = front ? f : b - 1;
        return true;
      }
    }
  }
  alignas(64) std::atomic<uint64_t> span_{0};
};

inline constexpr size_t kMaxChunkShares = 64;  // more threads than this take only from others' shares

// The shares of one product, set before its parallel region: share s of `parts` holds chunks [C·s/parts,
// C·(s+1)/parts).
struct ChunkShares {
  ChunkShares(size_t chunks, size_t parts) : parts(std::min(parts, kMaxChunkShares)) {
    for (size_t s = 0; s < this->parts; ++s) share[s].reset(chunks * s / this->parts, chunks * (s + 1) / this->parts);
  }
  // Thread `me`'s work inside the region: its own share from the front, then every other share from the back.
  // run(c) does chunk c. However many threads the region really has, every chunk is done once.
  template <class Run>
  void work(size_t me, Run&& run) {
    size_t c;
    if (me < parts)
      while (share[me].take_front(c)) run(c);
    for (size_t k = 1; k <= parts; ++k) {
      ChunkShare& other = share[(me + k) % parts];
      while (other.take_back(c)) run(c);
    }
  }
  size_t parts;
  std::array<ChunkShare, kMaxChunkShares> share;  // (parts used) one per thread
};

// The product of tasks' matrices on n_threads threads, balanced: run(task, w, begin, rows) computes rows [begin,
// begin + rows) of task's matrix w; each call is one chunk. tasks.size() <= kMaxTaskMatrices.
template <class Run>
void run_balanced(std::span<const MatvecTask> tasks, int n_threads, Run&& run) {
  const RowChunks chunks(tasks);
  ChunkShares shares(chunks.count(), static_cast<size_t>(n_threads));
#pragma omp parallel num_threads(n_threads)
  shares.work(static_cast<size_t>(omp_get_thread_num()), [&](size_t c) {
    size_t task, begin, rows;
    chunks.at(c, task, begin, rows);
    run(task, *tasks[task].w, begin, rows);
  });
}

}  // namespace edt
