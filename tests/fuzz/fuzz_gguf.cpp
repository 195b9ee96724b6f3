// libFuzzer: arbitrary bytes as a GGUF file, then everything the engine reads from a parsed file (model config,
// tokenizer vocabulary). Only FormatError may escape the parsers; any other exception or crash is a finding.
#include <cstddef>
#include <cstdint>

#include "engine/model_config.h"
#include "tokenizer/vocab_data.h"
#include "weights/error.h"
#include "weights/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const edt::GgufFile f = edt::parse_gguf({data, size}, "fuzz.gguf");
    try {
      edt::read_model_config(f);
    } catch (const edt::FormatError&) {
    }
    try {
      edt::VocabData::read_from(f);
    } catch (const edt::FormatError&) {
    }
  } catch (const edt::FormatError&) {
  }
  return 0;
}
