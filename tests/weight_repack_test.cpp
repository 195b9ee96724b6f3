// Load-time repacking (engine/ops/weight_repack.h) at the suite's level (the test command runs the suite at every level
// the machine has): a model loads repacked exactly where its type has a repacked layout at that level, and its logits
// stay those of the stored layout.
//
// Stated tolerance: relative L2 ≤ 3e-2 of every position's logits against the stored layout's (prefill and decode), the
// bound of the demo model's int8-activation decode against its float64 reference (kquant_model_test), and greedy ids
// equal wherever the stored logits' top two are further apart than twice the largest difference. The repacked kernels
// compute the same exact integer block sums and add them per row in another float order (decode: about 1e-7 apart), but
// a rounding difference can move an activation across an int8 rounding boundary, and the code that then differs by one
// step carries through the layers and, through the KV cache, to every later position (measured up to 9e-3 on
// prose-15m). Prefill also changes form at AVX-512: the stored layout's prompt form sums in another order than its
// decode, the repacked one gives decode's bits. A wrong layout or kernel is far outside (a dropped −8 offset gives ~1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "convert/converter.h"
#include "engine/kernels/kernel_table.h"
#include "engine/model.h"
#include "engine/session.h"
#include "tests/test_util.h"

namespace edt {
namespace {

constexpr double kTolerance = 3e-2;
constexpr double kFloatTolerance = 1e-4;

struct Source {
  const char* name;
  std::string path;
  bool tied;  // output = token embeddings
};

std::vector<uint8_t> converted(const std::string& path, GgmlType type) {
  ConvertOptions opt;
  opt.out_type = type;
  return convert_checkpoint(path, opt).writer.write_to_memory();
}

// Every position's logits (n_tokens, vocab): prefill, then one token at a time.
std::pair<std::vector<float>, std::vector<float>> logits_of(const std::shared_ptr<Model>& model,
                                                            const std::vector<int32_t>& ids) {
  const size_t vocab = model->hparams().n_vocab;
  SessionOptions opt;
  opt.n_threads = 2;
  std::vector<float> prefill(ids.size() * vocab), decode(ids.size() * vocab);
  Session(model, opt).prefill_all_logits(ids, prefill.data());
  Session s(model, opt);
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::span<const float> out = s.decode(ids[i]);
    std::copy(out.begin(), out.end(), &decode[i * vocab]);
  }
  return {prefill, decode};
}

// stories260K: a tied embedding (repacked for the output product, read by get_row through the layout)
// and ffn rows that are not whole groups (kept as stored, in the same gate/up group as nothing else). prose-15m: every
// matrix repacks.
void expect_repack_keeps_logits(GgmlType type, double tolerance) {
  const std::vector<Source> sources = {{"stories260K", test::data_path("stories260K/stories260K.bin"), true},
                                       {"prose-15m", test::models_path("prose-15m"), false}};
  // 24 tokens: past the 16 that prefill takes through the decode kernels, so the prompt forms run too.
  const std::vector<int32_t> ids = {1,   15, 40, 77,  3,  250, 19, 8,  120, 60, 5, 31,
                                    200, 44, 9,  300, 17, 66,  2,  90, 410, 13, 7, 128};
  {
    for (const Source& src : sources) {
      const std::vector<uint8_t> bytes = converted(src.path, type);
      for (Isa isa : {process_isa()}) {  // the suite runs once per level the machine has
        const auto stored = Model::from_bytes(bytes, src.name, isa, false);
        const auto repacked = Model::from_bytes(bytes, src.name, isa, true);
        EXPECT_EQ(stored->repacked_matrices(), 0u)
            << src.name << " " << ggml_traits(type).name << " at " << isa_name(isa);
        const bool level_repacks = repacked_kernels(*type_kernels(type), isa) != nullptr;
        EXPECT_EQ(repacked->repacked_matrices() > 0, level_repacks)
            << src.name << " " << ggml_traits(type).name << " at " << isa_name(isa);
        const ModelWeights& w = repacked->weights();
        ASSERT_EQ(w.output.data == w.token_embd.data, src.tied) << src.name;
        if (level_repacks) {
          EXPECT_GT(w.layers[0].wq.row_group, 1u) << src.name;
          EXPECT_EQ(w.token_embd.row_group > 1, src.tied) << src.name << ": the embedding repacks only when tied";
        }
        const auto [want_prefill, want_decode] = logits_of(stored, ids);
        const auto [got_prefill, got_decode] = logits_of(repacked, ids);
        const size_t vocab = stored->hparams().n_vocab;
        double worst = 0;
        size_t greedy_checked = 0;
        for (const auto& [got, want] : {std::pair{&got_prefill, &want_prefill}, std::pair{&got_decode, &want_decode}}) {
          for (size_t i = 0; i < ids.size(); ++i) {
            const float* g = &(*got)[i * vocab];
            const float* r = &(*want)[i * vocab];
            worst = std::max(worst, test::rel_l2(g, r, vocab));
            if (test::top_two_margin(r, vocab) > 2 * test::max_abs_diff(g, r, vocab)) {
              EXPECT_EQ(test::argmax(g, vocab), test::argmax(r, vocab)) << src.name << " position " << i;
              ++greedy_checked;
            }
          }
        }
        EXPECT_LE(worst, tolerance) << src.name << " " << ggml_traits(type).name << " at " << isa_name(isa);
        std::printf(
            "[ repack ] %-12s %-5s %-6s %zu matrices repacked; worst rel L2 "
            "against as stored %.2e, greedy ids checked at %zu of %zu\n",
            src.name, ggml_traits(type).name, isa_name(isa), repacked->repacked_matrices(), worst, greedy_checked,
            2 * ids.size());
      }
    }
  }
}

TEST(WeightRepack, RepacksWhereTheLevelHasALayoutAndKeepsTheLogits) {
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q8_0}) expect_repack_keeps_logits(type, kTolerance);
}

// The float types' layouts (F32x16, F16x16, BF16x16) multiply the f32 activations themselves: no int8 rounding to
// amplify a different order of the f32 sums, so the bound is the f32 references' (1e-4; measured ~1e-6).
TEST(WeightRepack, FloatLayoutsKeepTheLogitsToFloatRounding) {
  for (GgmlType type : {GgmlType::F32, GgmlType::F16, GgmlType::BF16}) expect_repack_keeps_logits(type, kFloatTolerance);
}

}  // namespace
}  // namespace edt
