#pragma once
// A pre-tokenizer regex over UTF-8 text, backed by PCRE2 in UTF + UCP mode (so \p{L}, \p{N} and \s follow the
// Unicode tables for every code point) with its JIT. Invalid UTF-8 never matches and is returned as its own gap,
// which byte-level BPE then encodes byte by byte, as the reference does for any bytes.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace edt {

class UnicodeRegex {
 public:
  explicit UnicodeRegex(const std::string& pattern);  // throws FormatError naming the pattern on a compile error
  ~UnicodeRegex();
  UnicodeRegex(const UnicodeRegex&) = delete;
  UnicodeRegex& operator=(const UnicodeRegex&) = delete;

  // Splits text into the matches and the gaps between them (Hugging Face's Split with behaviour "Isolated"), in
  // order, appending views into text to out. Thread-safe: match data is per call.
  void split(std::string_view text, std::vector<std::string_view>& out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edt
