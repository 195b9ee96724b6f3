// The opt-in bf16 prompt (Model::load's bf16_prompts, the tools' --bf16-prompts) at the suite's level: it binds
// exactly where an F16x16 or BF16x16 matrix's layout has a bf16 form on this CPU, changes nothing but the long
// prompt chunks, and keeps their logits near the exact ones.
//
// Stated tolerance: relative L2 ≤ 2e-2 of every prefill position's logits against the exact prefill, and greedy ids
// equal wherever the exact logits' top two are further apart than twice the largest difference. Each product is
// within 2^-7 of its exact value (kernel_table_test's KernelTableBf16Prompt); over the model those errors are
// unbiased and mostly cancel (measured on prose-15m: 6.2e-3 to 6.4e-3 with AMX-BF16, 4.3e-3 to 4.7e-3 with
// AVX512_BF16). Decode and short chunks run the exact kernels, so their logits are the exact model's bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "convert/converter.h"
#include "engine/kernels/kernel_table.h"
#include "engine/model.h"
#include "engine/session.h"
#include "tests/test_util.h"

namespace edt {
namespace {

constexpr double kTolerance = 2e-2;

std::vector<uint8_t> converted(const std::string& path, GgmlType type) {
  ConvertOptions opt;
  opt.out_type = type;
  return convert_checkpoint(path, opt).writer.write_to_memory();
}

TEST(Bf16Prompts, BindWhereTheCpuHasTheFormAndKeepPrefillNearExact) {
  // 40 tokens: past the 16 a chunk takes through the decode kernels, so the prompt form runs.
  std::vector<int32_t> ids;
  for (int32_t i = 0; i < 40; ++i) ids.push_back(1 + (i * 37) % 500);
  const Isa isa = process_isa();  // the suite runs once per level the machine has
  for (GgmlType type : {GgmlType::F16, GgmlType::BF16, GgmlType::F32}) {
    const std::vector<uint8_t> bytes = converted(test::models_path("prose-15m"), type);
    const auto exact = Model::from_bytes(bytes, "prose-15m", isa, true, false);
    const auto bf16 = Model::from_bytes(bytes, "prose-15m", isa, true, true);
    const TypeKernels* layout = repacked_kernels(*type_kernels(type), isa);
    const bool has_form = layout != nullptr && bf16_prompt_kernel(*layout, isa) != nullptr;
    const char* name = ggml_traits(type).name;
    EXPECT_EQ(exact->bf16_prompt_matrices(), 0u) << name;
    // prose-15m: 7 matrices a layer and an untied output, every one repacked.
    EXPECT_EQ(bf16->bf16_prompt_matrices(), has_form ? 7 * exact->hparams().n_layer + 1 : 0u) << name << " at " << isa_name(isa);
    if (!has_form) continue;
    const size_t vocab = exact->hparams().n_vocab;
    SessionOptions opt;
    opt.n_threads = 2;
    std::vector<float> want(ids.size() * vocab), got(ids.size() * vocab);
    Session(exact, opt).prefill_all_logits(ids, want.data());
    Session(bf16, opt).prefill_all_logits(ids, got.data());
    double worst = 0;
    size_t greedy_checked = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      const float* g = &got[i * vocab];
      const float* r = &want[i * vocab];
      worst = std::max(worst, test::rel_l2(g, r, vocab));
      if (test::top_two_margin(r, vocab) > 2 * test::max_abs_diff(g, r, vocab)) {
        EXPECT_EQ(test::argmax(g, vocab), test::argmax(r, vocab)) << name << " position " << i;
        ++greedy_checked;
      }
    }
    EXPECT_LE(worst, kTolerance) << name << " at " << isa_name(isa);
    // Not exact either: a bound this loose must not hide a form that quietly runs the f32 kernels.
    EXPECT_GT(worst, 1e-6) << name << " at " << isa_name(isa) << ": the bf16 form gave the exact logits";
    std::printf("[ bf16 prompts ] %-5s %-6s %zu matrices; worst rel L2 against exact prefill %.2e, greedy ids checked "
                "at %zu of %zu\n",
                name, isa_name(isa), bf16->bf16_prompt_matrices(), worst, greedy_checked, ids.size());
    // Decode is the exact kernels': bit for bit.
    Session a(exact, opt), b(bf16, opt);
    for (size_t i = 0; i < 4; ++i) {
      const std::span<const float> x = a.decode(ids[i]), y = b.decode(ids[i]);
      ASSERT_TRUE(std::equal(x.begin(), x.end(), y.begin())) << name << " decode position " << i;
    }
  }
}

}  // namespace
}  // namespace edt
