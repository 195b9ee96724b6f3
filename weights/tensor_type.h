#pragma once
// GGML tensor types as GGUF numbers them, with their block sizes (looked up in weights/quant/quant_types.cpp's
// table). Which types can be read is weights/quant/quant_types.h; which the engine computes with is the kernel
// table's (engine/kernels/kernel_table.h). Every type is known by name and size, so a file that uses one can be
// measured, listed and, when neither, refused by name instead of misread.
#include <cstdint>
#include <optional>
#include <string>

namespace edt {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
};

struct GgmlTypeTraits {
  const char* name;
  uint32_t block_elems;  // elements per block (1 for plain types)
  uint32_t block_bytes;  // bytes per block
};

// The traits of a GGUF type number, or nullopt when the number is not a GGML type at all.
std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t type);

const GgmlTypeTraits& ggml_traits(GgmlType type);  // for a known enum value
std::string ggml_type_name(uint32_t type);         // "Q6_K", or "type 77 (unknown)"

// Parses "f32", "f16", "bf16", "q8_0", "q4_0" (any case). nullopt for anything else.
std::optional<GgmlType> parse_output_type(const std::string& name);

// Bytes of one row of n elements; nullopt when n is not a whole number of blocks.
std::optional<uint64_t> ggml_row_bytes(GgmlType type, uint64_t n);

}  // namespace edt
