#include "tools/type_mix.h"

#include <algorithm>
#include <cstdio>

namespace edt {

std::vector<TypeMixEntry> type_mix(const std::vector<GgufTensorInfo>& tensors) {
  std::vector<TypeMixEntry> mix;
  for (const GgufTensorInfo& t : tensors) {
    auto it = std::find_if(mix.begin(), mix.end(), [&](const TypeMixEntry& e) { return e.type == t.type; });
    if (it == mix.end()) {
      mix.push_back({t.type});
      it = mix.end() - 1;
    }
    ++it->tensors;
    it->elements += t.n_elements;
    it->bytes += t.n_bytes;
  }
  // Most weights first: the types that decide the file's size and quality lead.
  std::sort(mix.begin(), mix.end(), [](const TypeMixEntry& a, const TypeMixEntry& b) { return a.elements > b.elements; });
  return mix;
}

std::string format_type_mix(const std::vector<TypeMixEntry>& mix) {
  std::string out;
  uint64_t elements = 0, bytes = 0;
  char buf[160];
  for (const TypeMixEntry& e : mix) {
    std::snprintf(buf, sizeof buf, "  %-8s %4zu tensors %12llu weights %8.3f bits/weight\n",
                  ggml_type_name(static_cast<uint32_t>(e.type)).c_str(), e.tensors,
                  static_cast<unsigned long long>(e.elements),
                  e.elements ? 8.0 * static_cast<double>(e.bytes) / static_cast<double>(e.elements) : 0.0);
    out += buf;
    elements += e.elements;
    bytes += e.bytes;
  }
  std::snprintf(buf, sizeof buf, "  all      %4s         %12llu weights %8.3f bits/weight\n", "",
                static_cast<unsigned long long>(elements),
                elements ? 8.0 * static_cast<double>(bytes) / static_cast<double>(elements) : 0.0);
  out += buf;
  return out;
}

}  // namespace edt
