#pragma once
// The kernel table: one row per weight type the engine computes with, each defined in that type's own file
// (engine/kernels/<type>.cpp, with its SIMD bodies in <type>_avx2.cpp / <type>_avx512.cpp). A row says which
// activation format the type's decode kernels multiply with, its decode kernel per ISA level, and its row
// dequantizer per level (the prefill path dequantizes 128-row blocks to f32 for sgemm, and get-rows for token
// embeddings dequantizes one row). A level without its own entry uses the next level below; the Scalar entries
// always exist and are the references. Adding a type = one file defining its row + one line in kernel_table.cpp.
// docs/kernels.md lists every row with its activation format and tolerance.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cpu/isa.h"
#include "engine/kernels/activations.h"
#include "weights/tensor_type.h"

namespace edt {

inline constexpr size_t kIsaCount = std::size(kAllIsas);

// y[r] = (row r of w) · x for r in [0, rows): rows of n elements in the weight's storage type, row_bytes apart,
// against x in the row's activation format.
using DecodeRowsKernel = void (*)(const uint8_t* w, size_t row_bytes, const Activations& x, float* y, size_t rows,
                                  size_t n);
// Several tokens' products at once: for t < tokens, y[t * y_stride + r] = (row r of w) · x[t], every value bit for
// bit what DecodeRowsKernel gives for that token alone, while each weight block is unpacked once for all tokens
// (what makes a server's batched decode step, and prefill, cheaper than a pass per token).
using DecodeTokensKernel = void (*)(const uint8_t* w, size_t row_bytes, const Activations* x, size_t tokens, float* y,
                                    size_t y_stride, size_t rows, size_t n);
// Tokens a DecodeTokensKernel takes per call.
inline constexpr size_t kMaxTileTokens = 4;
// One row of n elements -> float32, bit-identical to weights/quant's reference at every level.
using DequantizeRowKernel = void (*)(const void* src, float* dst, size_t n);
// A repacked layout (rows regrouped at load for its kernels): one group of TypeKernels::row_group stored rows of n
// elements (row_bytes apart, so the group spans row_group · row_bytes bytes) rearranged in place.
using RepackGroupFn = void (*)(uint8_t* group, size_t row_bytes, size_t n);
// Row `lane` of the repacked group at `group` -> float32, bit-identical to the stored type's reference.
using DequantizeLaneKernel = void (*)(const uint8_t* group, size_t row_bytes, size_t lane, float* dst, size_t n);

struct TypeKernels {
  GgmlType type;
  ActFormat activations;                           // what decode[] multiplies with
  std::array<DecodeRowsKernel, kIsaCount> decode;  // by Isa; nullptr: the level below's
  std::array<DequantizeRowKernel, kIsaCount> dequantize;  // by Isa; nullptr: the level below's
  // The stated tolerance of decode[] against the exact product of the dequantized row with the f32 x, in units of
  // Σ|w·x| (float rounding) — plus, for the int8 formats, the activations' rounding bound (see
  // activation_rounding_bound in the test and docs/kernels.md).
  double float_tolerance;
  // By Isa, for the levels whose decode[] has a multi-token form; nullptr: decode[] once per token. Only the entry
  // of the level decode[] is taken from counts (another level's would not give decode[]'s bits).
  std::array<DecodeTokensKernel, kIsaCount> decode_tokens{};
  // By Isa, the prompt form: the rows of a long prompt chunk (many tokens against each weight block, so the
  // weights may be rearranged per pass). Exact integer products like decode, float sums in another order: close
  // to decode's values, or decode_tokens itself where that is what runs prompts fastest (it is tested against
  // decode either way). nullptr: prompts dequantize to f32 for sgemm, which measured faster there (Q8_0 at AVX2).
  // A level above decode's may have one (Amx: tile products over Avx512's decode).
  std::array<DecodeTokensKernel, kIsaCount> prompt{};
  // By Isa, the layout a model's matrices of this type are repacked into at load (nullptr: the level below's; none
  // at any level: used as stored). Only where the repacked kernels measured faster (docs/kernels.md).
  std::array<const TypeKernels*, kIsaCount> repacked{};

  // Set in a repacked layout's own row (whose `type` is the stored type it is made from): rows per group (a
  // matrix's rows are a multiple of it, and every kernel call starts at a group), the conversion, the one-row
  // dequantizer (dequantize[] stays empty: a row is not contiguous) and the layout's name.
  size_t row_group = 1;
  RepackGroupFn repack = nullptr;
  DequantizeLaneKernel dequantize_lane = nullptr;
  const char* layout = nullptr;

  // By Isa, the prompt form in bfloat16, the opt-in reduced-precision prompt (--bf16-prompts): weights and
  // activations rounded to bf16 (to nearest even), their products exact and summed in f32 (AVX-512 BF16's
  // vdpbf16ps; AMX-BF16 tiles at Amx). Not the default: it leaves the forward passes' 1e-4 references for
  // |y − Σ w·x| ≤ (2^-7 + float_tolerance)·Σ|w·x| (docs/kernels.md). An entry runs only where the CPU has its
  // form's feature, which the level alone does not imply (bf16_prompt_kernel checks).
  std::array<DecodeTokensKernel, kIsaCount> prompt_bf16{};
};

// The row of a stored type (never a repacked layout's), or nullptr when the engine cannot compute with it.
const TypeKernels* type_kernels(GgmlType type);
// The layout's name for a repacked row ("Q4_0x16"), else the type's ("Q4_0").
const char* kernels_name(const TypeKernels& k);
// Every row, for listing and for the parametrized test.
const TypeKernels* const* kernel_table(size_t* count);
// "F32, F16, ..., IQ4_XS": the computable types, for error messages and help texts.
std::string computable_type_names();

// The entry for isa (the highest level <= isa that has one).
DecodeRowsKernel decode_kernel(const TypeKernels& k, Isa isa);
DequantizeRowKernel dequantize_kernel(const TypeKernels& k, Isa isa);
// The multi-token form of decode_kernel(k, isa), or nullptr when that level has none.
DecodeTokensKernel decode_tokens_kernel(const TypeKernels& k, Isa isa);
// The prompt form of the highest level <= isa that has one, if that level is not below the one
// decode_kernel(k, isa) comes from; else nullptr.
DecodeTokensKernel prompt_kernel(const TypeKernels& k, Isa isa);
// The bf16 prompt form of the highest level <= isa that has one whose CPU feature is present (AVX512_BF16 for
// Avx512's, AMX-BF16 for Amx's), or nullptr.
DecodeTokensKernel bf16_prompt_kernel(const TypeKernels& k, Isa isa);
// Products of bf16-rounded operands: the stated bound's first term, in units of Σ|w·x| (two roundings of 2^-8).
inline constexpr double kBf16ProductTolerance = 1.0 / 128 + 1.0 / 65536;
// The row of the layout matrices of k's type are repacked into at isa, or nullptr.
const TypeKernels* repacked_kernels(const TypeKernels& k, Isa isa);

}  // namespace edt
