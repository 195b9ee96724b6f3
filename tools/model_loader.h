#pragma once
// What the tools accept for -m: a GGUF file, or a checkpoint (Hugging Face folder, llama2.c .bin) converted in
// memory with its own float type, so a user with a downloaded checkpoint needs no separate convert step.
#include <memory>
#include <string>

#include "engine/model.h"

namespace edt {

std::shared_ptr<Model> load_model_any(const std::string& path);

}  // namespace edt
