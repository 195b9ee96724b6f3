#pragma once
// Refusing up front what the machine cannot hold: a model file larger than its memory, or a KV cache and scratch
// larger than the memory available now. The message says how much would be needed and how much there is.
#include <cstdint>
#include <string>

namespace edt {

struct MemoryInfo {
  uint64_t total_bytes = 0;      // MemTotal
  uint64_t available_bytes = 0;  // MemAvailable
};

// From /proc/meminfo; zeros when it cannot be read (then nothing is refused).
MemoryInfo read_memory_info();

// Throws FormatError "<what> needs X GiB, this machine has Y GiB available" when bytes > limit (limit 0: no check).
void require_memory(uint64_t bytes, uint64_t limit_bytes, const std::string& what);

}  // namespace edt
