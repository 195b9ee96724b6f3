#pragma once
// A tokenizer's vocabulary as GGUF stores it (tokenizer.ggml.*): the converter fills it from tokenizer.json,
// tokenizer.model or a llama2.c tokenizer.bin and writes it into the model file; the engine reads it back.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edt {

struct GgufFile;
class GgufWriter;

// GGUF / SentencePiece token types.
enum class TokenType : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };

struct VocabData {
  std::string model;  // "gpt2" (byte-level BPE) or "llama" (SentencePiece BPE)
  std::string pre;    // pre-tokenizer name for gpt2: "llama-bpe", "gpt-2", ...
  std::vector<std::string> tokens;
  std::vector<float> scores;        // SentencePiece only (empty for gpt2)
  std::vector<int32_t> token_types;
  std::vector<std::string> merges;  // gpt2 only: "a b" in rank order
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = false, add_eos = false;
  std::optional<bool> add_space_prefix;  // SentencePiece's add_dummy_prefix
  std::optional<bool> remove_extra_whitespaces;  // SentencePiece's normalizer flag (our own GGUF key)
  std::optional<bool> ignore_merges;  // byte-level BPE: a word that is a token is taken whole (our own GGUF key)
  std::optional<bool> nfc;  // byte-level BPE: NFC-normalize text first (our own GGUF key; absent: the pre-tokenizer's)

  void write_to(GgufWriter& w) const;
  // Throws FormatError naming the key when the vocabulary is missing or inconsistent.
  static VocabData read_from(const GgufFile& f);
  // Checks sizes agree and special ids are inside the vocabulary; names source on failure.
  void validate(const std::string& source) const;
};

// From a Hugging Face tokenizer.json (byte-level BPE) and the folder's tokenizer_config.json if present.
VocabData vocab_from_tokenizer_json(const std::string& path, const std::string& tokenizer_config_path);
// From the older pair vocab.json + merges.txt; the pre-tokenizer follows tokenizer_config.json's tokenizer_class
// (Qwen2Tokenizer, GPT2Tokenizer), added tokens come from its added_tokens_decoder and added_tokens.json.
VocabData vocab_from_vocab_and_merges(const std::string& vocab_json_path, const std::string& merges_path,
                                      const std::string& tokenizer_config_path);
// From a SentencePiece tokenizer.model.
VocabData vocab_from_sentencepiece(const std::string& path);
// From llama2.c tokenizer.bin pieces and scores (converted the way llama.cpp's llama2c converter does).
VocabData vocab_from_llama2c(const std::vector<std::string>& pieces, const std::vector<float>& scores);

}  // namespace edt
