#pragma once
// The one table of GGML tensor types: per type its name, block size in elements and bytes, and — for the types
// we can read and write — the scalar reference row conversions. Adding a type is one file in weights/quant/ plus
// one row in quant_types.cpp; weights/tensor_type.cpp and everything above it look types up here.
#include <cstddef>
#include <cstdint>

#include "weights/tensor_type.h"

namespace edt {

using DequantizeRowFn = void (*)(const void* src, float* dst, size_t n);
using QuantizeRowFn = void (*)(const float* src, void* dst, size_t n);

struct QuantTypeInfo {
  uint32_t id;                     // GGUF type number
  const char* name;                // "Q4_K"
  uint32_t block_elems;            // elements per block (1 for plain types; 0 for a retired number)
  uint32_t block_bytes;            // bytes per block
  DequantizeRowFn dequantize_row;  // n elements (a multiple of block_elems) -> f32; nullptr: cannot read
  QuantizeRowFn quantize_row;      // f32 -> blocks; nullptr: cannot write
};

// The row for a GGUF type number, or nullptr when the number is not in the table.
const QuantTypeInfo* quant_type_info(uint32_t id);
inline const QuantTypeInfo* quant_type_info(GgmlType type) { return quant_type_info(static_cast<uint32_t>(type)); }

// True when we have a reference dequantizer for the type (the file's values can be read exactly).
bool ggml_type_readable(GgmlType type);

// Every row, for listing.
const QuantTypeInfo* quant_type_table(size_t* count);

}  // namespace edt

namespace edt {

// Any readable type -> float32, n elements of one row (n a multiple of the block size).
void dequantize_row(GgmlType type, const void* src, float* dst, size_t n);
// float32 -> any writable type; dst holds ggml_row_bytes(type, n) bytes.
void quantize_row(GgmlType type, const float* src, void* dst, size_t n);

}  // namespace edt
