#pragma once
// The tokenizer a loaded model carries in its GGUF keys, checked against the model: a vocabulary with more tokens
// than the embedding has rows would produce ids the forward pass cannot look up.
#include <memory>

#include "engine/model.h"
#include "tokenizer/tokenizer.h"

namespace edt {

// Throws FormatError naming the file when the model has no tokenizer or it does not fit the embedding.
std::unique_ptr<Tokenizer> tokenizer_of(const Model& model);

}  // namespace edt
