#pragma once
// The byte-level BPE pre-tokenizers this engine knows, in one table: the name GGUF's tokenizer.ggml.pre gives each
// (llama.cpp's names), the regexes it splits with, applied in order (each one splits the pieces the previous one
// left, as Hugging Face's pre-tokenizer Sequence does), and whether the tokenizer NFC-normalizes text first.
#include <string>
#include <string_view>
#include <vector>

namespace edt {

struct PreTokenizerSpec {
  const char* name;                  // what a GGUF written by us or by llama.cpp names it
  std::vector<const char*> aliases;  // other tokenizer.ggml.pre values that mean the same pipeline
  std::vector<const char*> regexes;  // splits applied in order, each "Isolated" (matches and gaps both kept)
  bool nfc = false;                  // the Hugging Face tokenizer of this family has an NFC normalizer
};

// nullptr when the name is unknown.
const PreTokenizerSpec* find_pretokenizer(std::string_view name);
// The spec whose regex list equals these (a tokenizer.json pre-tokenizer translated to regexes), or nullptr.
const PreTokenizerSpec* find_pretokenizer_by_regexes(const std::vector<std::string>& regexes);
// "llama-bpe, gpt-2, qwen2, smollm", for error messages.
std::string known_pretokenizers();

// The regex GPT-2's ByteLevel(use_regex = true) pre-tokenizer splits with, and the one Digits splits with.
const char* gpt2_regex();
const char* digits_regex(bool individual_digits);

}  // namespace edt
