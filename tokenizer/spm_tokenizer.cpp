#include "tokenizer/spm_tokenizer.h"

#include <cstdio>
#include <queue>

#include "tokenizer/byte_level.h"
#include "weights/error.h"

namespace edt {
namespace {

const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

// One symbol of the word being merged: a byte range of the normalised text, linked to its neighbours.
struct Symbol {
  int prev, next;
  size_t start, len;  // len 0: merged away
};

struct Bigram {
  float score;
  int left;
  size_t len;  // total length when queued; stale entries (a side changed since) are skipped
  bool operator<(const Bigram& o) const { return score < o.score || (score == o.score && left > o.left); }
};

}  // namespace

SpmTokenizer::SpmTokenizer(const VocabData& vocab) : Tokenizer(vocab) {
  if (vocab_.scores.size() != vocab_.tokens.size())
    throw FormatError("SentencePiece tokenizer needs one score per token (tokenizer.ggml.scores)");
  byte_tokens_.fill(-1);
  byte_of_token_.assign(vocab_.tokens.size(), -1);
  for (size_t i = 0; i < vocab_.tokens.size(); ++i) {
    if (static_cast<TokenType>(vocab_.token_types[i]) != TokenType::Byte) continue;
    const std::string& t = vocab_.tokens[i];
    unsigned value = 0;
    char tail = 0;
    if (t.size() != 6 || std::sscanf(t.c_str(), "<0x%2X%c", &value, &tail) != 2 || tail != '>' || value > 255)
      throw FormatError("byte token " + std::to_string(i) + " is spelled '" + t + "', expected <0xXX> with two hex digits");
    byte_tokens_[value] = static_cast<int32_t>(i);
    byte_of_token_[i] = static_cast<int16_t>(value);
  }
  add_space_prefix_ = vocab_.add_space_prefix.value_or(true);
  words_split_at_spaces_ = true;
  for (const std::string& t : vocab_.tokens) {
    const size_t at = t.find(kSpace);
    for (size_t k = at; k != std::string::npos && words_split_at_spaces_; k = t.find(kSpace, k + 1))
      if (k > 0 && (k < kSpace.size() || t.compare(k - kSpace.size(), kSpace.size(), kSpace) != 0))
        words_split_at_spaces_ = false;
  }
  remove_extra_whitespaces_ = vocab_.remove_extra_whitespaces.value_or(false);
}

bool SpmTokenizer::mergeable(int32_t id) const {
  const auto type = static_cast<TokenType>(vocab_.token_types[static_cast<size_t>(id)]);
  return type == TokenType::Normal || type == TokenType::UserDefined || type == TokenType::Unused;
}

void SpmTokenizer::encode_fragment(std::string_view raw, bool at_start, std::vector<int32_t>& out) const {
  std::string_view text = raw;
  std::string collapsed;
  if (remove_extra_whitespaces_) {  // SentencePiece's normaliser: trim, and fold runs of spaces into one
    bool pending_space = false;
    for (char c : raw) {
      if (c == ' ') {
        pending_space = !collapsed.empty();
        continue;
      }
      if (pending_space) collapsed += ' ';
      pending_space = false;
      collapsed += c;
    }
    text = collapsed;
    if (text.empty()) return;
  }
  std::string norm;  // (bytes) the text with spaces as U+2581 and the dummy prefix
  norm.reserve(text.size() + 8);
  if (add_space_prefix_ && at_start) norm += kSpace;
  for (char c : text) {
    if (c == ' ') norm += kSpace;
    else norm += c;
  }

  if (!words_split_at_spaces_) {
    encode_word(norm, out);
    return;
  }
  // No piece holds a space after another character, so no merge crosses the start of a word (a ▁ after a
  // non-▁): each word merges on its own, which keeps the queue small. The result is the same.
  size_t word_start = 0;
  for (size_t i = kSpace.size(); i + kSpace.size() <= norm.size(); ++i) {
    if (norm.compare(i, kSpace.size(), kSpace) != 0 || norm.compare(i - kSpace.size(), kSpace.size(), kSpace) == 0)
      continue;
    encode_word(std::string_view(norm).substr(word_start, i - word_start), out);
    word_start = i;
  }
  encode_word(std::string_view(norm).substr(word_start), out);
}

void SpmTokenizer::encode_word(std::string_view norm, std::vector<int32_t>& out) const {
  std::vector<Symbol> symbols;
  for (size_t i = 0; i < norm.size();) {
    // One character per symbol; a byte that starts no valid character is a symbol of its own (it will fall back
    // to its <0xXX> token), so it can never swallow the bytes of the character after it.
    const int valid = utf8_valid_length(norm, i);
    const size_t len = valid > 0 ? static_cast<size_t>(valid) : 1;
    symbols.push_back({static_cast<int>(symbols.size()) - 1, static_cast<int>(symbols.size()) + 1, i, len});
    i += len;
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::priority_queue<Bigram> agenda;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t len = symbols[static_cast<size_t>(left)].len + symbols[static_cast<size_t>(right)].len;
    const int32_t id = find_token(norm.substr(symbols[static_cast<size_t>(left)].start, len));
    if (id < 0 || !mergeable(id)) return;
    agenda.push({vocab_.scores[static_cast<size_t>(id)], left, len});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));
  while (!agenda.empty()) {
    const Bigram b = agenda.top();
    agenda.pop();
    Symbol& left = symbols[static_cast<size_t>(b.left)];
    if (left.len == 0 || left.next < 0) continue;
    Symbol& right = symbols[static_cast<size_t>(left.next)];
    if (left.len + right.len != b.len) continue;  // one side has changed since this pair was queued
    left.len += right.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<size_t>(right.next)].prev = b.left;
    try_add(left.prev, b.left);
    try_add(b.left, left.next);
  }
  for (int i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const Symbol& s = symbols[static_cast<size_t>(i)];
    const std::string_view piece = norm.substr(s.start, s.len);
    if (const int32_t id = find_token(piece); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char c : piece) {  // byte fallback
      const int32_t id = byte_tokens_[static_cast<uint8_t>(c)];
      if (id >= 0) out.push_back(id);
      else if (vocab_.unk_id >= 0) out.push_back(vocab_.unk_id);
    }
  }
}

std::string SpmTokenizer::token_bytes(int32_t id, int32_t prev_id, bool keep_special) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_.tokens.size()) return "";
  const std::string& text = vocab_.tokens[static_cast<size_t>(id)];
  const auto type = static_cast<TokenType>(vocab_.token_types[static_cast<size_t>(id)]);
  if (type == TokenType::Control) return keep_special ? text : "";
  if (type == TokenType::Byte) return std::string(1, static_cast<char>(byte_of_token_[static_cast<size_t>(id)]));
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text.compare(i, kSpace.size(), kSpace) == 0) {
      out += ' ';
      i += kSpace.size();
    } else {
      out += text[i++];
    }
  }
  // SentencePiece drops the dummy prefix's space from the first piece of the text (a BOS shown as text counts
  // as text before it).
  const bool first = prev_id < 0 || (!keep_special && prev_id == vocab_.bos_id);
  if (add_space_prefix_ && first && !out.empty() && out[0] == ' ') out.erase(0, 1);
  return out;
}

}  // namespace edt
