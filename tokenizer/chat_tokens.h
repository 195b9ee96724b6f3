#pragma once
// What the chat runtime needs from a vocabulary: the template's bos/eos texts, the tokens of a rendered prompt
// (special tokens parsed only in the template's own text), and the tokens that end an assistant's turn.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace edt {

struct GgufFile;

// The texts that end a turn in the common formats; each counts only when it is one special token of the vocabulary.
inline const char* const kEndOfTurnTexts[] = {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "</s>",
                                              "<|endoftext|>"};

// bos_token / eos_token for the template: the vocabulary's BOS and EOS texts (unset when it has none).
ChatRenderOptions chat_options_for(const Tokenizer& tokenizer);

// The prompt's tokens. BOS is added when the vocabulary asks for it and the template did not already put it first.
std::vector<int32_t> tokenize_chat_prompt(const Tokenizer& tokenizer, const ChatPrompt& prompt);

// EOS, tokenizer.ggml.eot_token_id when given (eot_id >= 0), and each of kEndOfTurnTexts that is a single
// control or user-defined token. Sorted, without duplicates.
std::vector<int32_t> end_of_turn_tokens(const Tokenizer& tokenizer, int32_t eot_id);

// tokenizer.ggml.eot_token_id of a GGUF file, -1 when absent or out of the vocabulary.
int32_t gguf_eot_token_id(const GgufFile& file, size_t n_vocab);
// tokenizer.chat_template of a GGUF file, if present.
std::optional<std::string> gguf_chat_template(const GgufFile& file);

}  // namespace edt
