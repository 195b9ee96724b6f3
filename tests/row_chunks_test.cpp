// The balanced split of the decode products (engine/ops/row_chunks.h): every row of a group is in exactly one
// chunk, chunks start at the kernels' row groups, every chunk runs exactly once whatever the team's real size, and
// a product split between threads gives the bits of the same product on one thread.
#include <gtest/gtest.h>

#include <omp.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "engine/kernels/kernel_table.h"
#include "engine/ops/linear.h"
#include "engine/ops/row_chunks.h"
#include "engine/ops/weight_repack.h"
#include "tests/test_util.h"
#include "weights/quant_blocks.h"

namespace edt {
namespace {

TEST(RowChunks, EveryRowOnceAndEveryChunkAtAGroup) {
  std::vector<WeightMatrix> mats(4);
  const size_t rows[] = {1, 37, 256, 130};
  const size_t groups[] = {1, 1, 16, 1};
  std::vector<std::vector<float>> ys(4);
  std::vector<MatvecTask> tasks;
  for (size_t m = 0; m < 4; ++m) {
    mats[m].rows = rows[m];
    mats[m].row_group = groups[m];
    ys[m].resize(rows[m]);
    tasks.push_back({&mats[m], ys[m].data()});
  }
  const RowChunks chunks(tasks);
  std::vector<std::vector<int>> seen(4);
  for (size_t m = 0; m < 4; ++m) seen[m].assign(rows[m], 0);
  for (size_t c = 0; c < chunks.count(); ++c) {
    size_t task, begin, n;
    chunks.at(c, task, begin, n);
    ASSERT_LT(task, 4u);
    EXPECT_GT(n, 0u);
    EXPECT_EQ(begin % std::max<size_t>(groups[task], 4), 0u) << "task " << task << " chunk " << c;
    for (size_t r = begin; r < begin + n; ++r) ++seen[task][r];
  }
  for (size_t m = 0; m < 4; ++m)
    for (size_t r = 0; r < rows[m]; ++r) EXPECT_EQ(seen[m][r], 1) << "task " << m << " row " << r;
}

// Shares set for `parts` threads, run by teams of other sizes: a smaller team takes the missing owners' shares
// from the back, a larger one's extra threads only take from the back. (Teams of at most 3: clang's libomp keeps
// the thread records of a larger team past exit, which LeakSanitizer reports as a leak in the asan tree.)
TEST(ChunkShares, EveryChunkRunsOnceWhateverTheTeamSize) {
  for (size_t chunks : {0u, 1u, 2u, 7u, 64u, 501u})
    for (size_t parts : {1u, 2u, 3u})
      for (int team : {1, 2, 3}) {
        std::vector<std::atomic<int>> runs(chunks);
        for (auto& r : runs) r = 0;
        ChunkShares shares(chunks, parts);
#pragma omp parallel num_threads(team)
        shares.work(static_cast<size_t>(omp_get_thread_num()), [&](size_t c) { runs[c].fetch_add(1); });
        for (size_t c = 0; c < chunks; ++c)
          EXPECT_EQ(runs[c].load(), 1) << chunks << " chunks, " << parts << " shares, team " << team << ", chunk " << c;
      }
}

// Each type at the process's level, repacked where the level has a layout, 2 and 3 threads against 1: the same
// bits (the kernels' row groups do not depend on which thread takes a chunk).
TEST(ChunkShares, SplitProductEqualsOneThreadBitForBit) {
  size_t count = 0;
  const TypeKernels* const* table = kernel_table(&count);
  const size_t cols = 512, rows = 208;  // 3.25 chunks: a last chunk of 16 rows
  const auto values = test::random_floats(rows * cols, 5);
  const auto x = test::random_floats(cols, 6);
  for (size_t i = 0; i < count; ++i) {
    if (table[i]->row_group != 1) continue;  // layouts come from their stored type's row
    const GgmlType type = table[i]->type;
    const size_t row_bytes = *ggml_row_bytes(type, cols);
    std::vector<uint8_t> bytes(rows * row_bytes);  // (rows, row_bytes)
    for (size_t r = 0; r < rows; ++r) quantize_row(type, &values[r * cols], &bytes[r * row_bytes], cols);
    WeightMatrix w = bind_weight_matrix(type, bytes.data(), rows, cols, process_isa());
    if (const TypeKernels* layout = repack_layout(w)) repack_in_place(w, *layout, bytes.data());
    std::vector<uint8_t> scratch(matvec_scratch_bytes(cols));
    std::vector<float> one(rows), split(rows);
    matvec(w, x.data(), one.data(), scratch.data(), 1);
    for (int threads : {2, 3}) {
      matvec(w, x.data(), split.data(), scratch.data(), threads);
      EXPECT_EQ(0, std::memcmp(one.data(), split.data(), rows * sizeof(float)))
          << ggml_traits(type).name << " at " << isa_name(process_isa()) << ", " << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace edt
