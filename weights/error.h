#pragma once
// One typed error for everything that reads untrusted input: model files, checkpoints, configs, tokenizers and
// command-line values. The message names the file, the key or tensor, what was expected and what was found; tools
// catch it in main() and print it as one line.
#include <stdexcept>
#include <string>

namespace edt {

class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A command-line value that cannot be used (unknown flag, missing value, out-of-range number).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace edt
