#pragma once
// The server's counters and gauges, updated by the HTTP threads and the engine thread, read as Prometheus text.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace edt::serve {

class Metrics {
 public:
  void count_request(const std::string& endpoint, int status);
  std::string prometheus_text() const;

  std::atomic<uint64_t> prompt_tokens{0};         // prompt tokens of finished requests
  std::atomic<uint64_t> prompt_cached_tokens{0};  // of those, reused from a slot's cache
  std::atomic<uint64_t> generated_tokens{0};
  std::atomic<uint64_t> sampler_ns{0};            // time in the sampler chains
  std::atomic<uint64_t> step_ns{0};               // time in engine steps (forward + sampling)
  std::atomic<uint64_t> steps{0};
  std::atomic<uint64_t> step_rows{0};             // tokens through the forward, over all steps
  std::atomic<uint64_t> rejected_busy{0};         // 503: queue full or draining
  std::atomic<uint64_t> cancelled{0};             // clients that went away mid-request
  std::atomic<int64_t> queue_depth{0};
  std::atomic<int64_t> busy_slots{0};
  std::atomic<int64_t> slots{0};
  std::atomic<int> ready{0};

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (endpoint, status) -> count
};

}  // namespace edt::serve
