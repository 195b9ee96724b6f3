#include "weights/quant/quant_types.h"

#include <array>
#include <cassert>
#include <cstring>

#include "weights/half.h"
#include "weights/quant/iq4_nl.h"
#include "weights/quant/iq4_xs.h"
#include "weights/quant/q2_k.h"
#include "weights/quant/q3_k.h"
#include "weights/quant/q4_0.h"
#include "weights/quant/q4_1.h"
#include "weights/quant/q4_k.h"
#include "weights/quant/q5_0.h"
#include "weights/quant/q5_1.h"
#include "weights/quant/q5_k.h"
#include "weights/quant/q6_k.h"
#include "weights/quant/q8_0.h"
#include "weights/quant/q8_k.h"

namespace edt {
namespace {

void dequantize_f32(const void* src, float* dst, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void quantize_f32(const float* src, void* dst, size_t n) { std::memcpy(dst, src, n * sizeof(float)); }
void dequantize_f16(const void* src, float* dst, size_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
}
void quantize_f16(const float* src, void* dst, size_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (size_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
}
void dequantize_bf16(const void* src, float* dst, size_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
}
void quantize_bf16(const float* src, void* dst, size_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (size_t i = 0; i < n; ++i) h[i] = f32_to_bf16(src[i]);
}

// Adapts a typed block function to the table's untyped signature.
template <typename Block, void (*Fn)(const Block*, float*, size_t)>
void dequantize_as(const void* src, float* dst, size_t n) {
  Fn(static_cast<const Block*>(src), dst, n);
}
template <typename Block, void (*Fn)(const float*, Block*, size_t)>
void quantize_as(const float* src, void* dst, size_t n) {
  Fn(src, static_cast<Block*>(dst), n);
}

#define EDT_BLOCK_CODEC(Block, suffix) \
  &dequantize_as<Block, dequantize_row_##suffix>, &quantize_as<Block, quantize_row_##suffix>

// Block sizes from the GGUF specification; a type with nullptr conversions is known by name and size only, so a
// file that uses it can be listed and then refused by name instead of misread.
constexpr std::array<QuantTypeInfo, 33> kTable = {{
    {0, "F32", 1, 4, &dequantize_f32, &quantize_f32},
    {1, "F16", 1, 2, &dequantize_f16, &quantize_f16},
    {2, "Q4_0", 32, 18, EDT_BLOCK_CODEC(BlockQ4_0, q4_0)},
    {3, "Q4_1", 32, 20, EDT_BLOCK_CODEC(BlockQ4_1, q4_1)},
    {6, "Q5_0", 32, 22, EDT_BLOCK_CODEC(BlockQ5_0, q5_0)},
    {7, "Q5_1", 32, 24, EDT_BLOCK_CODEC(BlockQ5_1, q5_1)},
    {8, "Q8_0", 32, 34, EDT_BLOCK_CODEC(BlockQ8_0, q8_0)},
    {9, "Q8_1", 32, 36, nullptr, nullptr},
    {10, "Q2_K", 256, 84, EDT_BLOCK_CODEC(BlockQ2_K, q2_k)},
    {11, "Q3_K", 256, 110, EDT_BLOCK_CODEC(BlockQ3_K, q3_k)},
    {12, "Q4_K", 256, 144, EDT_BLOCK_CODEC(BlockQ4_K, q4_k)},
    {13, "Q5_K", 256, 176, EDT_BLOCK_CODEC(BlockQ5_K, q5_k)},
    {14, "Q6_K", 256, 210, EDT_BLOCK_CODEC(BlockQ6_K, q6_k)},
    {15, "Q8_K", 256, 292, EDT_BLOCK_CODEC(BlockQ8_K, q8_k)},
    {16, "IQ2_XXS", 256, 66, nullptr, nullptr},
    {17, "IQ2_XS", 256, 74, nullptr, nullptr},
    {18, "IQ3_XXS", 256, 98, nullptr, nullptr},
    {19, "IQ1_S", 256, 50, nullptr, nullptr},
    {20, "IQ4_NL", 32, 18, EDT_BLOCK_CODEC(BlockIQ4_NL, iq4_nl)},
    {21, "IQ3_S", 256, 110, nullptr, nullptr},
    {22, "IQ2_S", 256, 82, nullptr, nullptr},
    {23, "IQ4_XS", 256, 136, EDT_BLOCK_CODEC(BlockIQ4_XS, iq4_xs)},
    {24, "I8", 1, 1, nullptr, nullptr},
    {25, "I16", 1, 2, nullptr, nullptr},
    {26, "I32", 1, 4, nullptr, nullptr},
    {27, "I64", 1, 8, nullptr, nullptr},
    {28, "F64", 1, 8, nullptr, nullptr},
    {29, "IQ1_M", 256, 56, nullptr, nullptr},
    {30, "BF16", 1, 2, &dequantize_bf16, &quantize_bf16},
    {34, "TQ1_0", 256, 54, nullptr, nullptr},
    {35, "TQ2_0", 256, 66, nullptr, nullptr},
    {39, "MXFP4", 32, 17, nullptr, nullptr},
    {31, "Q4_0_4_4 (removed)", 0, 0, nullptr, nullptr},
}};

#undef EDT_BLOCK_CODEC

}  // namespace

const QuantTypeInfo* quant_type_info(uint32_t id) {
  for (const QuantTypeInfo& t : kTable)
    if (t.id == id) return &t;
  return nullptr;
}

bool ggml_type_readable(GgmlType type) {
  const QuantTypeInfo* t = quant_type_info(type);
  return t != nullptr && t->dequantize_row != nullptr;
}

const QuantTypeInfo* quant_type_table(size_t* count) {
  *count = kTable.size();
  return kTable.data();
}

}  // namespace edt

namespace edt {

void dequantize_row(GgmlType type, const void* src, float* dst, size_t n) {
  const QuantTypeInfo* t = quant_type_info(type);
  assert(t != nullptr && t->dequantize_row != nullptr && "dequantize_row: type not readable");
  t->dequantize_row(src, dst, n);
}

void quantize_row(GgmlType type, const float* src, void* dst, size_t n) {
  const QuantTypeInfo* t = quant_type_info(type);
  assert(t != nullptr && t->quantize_row != nullptr && "quantize_row: type not writable");
  t->quantize_row(src, dst, n);
}

}  // namespace edt
