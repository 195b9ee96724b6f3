// Session::step: several sequences in one pass over the weights give each sequence the logits it gets alone.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/request_error.h"
#include "engine/session.h"
#include "test_util.h"
#include "weights/error.h"

namespace edt {
namespace {

std::vector<int32_t> ids_of(size_t n, uint32_t seed, size_t vocab) {
  std::vector<int32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<int32_t>((i * 7919 + seed * 104729) % vocab);
  return v;
}

// Three sequences of awkward lengths: prefilled together in one step, then decoded together; each equals a
// one-sequence session fed the same tokens (GQA model, so grouped heads must stay inside their sequence).
TEST(SessionBatch, StepOverSequencesEqualsEachAlone) {
  const auto model = test::convert_and_load(test::data_path("random/llama3-gqa-tied"));
  const size_t vocab = model->hparams().n_vocab;
  SessionOptions so;
  so.n_ctx = 64;
  so.n_seq = 3;
  so.max_batch = 32;
  Session batch(model, so);
  const std::vector<std::vector<int32_t>> prompts = {ids_of(5, 1, vocab), ids_of(11, 2, vocab), ids_of(1, 3, vocab)};
  std::vector<std::vector<int32_t>> next = {ids_of(4, 4, vocab), ids_of(4, 5, vocab), ids_of(4, 6, vocab)};

  std::vector<std::vector<float>> want(3);  // (seq) logits after each of its tokens: prompt's last, then decodes
  for (size_t s = 0; s < 3; ++s) {
    SessionOptions one = so;
    one.n_seq = 1;
    Session alone(model, one);
    auto l = alone.prefill(prompts[s]);
    want[s].insert(want[s].end(), l.begin(), l.end());
    for (int32_t t : next[s]) {
      l = alone.decode(t);
      want[s].insert(want[s].end(), l.begin(), l.end());
    }
  }

  std::vector<float> out(3 * vocab);  // (3, vocab)
  std::vector<SequenceChunk> chunks;
  for (uint32_t s = 0; s < 3; ++s) chunks.push_back({s, prompts[s], true});
  batch.step(chunks, out.data());
  for (size_t s = 0; s < 3; ++s)
    EXPECT_LT(test::rel_l2(&out[s * vocab], &want[s][0], vocab), 1e-4) << "prefill of sequence " << s;
  // Decode steps; sequence 1 sits out one step (a slot without work) and catches up after the others finish, so
  // the rows of a step are not always the same sequences in the same places.
  const std::vector<std::vector<uint32_t>> plan = {{0, 1, 2}, {0, 1, 2}, {0, 2}, {2, 1, 0}, {1}};
  size_t fed[3] = {0, 0, 0};
  for (const auto& seqs : plan) {
    chunks.clear();
    for (uint32_t s : seqs) chunks.push_back({s, std::span<const int32_t>(&next[s][fed[s]], 1), true});
    batch.step(chunks, out.data());
    for (size_t i = 0; i < seqs.size(); ++i) {
      const uint32_t s = seqs[i];
      ++fed[s];
      EXPECT_LT(test::rel_l2(&out[i * vocab], &want[s][fed[s] * vocab], vocab), 1e-4)
          << "decode " << fed[s] << " of sequence " << s;
    }
  }
  EXPECT_EQ(batch.pos(0), 9u);
  EXPECT_EQ(batch.pos(1), 15u);
  EXPECT_EQ(batch.pos(2), 5u);
}

// A server's guarantee: a sequence's logits in a step do not depend on the other sequences in it. Decode rows and
// short chunks go through the one-token kernels and long chunks through GEMM by their own length, so each sequence
// gets bit for bit what it gets in steps of its own, also beside a prefill chunk; checked on the demo model as
// stored (bf16) and in Q8_0 (integer kernels over quantized activations).
class SessionBatchBits : public ::testing::TestWithParam<int> {};

TEST_P(SessionBatchBits, DecodeRowsAreBitIdenticalToAlone) {
  const auto model = GetParam() == 0 ? test::convert_and_load(test::models_path("prose-15m"))
                                     : test::convert_and_load(test::models_path("prose-15m"), GgmlType::Q8_0);
  const size_t vocab = model->hparams().n_vocab;
  SessionOptions so;
  so.n_ctx = 64;
  so.n_threads = 2;
  const std::vector<std::vector<int32_t>> prompts = {ids_of(6, 1, vocab), ids_of(9, 2, vocab), ids_of(3, 3, vocab)};
  const int32_t next[3] = {11, 22, 33};
  const std::vector<int32_t> other = ids_of(20, 9, vocab);  // a fourth sequence's prompt, prefilled beside them

  std::vector<std::vector<float>> want(3);
  std::vector<float> one(vocab);
  for (uint32_t s = 0; s < 3; ++s) {  // alone: the same chunks, one sequence per step
    Session alone(model, so);
    SequenceChunk c{0, prompts[s], false};
    alone.step(std::span<const SequenceChunk>(&c, 1), nullptr);
    c = {0, std::span<const int32_t>(&next[s], 1), true};
    alone.step(std::span<const SequenceChunk>(&c, 1), one.data());
    want[s] = one;
  }
  so.n_seq = 4;
  Session batch(model, so);
  for (uint32_t s = 0; s < 3; ++s) {
    const SequenceChunk c{s, prompts[s], false};
    batch.step(std::span<const SequenceChunk>(&c, 1), nullptr);
  }
  std::vector<SequenceChunk> chunks;
  for (uint32_t s = 0; s < 3; ++s) chunks.push_back({s, std::span<const int32_t>(&next[s], 1), true});
  chunks.push_back({3, other, true});
  std::vector<float> out(4 * vocab);
  batch.step(chunks, out.data());
  for (size_t s = 0; s < 3; ++s)
    EXPECT_EQ(std::memcmp(&out[s * vocab], want[s].data(), vocab * sizeof(float)), 0) << "sequence " << s;
  so.n_seq = 1;
  Session alone(model, so);
  const SequenceChunk c{0, other, true};
  alone.step(std::span<const SequenceChunk>(&c, 1), one.data());
  EXPECT_EQ(std::memcmp(&out[3 * vocab], one.data(), vocab * sizeof(float)), 0) << "the prompt chunk";
}

INSTANTIATE_TEST_SUITE_P(Types, SessionBatchBits, ::testing::Values(0, 1));

TEST(SessionBatch, TruncateKeepsThePrefix) {
  const auto model = test::convert_and_load(test::data_path("random/llama2-mha"));
  const size_t vocab = model->hparams().n_vocab;
  SessionOptions so;
  so.n_ctx = 32;
  so.n_seq = 2;
  Session s(model, so);
  const auto a = ids_of(8, 7, vocab);
  std::vector<int32_t> b = a;
  b[5] = (b[5] + 1) % static_cast<int32_t>(vocab);
  std::vector<float> first(vocab), again(vocab);
  SequenceChunk c{1, a, true};
  s.step(std::span<const SequenceChunk>(&c, 1), first.data());
  // Keep 5 tokens, then feed b's tail: the same as b from scratch.
  s.truncate(1, 5);
  c = {1, std::span<const int32_t>(b).subspan(5), true};
  s.step(std::span<const SequenceChunk>(&c, 1), again.data());
  Session fresh(model, SessionOptions{32, 512, 1, KvType::F32, 1});
  const auto want = fresh.prefill(b);
  EXPECT_LT(test::rel_l2(again.data(), want.data(), vocab), 1e-4);
  EXPECT_THROW(s.truncate(1, 9), RequestError);
  const SequenceChunk twice[] = {{0, a, false}, {0, a, false}};
  EXPECT_THROW(s.step(twice, nullptr), RequestError);
  const SequenceChunk missing{2, a, false};
  EXPECT_THROW(s.step(std::span<const SequenceChunk>(&missing, 1), nullptr), RequestError);
}

}  // namespace
}  // namespace edt
