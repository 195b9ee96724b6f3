#include "weights/tensor_type.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace edt {
namespace {

struct Entry {
  uint32_t id;
  GgmlTypeTraits traits;
};

// Block sizes from the GGUF specification / ggml's type table.
constexpr std::array<Entry, 33> kTypes = {{
    {0, {"F32", 1, 4}},         {1, {"F16", 1, 2}},        {2, {"Q4_0", 32, 18}},    {3, {"Q4_1", 32, 20}},
    {6, {"Q5_0", 32, 22}},      {7, {"Q5_1", 32, 24}},     {8, {"Q8_0", 32, 34}},    {9, {"Q8_1", 32, 36}},
    {10, {"Q2_K", 256, 84}},    {11, {"Q3_K", 256, 110}},  {12, {"Q4_K", 256, 144}}, {13, {"Q5_K", 256, 176}},
    {14, {"Q6_K", 256, 210}},   {15, {"Q8_K", 256, 292}},  {16, {"IQ2_XXS", 256, 66}}, {17, {"IQ2_XS", 256, 74}},
    {18, {"IQ3_XXS", 256, 98}}, {19, {"IQ1_S", 256, 50}},  {20, {"IQ4_NL", 32, 18}}, {21, {"IQ3_S", 256, 110}},
    {22, {"IQ2_S", 256, 82}},   {23, {"IQ4_XS", 256, 136}}, {24, {"I8", 1, 1}},       {25, {"I16", 1, 2}},
    {26, {"I32", 1, 4}},        {27, {"I64", 1, 8}},       {28, {"F64", 1, 8}},      {29, {"IQ1_M", 256, 56}},
    {30, {"BF16", 1, 2}},       {34, {"TQ1_0", 256, 54}},  {35, {"TQ2_0", 256, 66}}, {39, {"MXFP4", 32, 17}},
    {31, {"Q4_0_4_4 (removed)", 0, 0}},
}};

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t type) {
  for (const Entry& e : kTypes)
    if (e.id == type && e.traits.block_elems != 0) return e.traits;
  return std::nullopt;
}

const GgmlTypeTraits& ggml_traits(GgmlType type) {
  for (const Entry& e : kTypes)
    if (e.id == static_cast<uint32_t>(type)) return e.traits;
  return kTypes[0].traits;  // unreachable for enum values
}

std::string ggml_type_name(uint32_t type) {
  for (const Entry& e : kTypes)
    if (e.id == type) return e.traits.name;
  return "type " + std::to_string(type) + " (unknown)";
}

bool ggml_type_supported(GgmlType type) {
  return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16 || type == GgmlType::Q8_0 ||
         type == GgmlType::Q4_0;
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
