#include "tools/chat_flags.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenizer/chat_tokens.h"
#include "tools/model_loader.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/hf_chat_template.h"
#include "weights/mapped_file.h"

namespace edt {

std::vector<FlagSpec> chat_template_flag_specs() {
  std::string names;
  for (const std::string& n : ChatTemplate::builtin_template_names()) names += (names.empty() ? "" : "|") + n;
  return {
      {{"--chat-template"}, true, "a built-in template instead of the model's: " + names},
      {{"--chat-template-file"}, true, "a Jinja chat template file instead of the model's"},
  };
}

ModelChatInfo read_model_chat_info(const std::string& model_path) {
  namespace fs = std::filesystem;
  ModelChatInfo info;
  if (fs::is_directory(model_path)) {
    info.tokenizer = Tokenizer::from_path(model_path);
    info.chat_template = read_hf_chat_template(model_path);
    return info;
  }
  if (!fs::exists(model_path)) throw FormatError(model_path + ": no such file or folder");
  const MappedFile file(model_path);
  if (file.size() >= 4 && std::memcmp(file.bytes().data(), "GGUF", 4) == 0) {
    const GgufFile gguf = parse_gguf(file.bytes(), model_path);
    info.tokenizer = Tokenizer::from_vocab(VocabData::read_from(gguf));
    info.chat_template = gguf_chat_template(gguf);
    info.eot_id = gguf_eot_token_id(gguf, info.tokenizer->n_vocab());
    return info;
  }
  info.tokenizer = load_tokenizer_from_model(model_path);  // llama2.c: no template
  return info;
}

ChatTemplate select_chat_template(const Args& args, const std::optional<std::string>& model_template,
                                  const std::string& model_path) {
  if (args.has("--chat-template") && args.has("--chat-template-file"))
    throw UsageError("give --chat-template or --chat-template-file, not both");
  if (auto name = args.get("--chat-template")) return ChatTemplate::builtin(*name);
  if (auto path = args.get("--chat-template-file")) {
    std::ifstream in(*path, std::ios::binary);
    if (!in) throw FormatError(*path + ": cannot open the chat template file");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      return ChatTemplate(ss.str());
    } catch (const FormatError& e) {
      throw FormatError(*path + ": " + e.what());
    }
  }
  std::string names;
  for (const std::string& n : ChatTemplate::builtin_template_names()) names += (names.empty() ? "" : ", ") + n;
  if (model_path.empty()) throw UsageError("give -m MODEL, --chat-template NAME or --chat-template-file FILE");
  if (!model_template)
    throw UsageError(model_path + " has no chat template (tokenizer.chat_template): it may be a base model; give "
                     "--chat-template NAME (" + names + ") or --chat-template-file FILE");
  try {
    return ChatTemplate(*model_template);
  } catch (const FormatError& e) {
    throw FormatError(model_path + ": tokenizer.chat_template: " + e.what());
  }
}

ModelChatSetup chat_setup_for_model(const Args& args, const GgufFile& model_file, const Tokenizer& tokenizer,
                                    const std::string& model_path) {
  const std::optional<std::string> own = gguf_chat_template(model_file);
  ModelChatSetup setup{select_chat_template(args, own, model_path), "", chat_options_for(tokenizer),
                       end_of_turn_tokens(tokenizer, gguf_eot_token_id(model_file, tokenizer.n_vocab()))};
  if (auto name = args.get("--chat-template")) setup.template_origin = "built-in '" + *name + "'";
  else if (auto file = args.get("--chat-template-file")) setup.template_origin = *file;
  else setup.template_origin = "the model's tokenizer.chat_template";
  return setup;
}

std::string token_list_text(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ", ") + tokenizer.vocab().tokens[static_cast<size_t>(id)];
  return out.empty() ? "(none)" : out;
}

}  // namespace edt
