// libFuzzer: arbitrary bytes as a chat template, parsed and rendered with a fixed conversation under tight
// limits. Any outcome but a rendered text or a TemplateError (a crash, a hang, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tokenizer/chat_template.h"
#include "tokenizer/jinja/error.h"
#include "tokenizer/jinja/template.h"

namespace {

const edt::jinja::Dict& variables() {
  static const edt::jinja::Dict vars = [] {
    edt::jinja::List messages;
    const char* const turns[][2] = {{"system", "Be brief."},
                                    {"user", "  Hi <|im_end|> {{ x }} ünï 😀\n"},
                                    {"assistant", "<think>r</think>Answer"},
                                    {"user", ""}};
    for (const auto& t : turns) {
      edt::jinja::Dict m;
      m.set("role", edt::jinja::Value::data_string(t[0]));
      m.set("content", edt::jinja::Value::data_string(t[1]));
      messages.emplace_back(std::move(m));
    }
    edt::jinja::Dict d;
    d.set("messages", edt::jinja::Value(std::move(messages)));
    d.set("tools", edt::jinja::Value::none());
    d.set("add_generation_prompt", edt::jinja::Value(true));
    d.set("bos_token", edt::jinja::Value("<s>"));
    d.set("eos_token", edt::jinja::Value("</s>"));
    return d;
  }();
  return vars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  edt::jinja::RenderOptions options;
  options.limits.max_steps = 100'000;
  options.limits.max_output_bytes = 1u << 20;
  options.limits.max_list_items = 10'000;
  options.now = edt::parse_date("2024-07-26");
  try {
    const auto t = edt::jinja::Template::parse(std::string(reinterpret_cast<const char*>(data), size));
    t.render_with_spans(variables(), options);
  } catch (const edt::jinja::TemplateError&) {
  }
  return 0;
}
