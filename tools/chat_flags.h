#pragma once
// The chat-template flags edt template, edt chat and edt run --chat share, and where a model's template and
// end-of-turn token come from without binding its weights.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"
#include "tools/args.h"

namespace edt {

struct GgufFile;

std::vector<FlagSpec> chat_template_flag_specs();  // --chat-template NAME, --chat-template-file F

struct ModelChatInfo {
  std::unique_ptr<Tokenizer> tokenizer;
  std::optional<std::string> chat_template;  // tokenizer.chat_template / the folder's chat template
  int32_t eot_id = -1;                       // tokenizer.ggml.eot_token_id
};
// From a GGUF file's metadata, a Hugging Face folder's tokenizer files, or a llama2.c checkpoint's tokenizer.
ModelChatInfo read_model_chat_info(const std::string& model_path);

// --chat-template NAME, else --chat-template-file F, else the model's own; a UsageError naming the model and the
// built-in names when there is none. model_path may be empty (no -m).
ChatTemplate select_chat_template(const Args& args, const std::optional<std::string>& model_template,
                                  const std::string& model_path);

// Everything a chat on a loaded model needs from its files and the flags.
struct ModelChatSetup {
  ChatTemplate chat_template;
  std::string template_origin;      // "the model's tokenizer.chat_template", "built-in 'chatml'", a file name
  ChatRenderOptions render_options;  // bos/eos texts of the vocabulary
  std::vector<int32_t> end_of_turn;  // end_of_turn_tokens()
};
ModelChatSetup chat_setup_for_model(const Args& args, const GgufFile& model_file, const Tokenizer& tokenizer,
                                    const std::string& model_path);
// "<|im_end|>, <|end_of_text|>" for messages.
std::string token_list_text(const Tokenizer& tokenizer, const std::vector<int32_t>& ids);

}  // namespace edt
