#pragma once
// The model's hyperparameters read from GGUF keys (llama.cpp's names, prefixed by general.architecture), with
// llama.cpp's defaults where a key may be absent, and validated before anything is sized from them.
#include "weights/architecture.h"
#include "weights/gguf.h"
#include "weights/model_hparams.h"

namespace edt {

// n_vocab comes from the embedding tensor when `<arch>.vocab_size` is absent (llama.cpp's own files omit it).
// Throws FormatError for an unknown architecture (listing the known ones) and for a Gemma-2 file whose attention
// scale llama.cpp's layer-count rule cannot give.
ModelHParams read_model_config(const GgufFile& file);

}  // namespace edt
