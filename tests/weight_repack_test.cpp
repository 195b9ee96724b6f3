// Load-time repacking (engine/ops/weight_repack.h) at every level the machine has: a model loads repacked exactly
// where its type has a repacked layout at that level, and its logits stay those of the stored layout.
//
// Stated tolerances (relative L2 of a position's logits against the stored layout's, prefill and decode). The
// repacked kernels compute the same exact integer block sums and add them per row in another float order, so:
//  - at most positions, float rounding carried through the layers: ≤ 1e-6 at the median position (measured about
//    1e-7);
//  - at any position, ≤ 1e-2: a rounding difference can move an activation across an int8 rounding boundary, and
//    that code then differs by one step (measured 3e-3 at one position of prose-15m, every other one 1e-7).
// A wrong layout or kernel is far outside both (a dropped −8 offset gives ~1).
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

constexpr double kMedianTolerance = 1e-6;
constexpr double kWorstTolerance = 1e-2;

struct Source {
  const char* name;
  std::string path;
  bool tied;  // output = token embeddings
};

std::vector<uint8_t> converted_q4_0(const std::string& path) {
  ConvertOptions opt;
  opt.out_type = GgmlType::Q4_0;
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

// stories260K: a tied Q4_0 embedding (repacked for the output product, read by get_row through the layout) and
// ffn rows that are not whole groups (kept as stored, in the same gate/up group as nothing else). prose-15m: every
// matrix repacks.
TEST(WeightRepack, RepacksWhereTheLevelHasALayoutAndKeepsTheLogits) {
  const std::vector<Source> sources = {{"stories260K", test::data_path("stories260K/stories260K.bin"), true},
                                       {"prose-15m", test::models_path("prose-15m"), false}};
  // 24 tokens: past the 16 that prefill takes through the decode kernels, so the prompt forms run too.
  const std::vector<int32_t> ids = {1, 15, 40, 77, 3, 250, 19, 8, 120, 60, 5, 31, 200, 44, 9, 300, 17, 66, 2, 90, 410, 13, 7, 128};
  for (const Source& src : sources) {
    const std::vector<uint8_t> bytes = converted_q4_0(src.path);
    for (Isa isa : test::isa_levels()) {
      const auto stored = Model::from_bytes(bytes, src.name, isa, false);
      const auto repacked = Model::from_bytes(bytes, src.name, isa, true);
      EXPECT_EQ(stored->repacked_matrices(), 0u) << src.name << " at " << isa_name(isa);
      const bool level_repacks = repacked_kernels(*type_kernels(GgmlType::Q4_0), isa) != nullptr;
      EXPECT_EQ(repacked->repacked_matrices() > 0, level_repacks) << src.name << " at " << isa_name(isa);
      const ModelWeights& w = repacked->weights();
      ASSERT_EQ(w.output.data == w.token_embd.data, src.tied) << src.name;
      if (level_repacks) {
        EXPECT_GT(w.layers[0].wq.row_group, 1u) << src.name;
        EXPECT_EQ(w.token_embd.row_group > 1, src.tied) << src.name << ": the embedding repacks only when tied";
      }
      const auto [want_prefill, want_decode] = logits_of(stored, ids);
      const auto [got_prefill, got_decode] = logits_of(repacked, ids);
      const size_t vocab = stored->hparams().n_vocab;
      std::vector<double> errors;  // (2 · n_tokens) prefill's and decode's, every position
      for (size_t i = 0; i < ids.size(); ++i) {
        errors.push_back(test::rel_l2(&got_prefill[i * vocab], &want_prefill[i * vocab], vocab));
        errors.push_back(test::rel_l2(&got_decode[i * vocab], &want_decode[i * vocab], vocab));
      }
      std::sort(errors.begin(), errors.end());
      const double median = errors[errors.size() / 2], worst = errors.back();
      EXPECT_LE(median, kMedianTolerance) << src.name << " at " << isa_name(isa);
      EXPECT_LE(worst, kWorstTolerance) << src.name << " at " << isa_name(isa);
      std::printf("[ repack ] %-12s %-6s %zu matrices repacked; rel L2 against as stored: median %.2e, worst %.2e\n",
                  src.name, isa_name(isa), repacked->repacked_matrices(), median, worst);
    }
  }
}

}  // namespace
}  // namespace edt
