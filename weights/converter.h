#pragma once
// Checkpoint -> GGUF: a Hugging Face folder (config.json, safetensors, tokenizer) or a llama2.c checkpoint with its
// tokenizer.bin, written with llama.cpp's keys and tensor names for architecture `llama`. The result is a writer
// whose tensor producers read the source lazily, so `edt convert` streams to disk and `edt run` can convert in
// memory without a separate step.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weights/gguf_writer.h"
#include "weights/llama_hparams.h"
#include "weights/quant_presets.h"
#include "weights/tensor_type.h"

namespace edt {

struct ConvertOptions {
  std::optional<GgmlType> out_type;  // nullopt: the source's own float type (F32, F16 or BF16); every matrix in it
  // A llama-quantize preset (Q4_K_M, ...): each matrix gets the type its rules pick, as `edt quantize` would give
  // the f32 conversion; overrides out_type. pure: every matrix in the preset's type (fallbacks where rows need).
  std::optional<QuantPreset> preset;
  bool pure = false;
  std::string llama2c_tokenizer;     // tokenizer.bin for a llama2.c checkpoint; empty: look beside it
  std::string name;                  // general.name; empty: the input's file or folder name
};

struct Conversion {
  GgufWriter writer;
  LlamaHParams hparams;
  GgmlType matrix_type = GgmlType::F32;  // what 2-D weights are written as (where their rows allow it)
  std::shared_ptr<TensorTypeChooser> chooser;  // set for a preset: picks each matrix's type
  std::vector<std::string> fallbacks;    // tensors written in another type because their rows do not fit blocks
  // Filled while the tensors are written (the producers run then): "tensor 'x' holds 3 NaN/Inf values".
  std::shared_ptr<std::vector<std::string>> warnings = std::make_shared<std::vector<std::string>>();
  std::vector<std::shared_ptr<const void>> sources;  // keeps the mapped inputs alive for the producers
};

// Writes the llama.* hyperparameter keys (and general.*) as llama.cpp names them.
void write_llama_hparams(GgufWriter& w, const LlamaHParams& hp, const std::string& name, GgmlType matrix_type);

// Detects the input kind: a folder is a Hugging Face checkpoint, a file a llama2.c checkpoint.
Conversion convert_checkpoint(const std::string& input, const ConvertOptions& options);

// Rows of a q or k projection in HF's rotate-half order -> GGUF's interleaved order (as llama.cpp's converter
// permutes them): new row h*hd + 2i + j takes old row h*hd + j*hd/2 + i. w: (rows, cols) row-major, in place.
void permute_rotate_half_to_interleaved(float* w, size_t rows, size_t cols, size_t n_head);

// llama3 RoPE frequency factors (rope_freqs.weight, head_dim/2 values) as llama.cpp stores them.
std::vector<float> llama3_rope_factors(const LlamaHParams& hp);

}  // namespace edt
