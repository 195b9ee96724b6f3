// libFuzzer: arbitrary bytes as a llama2.c checkpoint and as a llama2.c tokenizer.bin.
#include <cstddef>
#include <cstdint>

#include "tokenizer/vocab_data.h"
#include "weights/error.h"
#include "weights/llama2c.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    edt::parse_llama2c({data, size}, "fuzz.bin");
  } catch (const edt::FormatError&) {
  }
  try {
    const auto v = edt::parse_llama2c_tokenizer({data, size}, 512, "fuzz-tokenizer.bin");
    edt::vocab_from_llama2c(v.pieces, v.scores);
  } catch (const edt::FormatError&) {
  }
  return 0;
}
