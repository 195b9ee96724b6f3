#pragma once
// SentencePiece-style BPE (Llama-2, Mistral, TinyLlama): spaces become U+2581 with a dummy prefix, characters are
// merged by the score of the piece they would form (highest first), and characters outside the vocabulary fall
// back to their UTF-8 bytes as <0xXX> tokens (or the unknown token when there are none).
#include "tokenizer/tokenizer.h"

namespace edt {

class SpmTokenizer final : public Tokenizer {
 public:
  explicit SpmTokenizer(const VocabData& vocab);
  std::string token_bytes(int32_t id, int32_t prev_id, bool keep_special) const override;

 private:
  void encode_fragment(std::string_view text, bool at_start, std::vector<int32_t>& out) const override;
  bool mergeable(int32_t id) const;
  void encode_word(std::string_view norm, std::vector<int32_t>& out) const;

  std::array<int32_t, 256> byte_tokens_;  // <0xXX> token of each byte, -1 when absent
  std::vector<int16_t> byte_of_token_;     // (vocab) the byte a <0xXX> token stands for, -1 for other tokens
  bool add_space_prefix_;
  bool remove_extra_whitespaces_;
  bool words_split_at_spaces_;  // no piece has a ▁ after another character: words can be merged one by one
};

}  // namespace edt
