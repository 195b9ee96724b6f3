#include "engine/model_tokenizer.h"

#include "weights/error.h"

namespace edt {

std::unique_ptr<Tokenizer> tokenizer_of(const Model& model) {
  auto tok = Tokenizer::from_vocab(VocabData::read_from(model.gguf()));
  if (tok->n_vocab() > model.hparams().n_vocab)
    throw FormatError(model.source() + ": the tokenizer has " + std::to_string(tok->n_vocab()) +
                      " tokens but the embedding 'token_embd.weight' has " + std::to_string(model.hparams().n_vocab) +
                      " rows");
  return tok;
}

}  // namespace edt
