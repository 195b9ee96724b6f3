// libFuzzer: arbitrary bytes as a GGUF file, then everything the engine reads from a parsed file (model config,
// tokenizer vocabulary), the quantize rules over its tensor names and shapes, and the reference dequantizers and
// scale checks over its tensor data in every type. Only FormatError may escape the parsers; any other exception
// or crash is a finding.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/model_config.h"
#include "tokenizer/vocab_data.h"
#include "weights/error.h"
#include "weights/gguf.h"
#include "weights/quant/block_check.h"
#include "weights/quant/quant_types.h"
#include "weights/quantize_gguf.h"

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
    try {
      edt::plan_quantization(f, *edt::find_quant_preset("Q4_K_M"), false);
    } catch (const edt::FormatError&) {
    }
    // The parser guarantees each tensor's bytes are in the file and rows are whole blocks; dequantize the first
    // rows of each readable tensor (bounded, so a huge declared shape stays fast).
    std::vector<float> row;  // (row length) one dequantized row
    for (const edt::GgufTensorInfo& t : f.tensors) {
      edt::count_nonfinite_blocks(t.type, t.data, t.n_bytes);
      if (!edt::ggml_type_readable(t.type) || t.dims.empty() || t.dims[0] == 0 || t.dims[0] > (1u << 16)) continue;
      const uint64_t row_bytes = *edt::ggml_row_bytes(t.type, t.dims[0]);
      row.resize(t.dims[0]);
      for (uint64_t r = 0; r < t.rows() && r < 4; ++r) edt::dequantize_row(t.type, t.data + r * row_bytes, row.data(), t.dims[0]);
    }
  } catch (const edt::FormatError&) {
  }
  return 0;
}
