#pragma once
// Shared helpers for the test suite: where the vendored data lives, loading converted models, comparing logits.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/isa.h"
#include "engine/model.h"
#include "convert/converter.h"
#include "weights/quant/quant_types.h"
#include "weights/tensor_type.h"

namespace edt::test {

inline std::string data_path(const std::string& rel) { return std::string(EDT_TEST_DATA) + "/" + rel; }
inline std::string models_path(const std::string& rel) { return std::string(EDT_MODELS_DIR) + "/" + rel; }
// A vendored llama-quantize file (interop/kquant/) and an architecture's reference folder (arch/).
inline std::string kquant_path(const std::string& name) { return data_path("interop/kquant/" + name); }
inline std::string arch_dir(const std::string& family) { return data_path("arch/" + family); }

// The whole file as bytes ("" when it cannot be read: the test's own expectation then fails on the content).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Converts a checkpoint in memory and loads the result.
inline std::shared_ptr<Model> convert_and_load(const std::string& input, std::optional<GgmlType> type = std::nullopt) {
  ConvertOptions opt;
  opt.out_type = type;
  Conversion c = convert_checkpoint(input, opt);
  return Model::from_bytes(c.writer.write_to_memory(), input);
}

// ||a - b|| / ||b|| over n values, in double.
inline double rel_l2(const float* a, const float* b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    num += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    den += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

inline size_t argmax(const float* x, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (x[i] > x[best]) best = i;
  return best;
}

// The gap between the two largest values: where it exceeds twice the largest logit error, the argmax must agree.
inline double top_two_margin(const float* x, size_t n) {
  float a = -INFINITY, b = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] > a) {
      b = a;
      a = x[i];
    } else if (x[i] > b) {
      b = x[i];
    }
  }
  return static_cast<double>(a) - b;
}

inline double max_abs_diff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// rows x cols floats (row-major) quantized row by row into `type`: rows · ggml_row_bytes(type, cols) bytes.
inline std::vector<uint8_t> quantized_rows(GgmlType type, const std::vector<float>& values, size_t rows, size_t cols) {
  const size_t rb = *ggml_row_bytes(type, cols);
  std::vector<uint8_t> out(rows * rb);  // (rows, rb)
  for (size_t r = 0; r < rows; ++r) quantize_row(type, &values[r * cols], &out[r * rb], cols);
  return out;
}

// The levels a test should cover: every level up to the process's (EDT_ISA lowers it), Scalar first.
inline std::vector<Isa> isa_levels() {
  std::vector<Isa> levels;
  for (Isa isa : kAllIsas)
    if (isa <= process_isa()) levels.push_back(isa);
  return levels;
}

}  // namespace edt::test
