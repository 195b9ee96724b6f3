#include "tokenizer/bpe_tokenizer.h"

#include <limits>

#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenizers.h"
#include "tokenizer/unicode_nfc.h"
#include "weights/error.h"

namespace edt {

BpeTokenizer::BpeTokenizer(const VocabData& vocab) : Tokenizer(vocab) {
  const PreTokenizerSpec* spec = find_pretokenizer(vocab_.pre.empty() ? "default" : vocab_.pre);
  if (!spec)
    throw FormatError("tokenizer pre-tokenizer '" + vocab_.pre + "' is not supported (known: " + known_pretokenizers() +
                      ")");
  for (const char* pattern : spec->regexes) regexes_.push_back(std::make_unique<UnicodeRegex>(pattern));
  // A GGUF from llama.cpp has no normalizer key: then the family's own (Qwen2 always normalizes) applies.
  nfc_ = vocab_.nfc.value_or(spec->nfc);
  // Llama-3's tokenizer.json sets ignore_merges; GGUF has no key for it, and llama.cpp ties it to llama-bpe.
  ignore_merges_ = vocab_.ignore_merges.value_or(vocab_.pre == "llama-bpe");
  const ByteLevelAlphabet& alphabet = byte_level_alphabet();
  for (int b = 0; b < 256; ++b) byte_token_[static_cast<size_t>(b)] = find_token(alphabet.encode(static_cast<uint8_t>(b)));
  merges_.reserve(vocab_.merges.size());
  for (size_t rank = 0; rank < vocab_.merges.size(); ++rank) {
    const std::string& m = vocab_.merges[rank];
    const size_t space = m.find(' ', 1);  // the left side is never empty; a space inside it is spelled as U+0120
    if (space == std::string::npos) throw FormatError("tokenizer merge " + std::to_string(rank) + " '" + m + "' has no space");
    const std::string left = m.substr(0, space), right = m.substr(space + 1);
    const int32_t l = find_token(left), r = find_token(right), result = find_token(left + right);
    if (l < 0 || r < 0 || result < 0)
      throw FormatError("tokenizer merge " + std::to_string(rank) + " '" + m + "' names a token not in the vocabulary");
    const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(l)) << 32) | static_cast<uint32_t>(r);
    merges_.emplace(key, Merge{static_cast<uint32_t>(rank), result});  // the first (lowest) rank wins
  }
}

void BpeTokenizer::split_words(std::string_view text, std::vector<std::string_view>& words) const {
  regexes_[0]->split(text, words);
  std::vector<std::string_view> pieces;
  for (size_t r = 1; r < regexes_.size(); ++r) {
    pieces.swap(words);
    words.clear();
    for (std::string_view p : pieces) regexes_[r]->split(p, words);
  }
}

void BpeTokenizer::encode_fragment(std::string_view text, bool, std::vector<int32_t>& out) const {
  std::vector<std::string_view> words;
  if (nfc_) {
    const std::string normalized = nfc_normalize(text);
    split_words(normalized, words);
    for (std::string_view w : words) encode_word(w, out);
    return;
  }
  split_words(text, words);
  for (std::string_view w : words) encode_word(w, out);
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  const ByteLevelAlphabet& alphabet = byte_level_alphabet();
  std::string spelled;  // the word in the byte-level alphabet
  spelled.reserve(word.size() * 2);
  for (char c : word) spelled += alphabet.encode(static_cast<uint8_t>(c));
  if (ignore_merges_) {
    if (const int32_t id = find_token(spelled); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<int32_t> symbols;  // (word bytes) token ids, merged in place
  symbols.reserve(word.size());
  for (char c : word) {
    const int32_t id = byte_token_[static_cast<uint8_t>(c)];
    if (id < 0) {
      // A vocabulary without this byte's character: the unknown token if there is one, else the byte is dropped
      // (what Hugging Face's BPE does without an unk token).
      if (vocab_.unk_id >= 0) symbols.push_back(vocab_.unk_id);
      continue;
    }
    symbols.push_back(id);
  }
  // Repeatedly merge the adjacent pair of lowest rank (leftmost on ties), as Hugging Face's BPE does.
  while (symbols.size() > 1) {
    uint32_t best_rank = std::numeric_limits<uint32_t>::max();
    size_t best_at = 0;
    int32_t best_result = -1;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(symbols[i])) << 32) |
                           static_cast<uint32_t>(symbols[i + 1]);
      auto it = merges_.find(key);
      if (it != merges_.end() && it->second.rank < best_rank) {
        best_rank = it->second.rank;
        best_at = i;
        best_result = it->second.result;
      }
    }
    if (best_result < 0) break;
    symbols[best_at] = best_result;
    symbols.erase(symbols.begin() + static_cast<long>(best_at) + 1);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
}

std::string BpeTokenizer::token_bytes(int32_t id, int32_t, bool keep_special) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_.tokens.size()) return "";
  const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
  const auto type = static_cast<TokenType>(vocab_.token_types[static_cast<size_t>(id)]);
  if (type == TokenType::Control) return keep_special ? text : "";
  if (type == TokenType::UserDefined) return text;  // added tokens are stored as plain text, not byte-level
  std::string out;
  const ByteLevelAlphabet& alphabet = byte_level_alphabet();
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<uint8_t>(text[i]);
    const size_t len = std::min(utf8_length(lead), text.size() - i);
    uint32_t cp = len == 1 ? lead : lead & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3f);
    const int b = alphabet.decode(cp);
    if (b >= 0) out += static_cast<char>(b);
    else out.append(text, i, len);  // not a byte-level character: keep it as it is
    i += len;
  }
  return out;
}

}  // namespace edt
