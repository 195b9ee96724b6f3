#pragma once
// `edt quantize`'s engine: a GGUF model in any readable types -> the same model with each tensor in the type a
// preset's rules pick (weights/quant_presets.h), metadata copied, tensor order kept (llama.cpp reads the result).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weights/gguf.h"
#include "weights/gguf_writer.h"
#include "weights/quant_presets.h"

namespace edt {

struct QuantizeOptions {
  bool pure = false;  // no per-tensor rules (llama-quantize --pure)
  int n_threads = 1;  // rows of one tensor are split among this many threads
};

struct TensorPlan {
  std::string name;
  GgmlType from = GgmlType::F32;
  GgmlType to = GgmlType::F32;
  bool fallback = false;  // `to` replaces the rule's type because rows are not whole blocks of it
};

struct QuantizeJob {
  GgufWriter writer;             // producers read the input file's tensor data, which must outlive the writer
  std::vector<TensorPlan> plan;  // one entry per tensor, in file order
  // Filled when the producers run: "tensor 'x': 3 blocks have NaN/Inf scales".
  std::shared_ptr<std::vector<std::string>> warnings = std::make_shared<std::vector<std::string>>();
};

// The rules' choice for every tensor of file, without converting anything.
std::vector<TensorPlan> plan_quantization(const GgufFile& file, const QuantPreset& preset, bool pure);

// Throws FormatError naming the tensor when a tensor's type cannot be read or its rows do not fit any type.
QuantizeJob quantize_gguf(const GgufFile& file, const QuantPreset& preset, const QuantizeOptions& options);

// Quantizes rows of a (rows, cols) f32 matrix into dst (rows * row_bytes bytes) on n_threads threads.
void quantize_rows_parallel(GgmlType type, const float* src, uint8_t* dst, uint64_t rows, uint64_t cols, int n_threads);

}  // namespace edt
