// The shared part of both tokenizers: special-token splitting, BOS/EOS, decoding, and construction.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <filesystem>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/spm_tokenizer.h"
#include "weights/error.h"

namespace edt {

Tokenizer::Tokenizer(VocabData vocab) : vocab_(std::move(vocab)) {
  token_ids_.reserve(vocab_.tokens.size());
  for (size_t i = 0; i < vocab_.tokens.size(); ++i) token_ids_.emplace(vocab_.tokens[i], static_cast<int32_t>(i));
  for (size_t i = 0; i < vocab_.tokens.size(); ++i) {
    const auto type = static_cast<TokenType>(vocab_.token_types[i]);
    if ((type == TokenType::Control || type == TokenType::UserDefined) && !vocab_.tokens[i].empty())
      special_by_first_byte_[static_cast<uint8_t>(vocab_.tokens[i][0])].push_back(static_cast<int32_t>(i));
  }
  // Longest first, so "<|end_of_text|>" is not cut short by a shorter special that is its prefix.
  for (auto& bucket : special_by_first_byte_)
    std::stable_sort(bucket.begin(), bucket.end(), [&](int32_t a, int32_t b) {
      return vocab_.tokens[static_cast<size_t>(a)].size() > vocab_.tokens[static_cast<size_t>(b)].size();
    });
}

bool Tokenizer::is_control(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < vocab_.token_types.size() &&
         static_cast<TokenType>(vocab_.token_types[static_cast<size_t>(id)]) == TokenType::Control;
}

int32_t Tokenizer::find_token(std::string_view text) const {
  auto it = token_ids_.find(text);
  return it == token_ids_.end() ? -1 : it->second;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  std::vector<int32_t> out;
  if (options.add_bos && vocab_.bos_id >= 0) out.push_back(vocab_.bos_id);
  size_t pos = 0, fragment_start = 0;
  bool at_start = true;
  auto flush = [&](size_t end) {
    if (end > fragment_start) {
      encode_fragment(text.substr(fragment_start, end - fragment_start), at_start, out);
      at_start = false;
    }
  };
  while (options.parse_special && pos < text.size()) {
    const int32_t matched = special_at(text, pos, text.size());
    if (matched < 0) {
      ++pos;
      continue;
    }
    flush(pos);
    out.push_back(matched);
    at_start = false;
    pos += vocab_.tokens[static_cast<size_t>(matched)].size();
    fragment_start = pos;
  }
  flush(text.size());
  if (options.add_eos && vocab_.eos_id >= 0) out.push_back(vocab_.eos_id);
  return out;
}

int32_t Tokenizer::special_at(std::string_view text, size_t pos, size_t limit) const {
  for (int32_t id : special_by_first_byte_[static_cast<uint8_t>(text[pos])]) {
    const std::string& s = vocab_.tokens[static_cast<size_t>(id)];
    if (pos + s.size() <= limit && text.compare(pos, s.size(), s) == 0) return id;
  }
  return -1;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool keep_special) const {
  std::string out;
  int32_t prev = -1;
  for (int32_t id : ids) {
    out += token_bytes(id, prev, keep_special);
    prev = id;
  }
  return out;
}

std::unique_ptr<Tokenizer> Tokenizer::from_vocab(const VocabData& vocab) {
  if (vocab.model == "gpt2") return std::make_unique<BpeTokenizer>(vocab);
  if (vocab.model == "llama") return std::make_unique<SpmTokenizer>(vocab);
  throw FormatError("tokenizer model '" + vocab.model + "' is not supported (expected 'gpt2' or 'llama')");
}

std::unique_ptr<Tokenizer> Tokenizer::from_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (fs::is_directory(path)) {
    if (fs::exists(fs::path(path) / "tokenizer.model")) return from_path((fs::path(path) / "tokenizer.model").string());
    if (fs::exists(fs::path(path) / "tokenizer.json")) return from_path((fs::path(path) / "tokenizer.json").string());
    if (fs::exists(fs::path(path) / "vocab.json")) return from_path((fs::path(path) / "vocab.json").string());
    throw FormatError(path + ": no tokenizer.json, vocab.json + merges.txt or tokenizer.model in the folder");
  }
  if (!fs::exists(path)) throw FormatError(path + ": no such file");
  if (fs::path(path).filename() == "vocab.json") {
    const fs::path dir = fs::path(path).parent_path();
    return from_vocab(vocab_from_vocab_and_merges(path, (dir / "merges.txt").string(),
                                                  (dir / "tokenizer_config.json").string()));
  }
  if (fs::path(path).extension() == ".json") {
    const fs::path config = fs::path(path).parent_path() / "tokenizer_config.json";
    return from_vocab(vocab_from_tokenizer_json(path, config.string()));
  }
  return from_vocab(vocab_from_sentencepiece(path));
}

}  // namespace edt
