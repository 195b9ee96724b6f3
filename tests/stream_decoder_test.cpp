#include <gtest/gtest.h>

#include <random>

#include "tests/test_util.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"

namespace edt {
namespace {

// Streams ids through the decoder, checking every emitted piece is valid UTF-8 on its own.
std::string stream(const Tokenizer& t, const std::vector<int32_t>& ids, size_t* pieces_with_text = nullptr) {
  StreamDecoder d(t);
  std::string all, piece;
  size_t n = 0;
  for (int32_t id : ids) {
    d.push(id, piece);
    std::string check = piece, out;
    drain_utf8(check, out);
    EXPECT_TRUE(check.empty() && out == piece) << "piece is not whole UTF-8";
    n += !piece.empty();
    all += piece;
  }
  d.finish(piece);
  all += piece;
  if (pieces_with_text) *pieces_with_text = n;
  return all;
}

TEST(StreamDecoder, CharactersSplitOverByteFallbackTokensComeOutWhole) {
  const auto t = Tokenizer::from_path(test::data_path("tokenizers/llama2/tokenizer.model"));
  const std::string text = "emoji 🦙 and 漢字 and ♥";
  const auto ids = t->encode(text, {});
  size_t pieces = 0;
  EXPECT_EQ(stream(*t, ids, &pieces), text);
  // 🦙 is four <0xXX> tokens in Llama-2's vocabulary: they yield one piece, not four.
  EXPECT_LT(pieces, ids.size());
  EXPECT_EQ(t->decode(ids), text);
}

TEST(StreamDecoder, ByteLevelBpeStreamsEqualDecode) {
  const auto t = Tokenizer::from_path(test::data_path("tokenizers/gpt2/tokenizer.json"));
  const std::string text = "Ünïcödé — “quotes” 日本語 🦙🦙 end";
  const auto ids = t->encode(text, {});
  EXPECT_EQ(stream(*t, ids), text);
}

TEST(StreamDecoder, InvalidBytesBecomeReplacementCharacters) {
  std::string bytes = "ok\xff\xc3";  // an invalid byte, then an incomplete two-byte character
  std::string out;
  drain_utf8(bytes, out);
  EXPECT_EQ(out, "ok\xEF\xBF\xBD");
  EXPECT_EQ(bytes, "\xc3");
  bytes += "\xa9";  // completes é
  drain_utf8(bytes, out);
  EXPECT_EQ(out, "ok\xEF\xBF\xBD\xc3\xa9");
  std::string overlong = "\xc0\xaf\xed\xa0\x80";  // overlong '/', and a UTF-16 surrogate
  out.clear();
  drain_utf8(overlong, out);
  EXPECT_EQ(out.find('/'), std::string::npos);
  EXPECT_TRUE(overlong.empty());
}

// Arbitrary bytes (invalid UTF-8 included) encode without error and decode back to the same bytes: byte-level BPE
// spells every byte, SentencePiece falls back to <0xXX> tokens.
TEST(Tokenizer, ArbitraryBytesRoundTrip) {
  const auto bpe = Tokenizer::from_path(test::data_path("tokenizers/llama3/tokenizer.json"));
  const auto spm = Tokenizer::from_path(test::data_path("tokenizers/llama2/tokenizer.model"));
  std::mt19937 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::string s(1 + rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    EXPECT_EQ(bpe->decode(bpe->encode(s, {})), s);
    EXPECT_EQ(spm->decode(spm->encode(s, {})), s);
  }
}

TEST(Tokenizer, SpecialTokensOnlyWhenAsked) {
  const auto t = Tokenizer::from_path(test::models_path("prose-15m"));
  EncodeOptions literal, special;
  special.parse_special = true;
  const auto a = t->encode("<|end_of_text|>", literal);
  const auto b = t->encode("<|end_of_text|>", special);
  EXPECT_GT(a.size(), 1u);
  EXPECT_EQ(b, std::vector<int32_t>{1});
  EncodeOptions bos;
  bos.add_bos = true;
  EXPECT_EQ(t->encode("The", bos), (std::vector<int32_t>{0, 491}));
  EXPECT_TRUE(t->add_bos_default());
}

}  // namespace
}  // namespace edt
