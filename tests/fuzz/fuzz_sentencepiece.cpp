// libFuzzer: arbitrary bytes as a SentencePiece tokenizer.model (protobuf).
#include <cstddef>
#include <cstdint>

#include "tokenizer/sentencepiece_model.h"
#include "weights/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    edt::parse_sentencepiece_model({data, size}, "fuzz.model");
  } catch (const edt::FormatError&) {
  }
  return 0;
}
