#pragma once
// Text <-> token ids for the tokenizers LLaMA-family models ship: byte-level BPE (GPT-2 / Llama-3 style) and
// SentencePiece-style BPE with byte fallback (Llama-2 style). Built from the vocabulary a GGUF file carries or
// from the source files (tokenizer.json, tokenizer.model); both give the same ids. Immutable once built, so one
// tokenizer serves any number of threads.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/vocab_data.h"

namespace edt {

struct EncodeOptions {
  bool add_bos = false;
  bool add_eos = false;
  bool parse_special = false;  // match control / user-defined token texts (e.g. "<|begin_of_text|>") in the text
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Builds the tokenizer the vocabulary describes; throws FormatError for an unknown model or pre-tokenizer.
  static std::unique_ptr<Tokenizer> from_vocab(const VocabData& vocab);
  // From tokenizer.json, tokenizer.model, or a folder holding one of them.
  static std::unique_ptr<Tokenizer> from_path(const std::string& path);

  std::vector<int32_t> encode(std::string_view text, const EncodeOptions& options) const;
  // A chat prompt: special-token texts are parsed as special tokens everywhere except inside the byte ranges
  // [first, second) of `literal` (sorted, not overlapping: the message contents), where they stay text. The text
  // between special tokens is encoded whole, as encode() does. options.parse_special is ignored.
  // (special_split.cpp)
  std::vector<int32_t> encode_with_literal_spans(std::string_view text,
                                                 const std::vector<std::pair<size_t, size_t>>& literal,
                                                 const EncodeOptions& options) const;
  // Ids -> text; control tokens (BOS, EOS) are left out unless keep_special.
  std::string decode(const std::vector<int32_t>& ids, bool keep_special = false) const;
  // The bytes one token stands for (possibly part of a UTF-8 character); "" for control tokens unless keep_special.
  // prev_id is the token before it (-1 at the start), for SentencePiece's removal of the leading space.
  virtual std::string token_bytes(int32_t id, int32_t prev_id, bool keep_special = false) const = 0;

  const VocabData& vocab() const { return vocab_; }
  size_t n_vocab() const { return vocab_.tokens.size(); }
  int32_t bos_id() const { return vocab_.bos_id; }
  int32_t eos_id() const { return vocab_.eos_id; }
  bool add_bos_default() const { return vocab_.add_bos; }
  bool is_control(int32_t id) const;
  int32_t find_token(std::string_view text) const;  // -1 when absent

 protected:
  explicit Tokenizer(VocabData vocab);
  // Encodes a fragment of ordinary text (no special tokens in it). at_start: nothing precedes it in the input.
  virtual void encode_fragment(std::string_view text, bool at_start, std::vector<int32_t>& out) const = 0;
  // The special token whose text starts at text[pos] and ends by limit, or -1 (first listed wins).
  int32_t special_at(std::string_view text, size_t pos, size_t limit) const;

  VocabData vocab_;
  // Looked up by string_view (transparent hash), so the merge loops never build a std::string per probe.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>> token_ids_;
  // Control and user-defined tokens by the first byte of their text, longest first, for parse_special.
  std::array<std::vector<int32_t>, 256> special_by_first_byte_;
};

}  // namespace edt
