#include "engine/memory_check.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "weights/error.h"

namespace edt {

MemoryInfo read_memory_info() {
  MemoryInfo m;
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream ss(line);
    std::string key;
    uint64_t kib = 0;
    ss >> key >> kib;
    if (key == "MemTotal:") m.total_bytes = kib * 1024;
    if (key == "MemAvailable:") m.available_bytes = kib * 1024;
  }
  return m;
}

void require_memory(uint64_t bytes, uint64_t limit_bytes, const std::string& what) {
  if (limit_bytes == 0 || bytes <= limit_bytes) return;
  char msg[256];
  std::snprintf(msg, sizeof msg, "%s needs %.2f GiB, this machine has %.2f GiB available", what.c_str(),
                static_cast<double>(bytes) / (1u << 30), static_cast<double>(limit_bytes) / (1u << 30));
  throw FormatError(msg);
}

}  // namespace edt
