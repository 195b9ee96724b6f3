#include "tokenizer/pretokenizers.h"

namespace edt {
namespace {

// The patterns as the Hugging Face tokenizer.json files spell them (PCRE2 reads them as they are).
const char* const kGpt2Split = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const char* const kLlama3Split =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// Qwen2's differs from Llama-3's only in \p{N}: every digit is its own pre-token.
const char* const kQwen2Split =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// Hugging Face's Digits isolates each char that Rust's char::is_numeric accepts (Nd, Nl, No) = \p{N}.
const char* const kDigitsIndividual = "\\p{N}";
const char* const kDigitsRuns = "\\p{N}+";

const std::vector<PreTokenizerSpec>& pretokenizer_table() {
  static const std::vector<PreTokenizerSpec> specs = {
      {"llama-bpe", {"llama3", "smaug-bpe"}, {kLlama3Split}, false},
      {"gpt-2", {"default"}, {kGpt2Split}, false},
      {"qwen2", {}, {kQwen2Split}, true},
      // Digits(individual_digits) then ByteLevel with its regex: SmolLM's and StarCoder's pipeline.
      {"smollm", {"starcoder"}, {kDigitsIndividual, kGpt2Split}, false},
  };
  return specs;
}

}  // namespace

const char* gpt2_regex() { return kGpt2Split; }
const char* digits_regex(bool individual_digits) { return individual_digits ? kDigitsIndividual : kDigitsRuns; }

const PreTokenizerSpec* find_pretokenizer(std::string_view name) {
  for (const PreTokenizerSpec& s : pretokenizer_table()) {
    if (name == s.name) return &s;
    for (const char* a : s.aliases)
      if (name == a) return &s;
  }
  return nullptr;
}

const PreTokenizerSpec* find_pretokenizer_by_regexes(const std::vector<std::string>& regexes) {
  for (const PreTokenizerSpec& s : pretokenizer_table()) {
    if (s.regexes.size() != regexes.size()) continue;
    bool same = true;
    for (size_t i = 0; i < regexes.size(); ++i) same = same && regexes[i] == s.regexes[i];
    if (same) return &s;
  }
  return nullptr;
}

std::string known_pretokenizers() {
  std::string out;
  for (const PreTokenizerSpec& s : pretokenizer_table()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

}  // namespace edt
