#pragma once
// Turns a stream of token ids into text that is always whole UTF-8: a character split over several tokens (or over
// byte-fallback tokens) comes out once, complete. Bytes that can never form a character come out as U+FFFD, so the
// output is valid UTF-8 whatever the model generates.
#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.h"

namespace edt {

class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}

  // Adds a token; sets out to the text that became complete (often the whole piece, sometimes nothing).
  void push(int32_t id, std::string& out);
  // The end of the stream: any incomplete character left over, as U+FFFD.
  void finish(std::string& out);
  void reset() {
    pending_.clear();
    prev_id_ = -1;
  }

 private:
  const Tokenizer& tokenizer_;
  std::string pending_;  // bytes not yet emitted: at most an incomplete character
  int32_t prev_id_ = -1;
};

// Emits the complete, valid prefix of bytes into out (invalid bytes as U+FFFD) and keeps a trailing incomplete
// character in bytes. Exposed for tests.
void drain_utf8(std::string& bytes, std::string& out);

}  // namespace edt
