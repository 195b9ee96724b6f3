#include "tokenizer/unicode_nfc.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

#include "weights/error.h"

namespace edt {
namespace {

const UNormalizer2* nfc_instance() {
  static const UNormalizer2* n = [] {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2* inst = unorm2_getNFCInstance(&status);
    if (U_FAILURE(status)) throw FormatError(std::string("ICU NFC normalizer unavailable: ") + u_errorName(status));
    return inst;
  }();
  return n;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when the byte there does not start one.
size_t valid_utf8_at(std::string_view s, size_t i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) { len = 2; cp = b0 & 0x1F; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) { len = 3; cp = b0 & 0x0F; }
  else if (b0 >= 0xF0 && b0 <= 0xF4) { len = 4; cp = b0 & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong, surrogate
  return len;
}

void normalize_valid(std::string_view run, std::string& out) {
  bool ascii = true;
  for (char c : run) ascii = ascii && static_cast<uint8_t>(c) < 0x80;
  if (ascii) {  // ASCII is always NFC
    out.append(run);
    return;
  }
  UErrorCode status = U_ZERO_ERROR;
  int32_t n16 = 0;
  u_strFromUTF8(nullptr, 0, &n16, run.data(), static_cast<int32_t>(run.size()), &status);
  status = U_ZERO_ERROR;
  std::vector<UChar> src(static_cast<size_t>(n16));  // (UTF-16 units) the run
  u_strFromUTF8(src.data(), n16, nullptr, run.data(), static_cast<int32_t>(run.size()), &status);
  if (U_FAILURE(status)) throw FormatError(std::string("NFC: UTF-8 to UTF-16 failed: ") + u_errorName(status));
  const UNormalizer2* nfc = nfc_instance();
  int32_t n_norm = unorm2_normalize(nfc, src.data(), n16, nullptr, 0, &status);
  status = U_ZERO_ERROR;
  std::vector<UChar> norm(static_cast<size_t>(n_norm));  // (UTF-16 units) normalized run
  unorm2_normalize(nfc, src.data(), n16, norm.data(), n_norm, &status);
  if (U_FAILURE(status)) throw FormatError(std::string("NFC normalization failed: ") + u_errorName(status));
  int32_t n8 = 0;
  u_strToUTF8(nullptr, 0, &n8, norm.data(), n_norm, &status);
  status = U_ZERO_ERROR;
  const size_t at = out.size();
  out.resize(at + static_cast<size_t>(n8));
  u_strToUTF8(out.data() + at, n8, nullptr, norm.data(), n_norm, &status);
  if (U_FAILURE(status)) throw FormatError(std::string("NFC: UTF-16 to UTF-8 failed: ") + u_errorName(status));
}

}  // namespace

std::string nfc_normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t run_start = 0, i = 0;
  while (i < text.size()) {
    const size_t len = valid_utf8_at(text, i);
    if (len) {
      i += len;
      continue;
    }
    normalize_valid(text.substr(run_start, i - run_start), out);
    out += text[i];  // an invalid byte stays as it is
    run_start = ++i;
  }
  normalize_valid(text.substr(run_start), out);
  return out;
}

}  // namespace edt
