// libFuzzer: arbitrary bytes as a Hugging Face config.json.
#include <cstddef>
#include <cstdint>
#include <string>

#include "weights/error.h"
#include "weights/model_hparams.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    edt::parse_hf_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz-config.json");
  } catch (const edt::FormatError&) {
  }
  return 0;
}
