#include "engine/chat_session.h"

#include <algorithm>

#include "tokenizer/chat_tokens.h"
#include "tokenizer/stream_decoder.h"

namespace edt {

ChatSession::ChatSession(Session& session, SamplerChain& chain, const Tokenizer& tokenizer, ChatTemplate chat_template,
                         ChatRenderOptions render_options, std::vector<int32_t> end_of_turn)
    : session_(session),
      chain_(chain),
      tokenizer_(tokenizer),
      template_(std::move(chat_template)),
      render_options_(std::move(render_options)),
      end_of_turn_(std::move(end_of_turn)) {
  render_options_.add_generation_prompt = true;
  session_.reset();
}

void ChatSession::set_system(const std::string& text) {
  const bool has = !messages_.empty() && messages_.front().role == "system";
  if (text.empty()) {
    if (has) messages_.erase(messages_.begin());
  } else if (has) {
    messages_.front().content = text;
  } else {
    messages_.insert(messages_.begin(), ChatMessage{"system", text});
  }
}

void ChatSession::reset() {
  if (!messages_.empty() && messages_.front().role == "system") messages_.resize(1);
  else messages_.clear();
}

std::vector<int32_t> ChatSession::prompt_tokens() const {
  return tokenize_chat_prompt(tokenizer_, template_.render_prompt(messages_, render_options_));
}

ChatTurnStats ChatSession::user_turn(const std::string& text, size_t max_new_tokens,
                                     const std::atomic<bool>* interrupt,
                                     const std::function<void(const std::string&)>& on_text) {
  ChatTurnStats st;
  messages_.push_back(ChatMessage{"user", text});
  std::vector<int32_t> prompt;
  try {
    prompt = prompt_tokens();
  } catch (...) {
    messages_.pop_back();  // e.g. the template refuses this conversation: it stays as it was
    throw;
  }
  st.prompt_tokens = prompt.size();
  // At least one position must be left for the answer's first token.
  if (prompt.size() + 1 > session_.n_ctx()) {
    messages_.pop_back();
    st.context_full = true;
    st.generation.stop = StopReason::Context;
    return st;
  }
  size_t common = 0;
  while (common < cached_.size() && common < prompt.size() && cached_[common] == prompt[common]) ++common;
  if (common == prompt.size()) --common;  // the last prompt token is run again: its logits start the answer
  session_.truncate(static_cast<uint32_t>(common));
  cached_.resize(common);
  st.reused_tokens = common;
  st.prefilled_tokens = prompt.size() - common;

  std::vector<int32_t> generated;
  std::string answer;
  StreamDecoder decoder(tokenizer_);
  GenerateOptions go;
  go.max_new_tokens = max_new_tokens;
  go.interrupt = interrupt;
  go.stop_tokens = &end_of_turn_;
  const auto& types = tokenizer_.vocab().token_types;
  const TokenCallback collect = [&](int32_t token, const std::string& piece, const StepReport&) {
    generated.push_back(token);
    const auto type = static_cast<size_t>(token) < types.size() ? static_cast<TokenType>(types[static_cast<size_t>(token)])
                                                                : TokenType::Normal;
    if (type == TokenType::Control || type == TokenType::UserDefined) return true;  // never shown
    answer += piece;
    if (!piece.empty()) on_text(piece);
    return true;
  };
  chain_.reset();  // penalties look at this conversation's tokens, which generate() feeds again below
  for (size_t i = 0; i < common; ++i) chain_.accept(prompt[i]);
  const std::span<const int32_t> rest(prompt.data() + common, prompt.size() - common);
  st.generation = generate(session_, chain_, tokenizer_, decoder, rest, go, collect);
  std::string tail;
  decoder.finish(tail);
  if (!tail.empty()) {
    answer += tail;
    on_text(tail);
  }
  // What the cache now holds: the prompt and the answer tokens that were fed back (the last sampled one may not be).
  cached_.insert(cached_.end(), rest.begin(), rest.end());
  const size_t decoded = session_.pos() - cached_.size();
  cached_.insert(cached_.end(), generated.begin(), generated.begin() + static_cast<std::ptrdiff_t>(decoded));
  messages_.push_back(ChatMessage{"assistant", answer});
  st.context_full = st.generation.stop == StopReason::Context;
  return st;
}

}  // namespace edt
