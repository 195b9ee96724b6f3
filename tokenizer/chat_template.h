#pragma once
// Conversation -> prompt text with a model's own chat template, rendered the way Hugging Face transformers'
// apply_chat_template does (trim_blocks, lstrip_blocks, tojson keeping non-ASCII, bos/eos tokens passed,
// tools none). Also the built-in templates for models whose file carries none.
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/jinja/template.h"

namespace edt {

struct ChatMessage {
  std::string role;     // "system", "user", "assistant", ...
  std::string content;
};

struct ChatRenderOptions {
  bool add_generation_prompt = true;
  std::optional<std::string> bos_token, eos_token;  // left out of the variables when unset, as transformers does
  std::optional<std::tm> now;                        // what strftime_now() sees; the local time when unset
};

// A rendered prompt and the byte ranges [first, second) of it that are message contents (never parsed for
// special tokens).
struct ChatPrompt {
  std::string text;
  std::vector<std::pair<size_t, size_t>> content_spans;
};

class ChatTemplate {
 public:
  // Throws jinja::TemplateError naming the line and column on a syntax error.
  explicit ChatTemplate(std::string source);
  // One of builtin_template_names(); throws UsageError listing them for an unknown name.
  static ChatTemplate builtin(const std::string& name);
  static std::vector<std::string> builtin_template_names();

  std::string render(const std::vector<ChatMessage>& messages, const ChatRenderOptions& options) const;
  // The same, with where the contents landed in the text.
  ChatPrompt render_prompt(const std::vector<ChatMessage>& messages, const ChatRenderOptions& options) const;
  // messages as a JSON list of objects (any fields: role, content, tool_calls, ...).
  std::string render_json(const nlohmann::json& messages, const ChatRenderOptions& options) const;
  std::string render_json(const nlohmann::ordered_json& messages, const ChatRenderOptions& options) const;
  ChatPrompt render_prompt_json(const nlohmann::ordered_json& messages, const ChatRenderOptions& options) const;

  const std::string& source() const { return source_; }

 private:
  jinja::RenderResult render_value(const jinja::Value& messages, const ChatRenderOptions& options) const;
  static jinja::Value messages_value(const std::vector<ChatMessage>& messages);
  std::string source_;
  jinja::Template template_;
};

// Checks a JSON list of messages: objects with a string "role" (content and other fields may be anything the
// template reads, e.g. tool_calls). Throws FormatError naming the file and the bad element.
void check_chat_messages(const nlohmann::ordered_json& j, const std::string& source);

// "YYYY-MM-DD" -> midnight of that day; throws UsageError otherwise.
std::tm parse_date(const std::string& text);

}  // namespace edt
