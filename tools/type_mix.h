#pragma once
// A file's type mix for `edt quantize` and `edt inspect`: tensors and weights per type, and bits per weight.
#include <cstdint>
#include <string>
#include <vector>

#include "weights/gguf.h"

namespace edt {

struct TypeMixEntry {
  GgmlType type;
  size_t tensors = 0;
  uint64_t elements = 0;
  uint64_t bytes = 0;
};

std::vector<TypeMixEntry> type_mix(const std::vector<GgufTensorInfo>& tensors);
// "type mix: Q4_K 4 tensors (2.1 M weights, 4.50 bits/weight), ... | all: 5.12 bits/weight"
std::string format_type_mix(const std::vector<TypeMixEntry>& mix);

}  // namespace edt
