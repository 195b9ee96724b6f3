#pragma once
// Chat templates of our own for the common prompt formats, for models whose file carries no template (and for
// base models such as the demo, to try the chat machinery on). Written from the formats' published shapes.
#include <string>
#include <vector>

namespace edt {

// The Jinja source of a built-in template, or null for an unknown name.
const char* builtin_chat_template_source(const std::string& name);
std::vector<std::string> builtin_chat_template_names();

}  // namespace edt
