#include "weights/quantize_gguf.h"

#include <algorithm>
#include <cstring>
#include <thread>

#include "weights/error.h"
#include "weights/quant/block_check.h"
#include "weights/quant/quant_types.h"

namespace edt {
namespace {

uint32_t arch_uint(const GgufFile& file, const std::string& arch, const std::string& key, uint32_t fallback) {
  const auto v = file.get_uint(arch + "." + key);
  return v ? static_cast<uint32_t>(*v) : fallback;
}

// Runs body(first_row, end_row) over [0, rows) split into n_threads contiguous ranges.
void parallel_rows(uint64_t rows, int n_threads, const std::function<void(uint64_t, uint64_t)>& body) {
  const uint64_t n = std::max<uint64_t>(1, std::min<uint64_t>(static_cast<uint64_t>(std::max(1, n_threads)), rows));
  if (n == 1) {
    body(0, rows);
    return;
  }
  std::vector<std::thread> workers;
  for (uint64_t t = 0; t < n; ++t) workers.emplace_back(body, rows * t / n, rows * (t + 1) / n);
  for (auto& w : workers) w.join();
}

}  // namespace

void quantize_rows_parallel(GgmlType type, const float* src, uint8_t* dst, uint64_t rows, uint64_t cols, int n_threads) {
  const uint64_t row_bytes = *ggml_row_bytes(type, cols);
  parallel_rows(rows, n_threads, [&](uint64_t r0, uint64_t r1) {
    for (uint64_t r = r0; r < r1; ++r) quantize_row(type, src + r * cols, dst + r * row_bytes, cols);
  });
}

std::vector<TensorPlan> plan_quantization(const GgufFile& file, const QuantPreset& preset, bool pure) {
  const std::string arch = file.get_string("general.architecture").value_or("llama");
  TensorTypeChooser::ModelFacts facts;
  facts.n_layer = arch_uint(file, arch, "block_count", 0);
  facts.n_head = arch_uint(file, arch, "attention.head_count", 1);
  facts.n_head_kv = arch_uint(file, arch, "attention.head_count_kv", facts.n_head);
  for (const GgufTensorInfo& t : file.tensors) {
    if (t.name.find("attn_v.weight") != std::string::npos) ++facts.n_attention_v;
    if (t.name == "output.weight") facts.has_output = true;
  }
  TensorTypeChooser chooser(preset, facts, pure);
  std::vector<TensorPlan> plan;
  for (const GgufTensorInfo& t : file.tensors) {
    TensorPlan p{t.name, t.type, t.type, false};
    p.to = chooser.choose(t.name, t.dims, t.type, &p.fallback);
    plan.push_back(p);
  }
  return plan;
}

QuantizeJob quantize_gguf(const GgufFile& file, const QuantPreset& preset, const QuantizeOptions& options) {
  QuantizeJob job;
  job.plan = plan_quantization(file, preset, options.pure);
  for (const auto& [key, value] : file.metadata) job.writer.set(key, value);
  if (file.alignment != kGgufDefaultAlignment) job.writer.set_alignment(static_cast<uint32_t>(file.alignment));
  job.writer.set_u32("general.quantization_version", 2);
  job.writer.set_u32("general.file_type", preset.file_type);
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    const GgufTensorInfo* t = &file.tensors[i];
    const TensorPlan& p = job.plan[i];
    if (p.to == t->type) {
      job.writer.add_tensor_bytes(t->name, t->type, t->dims, std::span<const uint8_t>(t->data, t->n_bytes));
      continue;
    }
    if (!ggml_type_readable(t->type))
      throw FormatError(file.source + ": tensor '" + t->name + "' has type " +
                        ggml_type_name(static_cast<uint32_t>(t->type)) + ", which edt cannot read");
    const uint64_t cols = t->dims.empty() ? 1 : t->dims[0];
    if (!ggml_row_bytes(p.to, cols))
      throw FormatError(file.source + ": tensor '" + t->name + "' has rows of " + std::to_string(cols) +
                        ", not a whole number of " + ggml_traits(p.to).name + " blocks");
    const GgmlType to = p.to;
    const int n_threads = options.n_threads;
    auto warnings = job.warnings;
    const std::string source = file.source;
    job.writer.add_tensor(t->name, to, t->dims, [t, to, cols, n_threads, warnings, source](uint8_t* dst) {
      const uint64_t bad = count_nonfinite_blocks(t->type, t->data, t->n_bytes);
      if (bad)
        warnings->push_back(source + ": tensor '" + t->name + "' has " + std::to_string(bad) + " " +
                            ggml_traits(t->type).name + " blocks with NaN/Inf values or scales; they stay NaN/Inf in " +
                            ggml_traits(to).name);
      const uint64_t rows = t->rows();
      const uint64_t in_row_bytes = *ggml_row_bytes(t->type, cols);
      const uint64_t out_row_bytes = *ggml_row_bytes(to, cols);
      parallel_rows(rows, n_threads, [&](uint64_t r0, uint64_t r1) {
        std::vector<float> row(cols);  // (cols) one row in f32
        for (uint64_t r = r0; r < r1; ++r) {
          dequantize_row(t->type, t->data + r * in_row_bytes, row.data(), cols);
          quantize_row(to, row.data(), dst + r * out_row_bytes, cols);
        }
      });
    });
  }
  return job;
}

}  // namespace edt
