#include "tokenizer/chat_template.h"

#include <nlohmann/json.hpp>

#include "tokenizer/builtin_chat_templates.h"
#include "weights/error.h"

namespace edt {

ChatTemplate::ChatTemplate(std::string source)
    : source_(std::move(source)), template_(jinja::Template::parse(source_)) {}

ChatTemplate ChatTemplate::builtin(const std::string& name) {
  const char* source = builtin_chat_template_source(name);
  if (!source) {
    std::string names;
    for (const std::string& n : builtin_template_names()) names += (names.empty() ? "" : ", ") + n;
    throw UsageError("unknown built-in chat template '" + name + "' (expected one of: " + names + ")");
  }
  return ChatTemplate(source);
}

std::vector<std::string> ChatTemplate::builtin_template_names() { return builtin_chat_template_names(); }

jinja::RenderResult ChatTemplate::render_value(const jinja::Value& messages, const ChatRenderOptions& options) const {
  jinja::Dict vars;
  vars.set("messages", messages);
  vars.set("tools", jinja::Value::none());
  vars.set("documents", jinja::Value::none());
  vars.set("add_generation_prompt", jinja::Value(options.add_generation_prompt));
  if (options.bos_token) vars.set("bos_token", jinja::Value(*options.bos_token));
  if (options.eos_token) vars.set("eos_token", jinja::Value(*options.eos_token));
  jinja::RenderOptions ro;
  ro.now = options.now;
  return template_.render_with_spans(vars, ro);
}

jinja::Value ChatTemplate::messages_value(const std::vector<ChatMessage>& messages) {
  jinja::List list;
  list.reserve(messages.size());
  for (const ChatMessage& m : messages) {
    jinja::Dict d;
    d.set("role", jinja::Value::data_string(m.role));
    d.set("content", jinja::Value::data_string(m.content));
    list.emplace_back(std::move(d));
  }
  return jinja::Value(std::move(list));
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, const ChatRenderOptions& options) const {
  return render_value(messages_value(messages), options).text;
}

ChatPrompt ChatTemplate::render_prompt(const std::vector<ChatMessage>& messages,
                                       const ChatRenderOptions& options) const {
  jinja::RenderResult r = render_value(messages_value(messages), options);
  ChatPrompt p;
  p.text = std::move(r.text);
  for (const jinja::DataSpan& d : r.data_spans) p.content_spans.emplace_back(d.begin, d.end);
  return p;
}

std::string ChatTemplate::render_json(const nlohmann::json& messages, const ChatRenderOptions& options) const {
  return render_value(jinja::Value::from_json(messages, true), options).text;
}

std::string ChatTemplate::render_json(const nlohmann::ordered_json& messages, const ChatRenderOptions& options) const {
  return render_value(jinja::Value::from_json(messages, true), options).text;
}

ChatPrompt ChatTemplate::render_prompt_json(const nlohmann::ordered_json& messages,
                                            const ChatRenderOptions& options) const {
  jinja::RenderResult r = render_value(jinja::Value::from_json(messages, true), options);
  ChatPrompt p;
  p.text = std::move(r.text);
  for (const jinja::DataSpan& d : r.data_spans) p.content_spans.emplace_back(d.begin, d.end);
  return p;
}

void check_chat_messages(const nlohmann::ordered_json& j, const std::string& source) {
  if (!j.is_array()) throw FormatError(source + ": expected a JSON list of {\"role\", \"content\"} messages");
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& m = j[i];
    const std::string where = source + ": message " + std::to_string(i);
    if (!m.is_object()) throw FormatError(where + " is not an object");
    if (!m.contains("role") || !m["role"].is_string()) throw FormatError(where + " has no string 'role'");
  }
}

std::tm parse_date(const std::string& text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
    throw UsageError("date '" + text + "' is not YYYY-MM-DD");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_isdst = -1;
  std::tm check = tm;
  // timegm normalises the fields and fills in the weekday and day of the year strftime needs.
  const time_t t = timegm(&check);
  if (check.tm_mday != d) throw UsageError("date '" + text + "' does not exist");
  gmtime_r(&t, &tm);
  return tm;
}

}  // namespace edt
