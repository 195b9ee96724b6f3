#pragma once
// A request the engine cannot carry out on a model that loaded fine: tokens past the context, a token id outside
// the vocabulary, an empty prompt, a text too short for a perplexity window. Distinct from FormatError (a bad
// file) and UsageError (a bad flag), so a server can answer it as the client's mistake and keep serving.
#include <stdexcept>

namespace edt {

class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace edt
