// libFuzzer: arbitrary bytes as a Hugging Face tokenizer.json (pre-tokenizer and normalizer detection, merges in
// both spellings, added tokens); a tokenizer that loads then encodes and decodes a short text.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tokenizer/tokenizer.h"
#include "weights/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/edt_fuzz_tokenizer_" + std::to_string(::getpid()) + ".json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const auto t = edt::Tokenizer::from_vocab(edt::vocab_from_tokenizer_json(path, ""));
    edt::EncodeOptions opt;
    opt.parse_special = true;
    const auto ids = t->encode("Hello 123 w\xC3\xB6rld e\xCC\x81 <|x|>", opt);
    (void)t->decode(ids, true);
  } catch (const edt::FormatError&) {
  }
  return 0;
}
