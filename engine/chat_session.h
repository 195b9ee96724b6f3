#pragma once
// A multi-turn chat held in one Session's KV cache. Each turn renders the whole conversation with the chat
// template, finds the longest prefix its tokens share with the tokens already in the cache (not assuming the
// template only appends: some templates rewrite earlier turns, and a re-tokenized answer can differ from the
// sampled tokens), rewinds the session to that prefix and prefills only the rest.
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "engine/generate.h"
#include "engine/session.h"
#include "sampling/chain.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace edt {

struct ChatTurnStats {
  size_t prompt_tokens = 0;    // the whole rendered conversation
  size_t reused_tokens = 0;    // already in the cache
  size_t prefilled_tokens = 0; // run through the model this turn
  GenerationStats generation;  // generation.stop: EndOfText at an end-of-turn token, Limit, Context, Interrupted
  bool context_full = false;   // the conversation no longer fits: nothing more can be said without /reset
};

class ChatSession {
 public:
  // end_of_turn: the tokens that end an answer (end_of_turn_tokens()).
  ChatSession(Session& session, SamplerChain& chain, const Tokenizer& tokenizer, ChatTemplate chat_template,
              ChatRenderOptions render_options, std::vector<int32_t> end_of_turn);

  // Sets (or with empty text removes) the system message at the head of the conversation.
  void set_system(const std::string& text);
  // Forgets the turns, keeping the system message. The cache keeps what the next prompt can still reuse.
  void reset();

  // Adds the user's message and streams the answer through on_text (whole UTF-8, special tokens never shown).
  // The answer, complete or cut short, becomes the assistant's message. When the conversation with the new
  // message does not fit the context, nothing is generated, the message is dropped and context_full is set.
  ChatTurnStats user_turn(const std::string& text, size_t max_new_tokens, const std::atomic<bool>* interrupt,
                          const std::function<void(const std::string&)>& on_text);

  const std::vector<ChatMessage>& messages() const { return messages_; }
  // The tokens whose keys and values are in the cache, in order (session.pos() of them).
  const std::vector<int32_t>& cached_tokens() const { return cached_; }
  // The tokens of the conversation as the template renders it, with the generation prompt.
  std::vector<int32_t> prompt_tokens() const;

 private:
  Session& session_;
  SamplerChain& chain_;
  const Tokenizer& tokenizer_;
  ChatTemplate template_;
  ChatRenderOptions render_options_;
  std::vector<int32_t> end_of_turn_;
  std::vector<ChatMessage> messages_;
  std::vector<int32_t> cached_;
};

}  // namespace edt
