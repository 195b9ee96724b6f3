// Tokenizers against the reference libraries' own encodings: Hugging Face tokenizers (byte-level BPE),
// sentencepiece (SentencePiece BPE), llama.cpp's vocab test vectors, and the llama2.c / JS tokenizers' cases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "tests/test_jsonl.h"
#include "tests/test_util.h"
#include "tokenizer/tokenizer.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/gguf_writer.h"
#include "weights/mapped_file.h"

namespace edt {
namespace {

using nlohmann::json;


// The tokenizer as the engine sees it after `edt convert`: written into a GGUF and read back.
std::unique_ptr<Tokenizer> through_gguf(const Tokenizer& t) {
  GgufWriter w;
  t.vocab().write_to(w);
  const auto bytes = w.write_to_memory();
  return Tokenizer::from_vocab(VocabData::read_from(parse_gguf(bytes, "vocab.gguf")));
}

struct GoldenCase {
  const char* dir;
  const char* file;
  bool parse_special;  // Hugging Face tokenizers match added tokens in text; sentencepiece has none to match
};

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, EveryLineExactThroughBothLoadingPaths) {
  const GoldenCase& c = GetParam();
  const auto source = Tokenizer::from_path(test::data_path(std::string("tokenizers/") + c.dir + "/" + c.file));
  const auto gguf = through_gguf(*source);
  const auto lines = test::read_jsonl(test::data_path(std::string("tokenizers/") + c.dir + "/golden.jsonl"));
  ASSERT_GT(lines.size(), 100u);
  EncodeOptions opt;
  opt.parse_special = c.parse_special;
  size_t exact = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string text = lines[i]["text"].get<std::string>();
    const auto want = lines[i]["ids"].get<std::vector<int32_t>>();
    const auto got = source->encode(text, opt);
    EXPECT_EQ(got, want) << c.dir << " line " << i << ": " << text.substr(0, 80);
    EXPECT_EQ(gguf->encode(text, opt), got) << c.dir << " line " << i << " (GGUF path)";
    EXPECT_EQ(source->decode(want, true), lines[i]["decoded"].get<std::string>()) << c.dir << " line " << i;
    if (lines[i].contains("ids_with_bos")) {
      EncodeOptions bos = opt;
      bos.add_bos = true;
      EXPECT_EQ(source->encode(text, bos), lines[i]["ids_with_bos"].get<std::vector<int32_t>>());
    }
    exact += got == want;
  }
  EXPECT_EQ(exact, lines.size());
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, Golden,
                         ::testing::Values(GoldenCase{"llama3", "tokenizer.json", true},
                                           GoldenCase{"gpt2", "tokenizer.json", true},
                                           GoldenCase{"bpe4k", "tokenizer.json", true},
                                           GoldenCase{"llama2", "tokenizer.model", false},
                                           GoldenCase{"spm2k", "tokenizer.model", false}),
                         [](const auto& info) { return std::string(info.param.dir); });

// llama.cpp's vectors: 46 texts separated by "\n__ggml_vocab_test__\n", one line of ids per text.
struct VocabVectors {
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> ids;
};

VocabVectors read_vectors(const std::string& base) {
  std::ifstream inp(base + ".inp", std::ios::binary), outp(base + ".out");
  std::stringstream ss;
  ss << inp.rdbuf();
  const std::string all = ss.str(), sep = "\n__ggml_vocab_test__\n";
  VocabVectors v;
  for (size_t pos = 0;;) {
    const size_t next = all.find(sep, pos);
    if (next == std::string::npos) break;
    v.texts.push_back(all.substr(pos, next - pos));
    pos = next + sep.size();
  }
  for (std::string line; std::getline(outp, line);) {
    std::istringstream ls(line);
    std::vector<int32_t> ids;
    for (int32_t id; ls >> id;) ids.push_back(id);
    v.ids.push_back(ids);
  }
  return v;
}

size_t count_exact(const Tokenizer& t, const VocabVectors& v) {
  size_t exact = 0;
  for (size_t i = 0; i < v.texts.size() && i < v.ids.size(); ++i) {
    const auto got = t.encode(v.texts[i], {});
    exact += got == v.ids[i];
  }
  return exact;
}

std::unique_ptr<Tokenizer> from_vocab_gguf(const std::string& name) {
  const MappedFile f(test::data_path("llamacpp-vocab/" + name));
  return Tokenizer::from_vocab(VocabData::read_from(parse_gguf(f.bytes(), name)));
}

// starcoder's pipeline (Digits, then GPT-2's regex) is the table's smollm row.
TEST(LlamaCppVectors, RequiredVocabulariesAreExact) {
  for (const char* name : {"ggml-vocab-llama-spm.gguf", "ggml-vocab-gpt-2.gguf", "ggml-vocab-starcoder.gguf"}) {
    const auto t = from_vocab_gguf(name);
    const auto v = read_vectors(test::data_path(std::string("llamacpp-vocab/") + name));
    ASSERT_EQ(v.texts.size(), 46u);
    ASSERT_EQ(v.ids.size(), 46u);
    for (size_t i = 0; i < v.texts.size(); ++i) EXPECT_EQ(t->encode(v.texts[i], {}), v.ids[i]) << name << " text " << i;
  }
  // llama-bpe's vectors go with the Llama-3 vocabulary (refs/tokenizers/llama3).
  const auto llama3 = Tokenizer::from_path(test::data_path("tokenizers/llama3/tokenizer.json"));
  const auto v = read_vectors(test::data_path("llamacpp-vocab/ggml-vocab-llama-bpe.gguf"));
  ASSERT_EQ(v.texts.size(), 46u);
  for (size_t i = 0; i < v.texts.size(); ++i) EXPECT_EQ(llama3->encode(v.texts[i], {}), v.ids[i]) << "llama-bpe text " << i;
}

// The other pre-tokenizers measure how general ours is: report, and hold what passes today.
TEST(LlamaCppVectors, OtherVocabulariesReportByName) {
  for (const char* name : {"ggml-vocab-phi-3.gguf", "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-deepseek-coder.gguf",
                           "ggml-vocab-falcon.gguf", "ggml-vocab-mpt.gguf",
                           "ggml-vocab-refact.gguf"}) {
    try {
      const auto t = from_vocab_gguf(name);
      const auto v = read_vectors(test::data_path(std::string("llamacpp-vocab/") + name));
      std::printf("  %-34s %zu/%zu exact\n", name, count_exact(*t, v), v.texts.size());
    } catch (const FormatError& e) {
      const std::string msg = e.what();
      std::printf("  %-34s refused: %s\n", name, msg.c_str());
      EXPECT_NE(msg.find("is not supported"), std::string::npos) << msg;  // refused by name, never misread
    }
  }
}

TEST(TokenizerCases, Llama2cTestC) {
  const auto t = Tokenizer::from_path(test::data_path("tokenizers/llama2/tokenizer.model"));
  std::ifstream in(test::data_path("tokenizer-cases/llama2c_test_c_tokenizer_cases.json"));
  const json j = json::parse(in);
  ASSERT_EQ(j["cases"].size(), 5u);
  for (const json& c : j["cases"]) {
    EncodeOptions opt;
    opt.add_bos = true;
    EXPECT_EQ(t->encode(c["text"].get<std::string>(), opt), c["ids_with_bos"].get<std::vector<int32_t>>());
  }
}

TEST(TokenizerCases, LlamaTokenizerJsCases) {
  struct Source {
    const char* file;
    const char* tokenizer;
  };
  for (const Source& s : {Source{"llama2_tokenizer_cases.json", "tokenizers/llama2/tokenizer.model"},
                          Source{"llama3_tokenizer_cases.json", "tokenizers/llama3/tokenizer.json"}}) {
    SCOPED_TRACE(s.file);
    const auto t = Tokenizer::from_path(test::data_path(s.tokenizer));
    std::ifstream in(test::data_path(std::string("tokenizer-cases/") + s.file));
    const json j = json::parse(in);
    for (const json& c : j["encode"]) {
      EncodeOptions opt;
      const bool llama2 = std::string(s.file).rfind("llama2", 0) == 0;
      opt.add_bos = llama2 || (c.contains("options") && c["options"].value("bos", false));
      opt.add_eos = !llama2 && c.contains("options") && c["options"].value("eos", false);
      opt.parse_special = !llama2;  // llama3-tokenizer-js recognises special tokens in text
      EXPECT_EQ(t->encode(c["text"].get<std::string>(), opt), c["ids"].get<std::vector<int32_t>>())
          << c["text"].get<std::string>().substr(0, 60);
    }
    for (const json& c : j["decode"]) {
      const auto ids = c["ids"].get<std::vector<int32_t>>();
      if (!c.contains("add_preceding_space")) {
        EXPECT_EQ(t->decode(ids, true), c["text"].get<std::string>());
        continue;
      }
      // llama-tokenizer-js: add_bos_token hides BOS; add_preceding_space says a dummy prefix was added (and is
      // dropped again), which is SentencePiece's add_dummy_prefix.
      VocabData v = t->vocab();
      v.add_space_prefix = c["add_preceding_space"].get<bool>();
      const auto spm = Tokenizer::from_vocab(v);
      EXPECT_EQ(spm->decode(ids, !c["add_bos_token"].get<bool>()), c["text"].get<std::string>()) << c.dump();
    }
  }
}

}  // namespace
}  // namespace edt
