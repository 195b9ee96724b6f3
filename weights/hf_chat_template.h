#pragma once
// The chat template a Hugging Face model folder ships: chat_template.jinja (what current transformers saves), or
// tokenizer_config.json's "chat_template" (a string, or a list of {name, template} of which "default" is used).
#include <optional>
#include <string>

namespace edt {

// nullopt when the folder has none; throws FormatError naming the file when it is malformed.
std::optional<std::string> read_hf_chat_template(const std::string& dir);

}  // namespace edt
