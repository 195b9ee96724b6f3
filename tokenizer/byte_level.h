#pragma once
// GPT-2's byte-level alphabet: every byte is spelled as one printable Unicode character, so byte-level BPE
// vocabularies hold only printable text. Printable ASCII and Latin-1 map to themselves; the other 68 bytes map to
// U+0100 upwards in byte order.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace edt {

class ByteLevelAlphabet {
 public:
  ByteLevelAlphabet();
  const std::string& encode(uint8_t byte) const { return to_text_[byte]; }  // UTF-8 of the byte's character
  // The byte a character (code point) stands for, or -1 when it is not in the alphabet.
  int decode(uint32_t code_point) const { return code_point < from_cp_.size() ? from_cp_[code_point] : -1; }

 private:
  std::array<std::string, 256> to_text_;
  std::array<int16_t, 324> from_cp_;  // code points 0..323 cover the whole alphabet
};

const ByteLevelAlphabet& byte_level_alphabet();

// Appends the UTF-8 encoding of a code point.
void append_utf8(std::string& out, uint32_t cp);
// Length of the UTF-8 sequence starting with this byte (1 for invalid lead bytes, so scanning always advances).
inline size_t utf8_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) == 0xc0) return 2;
  if ((lead & 0xf0) == 0xe0) return 3;
  if ((lead & 0xf8) == 0xf0) return 4;
  return 1;
}

// Length of the valid UTF-8 character at s[i..]: 0 when it is incomplete (runs past the end), -1 when invalid
// (bad lead or continuation byte, overlong form, surrogate, beyond U+10FFFF).
int utf8_valid_length(std::string_view s, size_t i);

}  // namespace edt
