#pragma once
// Byte-level BPE (GPT-2, Llama-3, Qwen2, SmolLM style): the text is NFC-normalized when the tokenizer says so, the
// pre-tokenizer's regexes split it into words (tokenizer/pretokenizers.h), each word's bytes are spelled in the
// byte-level alphabet, then merged pairwise by merge rank into vocabulary tokens.
#include <memory>
#include <unordered_map>

#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode_regex.h"

namespace edt {

class BpeTokenizer final : public Tokenizer {
 public:
  explicit BpeTokenizer(const VocabData& vocab);
  std::string token_bytes(int32_t id, int32_t prev_id, bool keep_special) const override;

 private:
  void encode_fragment(std::string_view text, bool at_start, std::vector<int32_t>& out) const override;
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  void split_words(std::string_view text, std::vector<std::string_view>& words) const;

  std::vector<std::unique_ptr<UnicodeRegex>> regexes_;  // applied in order, each to the pieces the last one left
  bool nfc_;                                            // NFC-normalize each fragment before splitting
  bool ignore_merges_;  // a word that is itself a token is taken whole (Llama-3)
  struct Merge {
    uint32_t rank;
    int32_t result;
  };
  std::unordered_map<uint64_t, Merge> merges_;  // (left id << 32 | right id) -> rank and merged token
  std::array<int32_t, 256> byte_token_;          // token of each byte's single character (-1 if absent)
};

}  // namespace edt
