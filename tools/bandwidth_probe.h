#pragma once
// This machine's read bandwidth, measured on demand by a helper process so that a benchmark can pair each timed run
// with a measurement taken right next to it: the machine is shared, and its speed changes from one minute to the
// next, so one figure taken at the start made the "% of the bandwidth limit" of later runs swing by ±15 points.
// The helper is forked by the constructor — construct the probe before this process starts any OpenMP thread —
// and holds the 1 GiB buffer it sums, which so stays out of the benchmark's peak RSS.
#include <sys/types.h>

#include "engine/ops/dot_kernels.h"

namespace edt {

class BandwidthProbe {
 public:
  explicit BandwidthProbe(Isa isa);
  ~BandwidthProbe();
  BandwidthProbe(const BandwidthProbe&) = delete;
  BandwidthProbe& operator=(const BandwidthProbe&) = delete;

  // GB/s of summing the 1 GiB buffer with this many threads (the best of two passes); 0 if the helper failed.
  double measure(int threads);

 private:
  pid_t pid_ = -1;
  int fd_ = -1;  // our end of the socket pair: thread counts out, GB/s back
};

}  // namespace edt
