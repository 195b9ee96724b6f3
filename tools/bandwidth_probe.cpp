#include "tools/bandwidth_probe.h"

#include "cpu/read_bandwidth.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <thread>
#include <vector>

namespace edt {
namespace {

// The helper's work: read the buffer with `threads` std::threads (not OpenMP: its idle workers would spin on
// the cores the benchmark is about to use) with the level's fastest read loop (cpu/read_bandwidth.h: widest loads,
// four streams per thread, software prefetch), three times with the prefetch into L1 and three into L2, alternated,
// and keep the fastest pass: which target streams faster is the CPU's (cpu/prefetch.h).
double sum_bandwidth_gbs(std::span<const float> buf, int threads, Isa isa) {
  const size_t per = buf.size() / static_cast<size_t>(threads);
  double best = 0;
  for (int pass = 0; pass < 6; ++pass) {
    const PrefetchTo to = pass % 2 == 0 ? PrefetchTo::L1 : PrefetchTo::L2;
    const auto sum = [isa, to](const float* x, size_t n) { return read_sum_f32(x, n, isa, to); };
    std::vector<float> totals(static_cast<size_t>(threads));  // (threads) keeps each sum alive
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int c = 0; c < threads; ++c)
      pool.emplace_back([&, c] { totals[static_cast<size_t>(c)] = sum(buf.data() + static_cast<size_t>(c) * per, per); });
    for (std::thread& t : pool) t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (totals[0] < 0) return 0;  // never: the buffer holds ones
    best = std::max(best, static_cast<double>(per * static_cast<size_t>(threads) * sizeof(float)) / s / 1e9);
  }
  return best;
}

[[noreturn]] void helper_main(int fd, Isa isa) {
  // (2^28 floats) in 2 MiB-aligned memory advised to be huge pages, touched once so the pages exist. The probe is to
  // say what the machine can stream, and on the Zen 4 huge pages streamed more: 3-4% for this four-stream read, 11%
  // for a single stream (bench/RESULTS.md, 2026-12-04). Where the kernel grants none, the pages are small, as before.
  constexpr size_t kBytes = size_t{1} << 30, kHuge = size_t{2} << 20;
  void* raw = mmap(nullptr, kBytes + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) _exit(0);  // the benchmark reads end of file: a 0 GB/s probe, no "% of limit"
  auto* aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(raw) + kHuge - 1) & ~uintptr_t{kHuge - 1});
  madvise(aligned, kBytes, MADV_HUGEPAGE);
  const std::span<float> buf(aligned, kBytes / sizeof(float));
  std::fill(buf.begin(), buf.end(), 1.0f);
  const double ready = 0;  // the buffer is in place: the benchmark may start without this process competing
  if (send(fd, &ready, sizeof ready, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof ready)) _exit(0);
  for (int threads = 0; recv(fd, &threads, sizeof threads, MSG_WAITALL) == static_cast<ssize_t>(sizeof threads);) {
    const double gbs = threads > 0 ? sum_bandwidth_gbs(buf, threads, isa) : 0.0;
    if (send(fd, &gbs, sizeof gbs, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof gbs)) break;
  }
  _exit(0);
}

}  // namespace

// A socket pair rather than pipes: send() with MSG_NOSIGNAL, so a helper that died is a 0 GB/s reading, not a
// SIGPIPE in the benchmark.
BandwidthProbe::BandwidthProbe(Isa isa) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    close(fds[0]);
    helper_main(fds[1], isa);
  }
  close(fds[1]);
  if (pid_ < 0) {
    close(fds[0]);
    return;
  }
  fd_ = fds[0];
  double ready = 0;
  if (recv(fd_, &ready, sizeof ready, MSG_WAITALL) != static_cast<ssize_t>(sizeof ready)) {  // the helper failed
    close(fd_);
    fd_ = -1;
  }
}

BandwidthProbe::~BandwidthProbe() {
  if (fd_ >= 0) close(fd_);  // the helper reads end of file and exits
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
}

double BandwidthProbe::measure(int threads) {
  double gbs = 0;
  if (fd_ < 0 || send(fd_, &threads, sizeof threads, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof threads)) return 0;
  if (recv(fd_, &gbs, sizeof gbs, MSG_WAITALL) != static_cast<ssize_t>(sizeof gbs)) return 0;
  return gbs;
}

}  // namespace edt
