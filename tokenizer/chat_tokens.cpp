#include "tokenizer/chat_tokens.h"

#include <algorithm>

#include "weights/gguf.h"

namespace edt {

ChatRenderOptions chat_options_for(const Tokenizer& tokenizer) {
  ChatRenderOptions o;
  const auto& tokens = tokenizer.vocab().tokens;
  if (tokenizer.bos_id() >= 0 && static_cast<size_t>(tokenizer.bos_id()) < tokens.size())
    o.bos_token = tokens[static_cast<size_t>(tokenizer.bos_id())];
  if (tokenizer.eos_id() >= 0 && static_cast<size_t>(tokenizer.eos_id()) < tokens.size())
    o.eos_token = tokens[static_cast<size_t>(tokenizer.eos_id())];
  return o;
}

std::vector<int32_t> tokenize_chat_prompt(const Tokenizer& tokenizer, const ChatPrompt& prompt) {
  std::vector<int32_t> ids = tokenizer.encode_with_literal_spans(prompt.text, prompt.content_spans, EncodeOptions{});
  if (tokenizer.add_bos_default() && tokenizer.bos_id() >= 0 && (ids.empty() || ids.front() != tokenizer.bos_id()))
    ids.insert(ids.begin(), tokenizer.bos_id());
  return ids;
}

std::vector<int32_t> end_of_turn_tokens(const Tokenizer& tokenizer, int32_t eot_id) {
  std::vector<int32_t> out;
  if (tokenizer.eos_id() >= 0) out.push_back(tokenizer.eos_id());
  if (eot_id >= 0 && static_cast<size_t>(eot_id) < tokenizer.n_vocab()) out.push_back(eot_id);
  for (const char* text : kEndOfTurnTexts) {
    const int32_t id = tokenizer.find_token(text);
    if (id < 0) continue;
    const auto type = static_cast<TokenType>(tokenizer.vocab().token_types[static_cast<size_t>(id)]);
    if (type == TokenType::Control || type == TokenType::UserDefined) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int32_t gguf_eot_token_id(const GgufFile& file, size_t n_vocab) {
  const std::optional<uint64_t> id = file.get_uint("tokenizer.ggml.eot_token_id");
  return id && *id < n_vocab ? static_cast<int32_t>(*id) : -1;
}

std::optional<std::string> gguf_chat_template(const GgufFile& file) { return file.get_string("tokenizer.chat_template"); }

}  // namespace edt
