// The byte-level BPE families beyond GPT-2 / Llama-3: Qwen2 (single digits, NFC, vocab.json + merges.txt) and
// SmolLM (Digits then GPT-2's regex), against transformers.js goldens and llama.cpp's qwen2 vectors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/test_jsonl.h"
#include "tests/test_util.h"
#include "tokenizer/pretokenizers.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode_nfc.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"

namespace edt {
namespace {

using nlohmann::json;


std::unique_ptr<Tokenizer> through_gguf(const VocabData& v) {
  GgufWriter w;
  v.write_to(w);
  const auto bytes = w.write_to_memory();
  return Tokenizer::from_vocab(VocabData::read_from(parse_gguf(bytes, "vocab.gguf")));
}

// Encodes every golden line; returns how many match, failing the test on each that does not when expect_all.
size_t golden_exact(const Tokenizer& t, const std::string& file, bool expect_all) {
  const auto lines = test::read_jsonl(file);
  EXPECT_GT(lines.size(), 5u) << file;
  EncodeOptions opt;
  opt.parse_special = true;
  size_t exact = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto want = lines[i]["ids"].get<std::vector<int32_t>>();
    const auto got = t.encode(lines[i]["text"].get<std::string>(), opt);
    if (expect_all) {
      EXPECT_EQ(got, want) << file << " line " << i << ": " << lines[i]["text"].get<std::string>().substr(0, 80);
      EXPECT_EQ(t.decode(want, true), lines[i]["decoded"].get<std::string>()) << file << " line " << i;
    }
    exact += got == want;
  }
  return exact;
}

std::unique_ptr<Tokenizer> qwen2() { return Tokenizer::from_path(test::data_path("tokenizers/qwen2")); }

TEST(Qwen2Tokenizer, VocabJsonAndMergesTxtMatchEveryGolden) {
  const auto t = qwen2();
  EXPECT_EQ(t->vocab().pre, "qwen2");
  EXPECT_EQ(t->vocab().nfc, true);
  EXPECT_EQ(t->n_vocab(), 151646u);  // 151,643 pieces + 3 added tokens
  EXPECT_EQ(t->eos_id(), 151645);
  const std::string dir = test::data_path("tokenizers/qwen2/");
  const auto lines = test::read_jsonl(dir + "golden.jsonl");
  EXPECT_EQ(golden_exact(*t, dir + "golden.jsonl", true), lines.size());
  EXPECT_EQ(golden_exact(*through_gguf(t->vocab()), dir + "golden.jsonl", false), lines.size());
  EXPECT_EQ(golden_exact(*t, dir + "golden_special.jsonl", true), 8u);
}

TEST(Qwen2Tokenizer, LlamaCppVectorsExactAlsoFromALlamaCppStyleGguf) {
  std::ifstream inp(test::data_path("llamacpp-vocab/ggml-vocab-qwen2.gguf.inp"), std::ios::binary);
  std::ifstream outp(test::data_path("llamacpp-vocab/ggml-vocab-qwen2.gguf.out"));
  std::stringstream ss;
  ss << inp.rdbuf();
  const std::string all = ss.str(), sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0, next; (next = all.find(sep, pos)) != std::string::npos; pos = next + sep.size())
    texts.push_back(all.substr(pos, next - pos));
  std::vector<std::vector<int32_t>> ids;
  for (std::string line; std::getline(outp, line);) {
    std::istringstream ls(line);
    ids.emplace_back();
    for (int32_t id; ls >> id;) ids.back().push_back(id);
  }
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(ids.size(), 46u);
  // llama.cpp's GGUF names only the pre-tokenizer; the NFC step then comes from the table's qwen2 row.
  VocabData v = qwen2()->vocab();
  v.nfc.reset();
  const auto from_gguf = through_gguf(v);
  const auto t = qwen2();
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(t->encode(texts[i], {}), ids[i]) << "text " << i;
    EXPECT_EQ(from_gguf->encode(texts[i], {}), ids[i]) << "text " << i << " (llama.cpp-style GGUF)";
  }
}

// Qwen's own tokenizer.json spells merges "a b" and carries the NFC normalizer and a Split + ByteLevel sequence:
// assembled from the vocab.json / merges.txt pair as transformers' Qwen2Converter writes it.
TEST(Qwen2Tokenizer, TokenizerJsonWithStringMergesGivesTheSameIds) {
  const std::string dir = test::data_path("tokenizers/qwen2/");
  json vocab;
  std::ifstream(dir + "vocab.json") >> vocab;
  json merges = json::array();
  std::ifstream m(dir + "merges.txt");
  for (std::string line; std::getline(m, line);)
    if (!line.empty() && line.rfind("#version", 0) != 0) merges.push_back(line);
  json tj;
  tj["model"] = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"ignore_merges", false}};
  tj["normalizer"] = {{"type", "NFC"}};
  tj["pre_tokenizer"] = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"},
         {"pattern", {{"Regex", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+"
                                "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}},
         {"behavior", "Isolated"},
         {"invert", false}},
        {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}};
  tj["added_tokens"] = json::array();
  for (const auto& [id, content] : std::vector<std::pair<int, const char*>>{
           {151643, "<|endoftext|>"}, {151644, "<|im_start|>"}, {151645, "<|im_end|>"}})
    tj["added_tokens"].push_back({{"id", id}, {"content", content}, {"special", true}});
  const auto tmp = std::filesystem::temp_directory_path() / ("edt_qwen2_tok_" + std::to_string(::getpid()));
  std::filesystem::create_directories(tmp);
  std::ofstream(tmp / "tokenizer.json") << tj.dump();
  std::filesystem::copy_file(dir + "tokenizer_config.json", tmp / "tokenizer_config.json",
                             std::filesystem::copy_options::overwrite_existing);
  const auto t = Tokenizer::from_path(tmp.string());
  std::filesystem::remove_all(tmp);
  EXPECT_EQ(t->vocab().pre, "qwen2");
  EXPECT_EQ(t->vocab().nfc, true);
  EXPECT_EQ(golden_exact(*t, dir + "golden.jsonl", true), test::read_jsonl(dir + "golden.jsonl").size());
}

// Each convention breaks the goldens when flipped: without NFC, or with GPT-2's regex. (Llama-3's \p{N}{1,3} in
// place of \p{N} gives the same ids here: no token of this vocabulary holds two digits, so no merge could join them.)
TEST(Qwen2Tokenizer, WrongNormalizerOrDigitRuleFailsGoldens) {
  const std::string golden = test::data_path("tokenizers/qwen2/golden.jsonl");
  const size_t n = test::read_jsonl(golden).size();
  VocabData v = qwen2()->vocab();
  v.nfc = false;
  EXPECT_LT(golden_exact(*Tokenizer::from_vocab(v), golden, false), n);
  v.nfc = true;
  v.pre = "gpt-2";
  EXPECT_LT(golden_exact(*Tokenizer::from_vocab(v), golden, false), n);
}

TEST(SmolLmTokenizer, DigitsThenGpt2RegexMatchesEveryGolden) {
  const std::string dir = test::data_path("tokenizers/smollm2/");
  const auto t = Tokenizer::from_path(dir + "tokenizer.json");
  EXPECT_EQ(t->vocab().pre, "smollm");
  EXPECT_EQ(t->vocab().nfc, false);
  const size_t n = test::read_jsonl(dir + "golden.jsonl").size();
  EXPECT_EQ(golden_exact(*t, dir + "golden.jsonl", true), n);
  EXPECT_EQ(golden_exact(*through_gguf(t->vocab()), dir + "golden.jsonl", false), n);
  EXPECT_EQ(golden_exact(*t, dir + "golden_special.jsonl", true), test::read_jsonl(dir + "golden_special.jsonl").size());
  // GPT-2's regex alone keeps digit runs together: the goldens say otherwise.
  VocabData v = t->vocab();
  v.pre = "gpt-2";
  EXPECT_LT(golden_exact(*Tokenizer::from_vocab(v), dir + "golden.jsonl", false), n);
}

TEST(PreTokenizerTable, UnknownNamesAndRegexesAreRefusedListingTheKnownOnes) {
  VocabData v = Tokenizer::from_path(test::data_path("tokenizers/smollm2/tokenizer.json"))->vocab();
  v.pre = "chatglm-bpe";
  try {
    Tokenizer::from_vocab(v);
    FAIL() << "an unknown pre-tokenizer was accepted";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'chatglm-bpe' is not supported"), std::string::npos) << msg;
    EXPECT_NE(msg.find("llama-bpe, gpt-2, qwen2, smollm"), std::string::npos) << msg;
  }
  for (const char* name : {"llama-bpe", "gpt-2", "qwen2", "smollm"}) EXPECT_NE(find_pretokenizer(name), nullptr);
  EXPECT_EQ(find_pretokenizer_by_regexes({"\\p{N}"}), nullptr);
}

TEST(PreTokenizerTable, WrongJsonTypesAreOneFormatError) {
  const auto tmp = std::filesystem::temp_directory_path() / ("edt_bad_tok_" + std::to_string(::getpid()) + ".json");
  std::ofstream(tmp) << R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
    "pre_tokenizer": {"type": "ByteLevel", "use_regex": "yes"}})";
  try {
    vocab_from_tokenizer_json(tmp.string(), "");
    FAIL() << "a string use_regex was accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(tmp.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(tmp);
}

TEST(Nfc, ComposesAndKeepsInvalidBytes) {
  EXPECT_EQ(nfc_normalize("e\xCC\x81"), "\xC3\xA9");           // e + combining acute -> é
  EXPECT_EQ(nfc_normalize("\xE2\x84\xAB"), "\xC3\x85");         // Angstrom sign -> Å (a singleton decomposition)
  EXPECT_EQ(nfc_normalize("plain ascii"), "plain ascii");
  EXPECT_EQ(nfc_normalize("a\xFF" "e\xCC\x81\xC3"), "a\xFF\xC3\xA9\xC3");  // invalid bytes pass through
  EXPECT_EQ(nfc_normalize(""), "");
}

}  // namespace
}  // namespace edt
