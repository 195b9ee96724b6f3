#include "weights/tensor_type.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "weights/quant/quant_types.h"

namespace edt {

std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t type) {
  const QuantTypeInfo* t = quant_type_info(type);
  if (t == nullptr || t->block_elems == 0) return std::nullopt;
  return GgmlTypeTraits{t->name, t->block_elems, t->block_bytes};
}

const GgmlTypeTraits& ggml_traits(GgmlType type) {
  // One GgmlTypeTraits per table row, built once, so callers can keep the reference.
  static const auto traits = [] {
    size_t count = 0;
    const QuantTypeInfo* table = quant_type_table(&count);
    std::vector<std::pair<uint32_t, GgmlTypeTraits>> out;
    for (size_t i = 0; i < count; ++i) out.push_back({table[i].id, {table[i].name, table[i].block_elems, table[i].block_bytes}});
    return out;
  }();
  for (const auto& [id, t] : traits)
    if (id == static_cast<uint32_t>(type)) return t;
  return traits[0].second;  // unreachable for enum values
}

std::string ggml_type_name(uint32_t type) {
  if (const QuantTypeInfo* t = quant_type_info(type)) return t->name;
  return "type " + std::to_string(type) + " (unknown)";
}

std::optional<GgmlType> parse_output_type(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "f32") return GgmlType::F32;
  if (lower == "f16") return GgmlType::F16;
  if (lower == "bf16") return GgmlType::BF16;
  if (lower == "q8_0") return GgmlType::Q8_0;
  if (lower == "q4_0") return GgmlType::Q4_0;
  return std::nullopt;
}

std::optional<uint64_t> ggml_row_bytes(GgmlType type, uint64_t n) {
  const GgmlTypeTraits& t = ggml_traits(type);
  if (n % t.block_elems != 0) return std::nullopt;
  return n / t.block_elems * t.block_bytes;
}

}  // namespace edt
