#pragma once
// The model's hyperparameters read from GGUF keys (llama.cpp's names for architecture `llama`), with llama.cpp's
// defaults where a key may be absent, and validated before anything is sized from them.
#include "weights/gguf.h"
#include "weights/llama_hparams.h"

namespace edt {

// n_vocab comes from the embedding tensor when `llama.vocab_size` is absent (llama.cpp's own files omit it).
LlamaHParams read_model_config(const GgufFile& file);

}  // namespace edt
