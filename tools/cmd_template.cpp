// edt template: renders a conversation with a chat template, byte for byte as transformers' apply_chat_template,
// for debugging prompts and for tests. With --ids it prints the prompt's token ids instead (needs -m).
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenizer/chat_tokens.h"
#include "tools/args.h"
#include "tools/chat_flags.h"
#include "tools/commands.h"
#include "weights/error.h"

namespace edt {

int cmd_template(int argc, char** argv) {
  std::vector<FlagSpec> specs = {
      {{"-m", "--model"}, true, "take the template, BOS/EOS and tokenizer from this model (GGUF or HF folder)"},
      {{"--messages"}, true, "JSON file: a list of {\"role\", \"content\", ...} messages (required)"},
      {{"--add-generation-prompt"}, false, "end with the assistant's header, as for generation"},
      {{"--bos-token"}, true, "bos_token text (default: the model's BOS, else unset)"},
      {{"--eos-token"}, true, "eos_token text (default: the model's EOS, else unset)"},
      {{"--now"}, true, "YYYY-MM-DD that strftime_now() sees (default: today)"},
      {{"--ids"}, false, "print the prompt's token ids (JSON) instead of its text; needs -m"},
      {{"-h", "--help"}, false, "this help"},
  };
  for (FlagSpec& s : chat_template_flag_specs()) specs.push_back(std::move(s));
  Args args("template", specs, argc, argv, 2);
  if (args.has("--help")) {
    std::printf(
        "usage: edt template (-m MODEL | --chat-template NAME | --chat-template-file F) --messages FILE.json\n"
        "                    [--add-generation-prompt] [--bos-token S] [--eos-token S] [--now YYYY-MM-DD] [--ids]\n\n"
        "Prints the rendered prompt to stdout exactly, with nothing added. A template error exits non-zero with\n"
        "the message on stderr.\n\n%s",
        Args::usage(specs).c_str());
    return 0;
  }
  const std::string messages_path = args.require("--messages");
  std::ifstream in(messages_path, std::ios::binary);
  if (!in) throw FormatError(messages_path + ": cannot open the messages file");
  nlohmann::ordered_json messages;
  try {
    messages = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(messages_path + ": not valid JSON (" + e.what() + ")");
  }
  check_chat_messages(messages, messages_path);

  ModelChatInfo info;
  const std::string model_path = args.get_or("-m", "");
  if (!model_path.empty()) info = read_model_chat_info(model_path);
  const ChatTemplate chat_template = select_chat_template(args, info.chat_template, model_path);

  ChatRenderOptions options = info.tokenizer ? chat_options_for(*info.tokenizer) : ChatRenderOptions{};
  options.add_generation_prompt = args.has("--add-generation-prompt");
  if (auto b = args.get("--bos-token")) options.bos_token = *b;
  if (auto e = args.get("--eos-token")) options.eos_token = *e;
  if (auto now = args.get("--now")) options.now = parse_date(*now);

  if (args.has("--ids")) {
    if (!info.tokenizer) throw UsageError("template: --ids needs -m MODEL (its tokenizer)");
    const ChatPrompt prompt = chat_template.render_prompt_json(messages, options);
    const std::vector<int32_t> ids = tokenize_chat_prompt(*info.tokenizer, prompt);
    std::printf("%s\n", nlohmann::json(ids).dump().c_str());
    return 0;
  }
  const std::string text = chat_template.render_json(messages, options);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace edt
