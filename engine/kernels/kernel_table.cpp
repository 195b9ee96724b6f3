#include "engine/kernels/kernel_table.h"

#include <string>

namespace edt {
namespace kernels {
// One row per computable type, each defined in its own file engine/kernels/<type>.cpp.
extern const TypeKernels kF32Kernels, kF16Kernels, kBf16Kernels, kQ8_0Kernels, kQ4_0Kernels, kQ4_1Kernels,
    kQ5_0Kernels, kQ5_1Kernels, kIQ4_NLKernels, kQ2_KKernels, kQ3_KKernels, kQ4_KKernels, kQ5_KKernels, kQ6_KKernels,
    kIQ4_XSKernels, kQ4_0x16Kernels, kQ8_0x16Kernels, kF32x16Kernels, kF16x16Kernels, kBf16x16Kernels;
}  // namespace kernels

namespace {

const TypeKernels* const kTable[] = {
    &kernels::kF32Kernels,  &kernels::kF16Kernels,  &kernels::kBf16Kernels, &kernels::kQ8_0Kernels,
    &kernels::kQ4_0Kernels, &kernels::kQ4_1Kernels, &kernels::kQ5_0Kernels, &kernels::kQ5_1Kernels,
    &kernels::kIQ4_NLKernels, &kernels::kQ2_KKernels, &kernels::kQ3_KKernels, &kernels::kQ4_KKernels,
    &kernels::kQ5_KKernels, &kernels::kQ6_KKernels, &kernels::kIQ4_XSKernels,
    // Repacked layouts, reached from their stored type's row.
    &kernels::kQ4_0x16Kernels, &kernels::kQ8_0x16Kernels, &kernels::kF32x16Kernels, &kernels::kF16x16Kernels,
    &kernels::kBf16x16Kernels,
};

template <class Fn>
Fn at_or_below(const std::array<Fn, kIsaCount>& entries, Isa isa) {
  for (size_t i = static_cast<size_t>(isa) + 1; i-- > 0;)
    if (entries[i]) return entries[i];
  return nullptr;  // for decode[] and dequantize[] unreachable: every stored type's row has its Scalar entries
}

}  // namespace

const TypeKernels* type_kernels(GgmlType type) {
  for (const TypeKernels* k : kTable)
    if (k->type == type && k->row_group == 1) return k;
  return nullptr;
}

const char* kernels_name(const TypeKernels& k) { return k.layout ? k.layout : ggml_traits(k.type).name; }

const TypeKernels* const* kernel_table(size_t* count) {
  *count = std::size(kTable);
  return kTable;
}

std::string computable_type_names() {
  std::string names;
  for (const TypeKernels* k : kTable)
    if (k->row_group == 1) names += (names.empty() ? "" : ", ") + std::string(ggml_traits(k->type).name);
  return names;
}

DecodeRowsKernel decode_kernel(const TypeKernels& k, Isa isa) { return at_or_below(k.decode, isa); }
DequantizeRowKernel dequantize_kernel(const TypeKernels& k, Isa isa) { return at_or_below(k.dequantize, isa); }

DecodeTokensKernel decode_tokens_kernel(const TypeKernels& k, Isa isa) {
  for (size_t i = static_cast<size_t>(isa) + 1; i-- > 0;)
    if (k.decode[i]) return k.decode_tokens[i];
  return nullptr;
}

DecodeTokensKernel prompt_kernel(const TypeKernels& k, Isa isa) {
  // A level above decode's may add a prompt form of its own (AMX's tiles over AVX-512's decode); none below it.
  for (size_t i = static_cast<size_t>(isa) + 1; i-- > 0;) {
    if (k.prompt[i]) return k.prompt[i];
    if (k.decode[i]) return nullptr;
  }
  return nullptr;
}

DecodeTokensKernel bf16_prompt_kernel(const TypeKernels& k, Isa isa) {
  const CpuFeatures& f = cpu_features();
  for (size_t i = static_cast<size_t>(isa) + 1; i-- > 0;) {
    const auto level = static_cast<Isa>(i);
    const bool feature = level == Isa::Amx ? f.amx_bf16 : level == Isa::Avx512 ? f.avx512_bf16 : true;
    if (k.prompt_bf16[i] && feature) return k.prompt_bf16[i];
  }
  return nullptr;
}

const TypeKernels* repacked_kernels(const TypeKernels& k, Isa isa) { return at_or_below(k.repacked, isa); }

}  // namespace edt
