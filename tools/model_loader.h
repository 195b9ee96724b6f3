#pragma once
// What the tools accept for -m: a GGUF file, or a checkpoint (Hugging Face folder, llama2.c .bin) converted in
// memory with its own float type, so a user with a downloaded checkpoint needs no separate convert step.
#include <memory>
#include <string>

#include "engine/model.h"
#include "engine/model_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace edt {

std::shared_ptr<Model> load_model_any(const std::string& path);

// A GGUF file with every tensor expanded to F32 by the reference dequantizers: exact, slow and 4 bytes per weight,
// for measuring a quantized file's quality with the F32 path (`--dequantize`).
std::shared_ptr<Model> load_model_dequantized(const std::string& path);

// The tokenizer a model carries: from a GGUF file's tokenizer.ggml.* keys (weights are not bound, so vocab-only
// files work), or from the tokenizer files of a Hugging Face folder / beside a llama2.c checkpoint.
std::unique_ptr<Tokenizer> load_tokenizer_from_model(const std::string& path);


}  // namespace edt
