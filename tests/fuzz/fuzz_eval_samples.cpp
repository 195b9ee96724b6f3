// libFuzzer: arbitrary bytes as an `edt eval --load-samples` file, then scoring what was parsed. Only FormatError
// may escape; any other exception or crash is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "eval/sample_store.h"
#include "weights/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const edt::SampleStore st = edt::parse_samples(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    for (const edt::EvalRun& run : st.runs) edt::score_run(run, st.passages, st.generated_tokens);
  } catch (const edt::FormatError&) {
  }
  return 0;
}
