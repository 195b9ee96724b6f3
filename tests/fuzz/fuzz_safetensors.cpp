// libFuzzer: arbitrary bytes as a safetensors file, and each parsed tensor read as float32.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "weights/error.h"
#include "weights/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const edt::SafetensorsTensor& t : edt::parse_safetensors({data, size}, "fuzz.safetensors")) {
      if (t.n_elements() > (1u << 20)) continue;
      std::vector<float> out(t.n_elements());
      try {
        edt::SafetensorsCheckpoint::read_f32(t, out.data());
      } catch (const edt::FormatError&) {
      }
    }
  } catch (const edt::FormatError&) {
  }
  return 0;
}
