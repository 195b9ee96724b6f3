#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/unicode_regex.h"

#include <pcre2.h>

#include "weights/error.h"

namespace edt {

struct UnicodeRegex::Impl {
  pcre2_code* code = nullptr;
};

UnicodeRegex::UnicodeRegex(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(error, msg, sizeof msg);
    throw FormatError("pre-tokenizer regex '" + pattern + "' does not compile at offset " + std::to_string(offset) +
                      ": " + reinterpret_cast<const char*>(msg));
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when JIT is unavailable
}

UnicodeRegex::~UnicodeRegex() {
  if (impl_ && impl_->code) pcre2_code_free(impl_->code);
}

void UnicodeRegex::split(std::string_view text, std::vector<std::string_view>& out) const {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0, gap_start = 0;
  while (pos < text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), pos, 0, md, nullptr);
    if (rc < 0) break;  // no further match: the rest is a gap
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const size_t start = ov[0], end = ov[1];
    if (start > gap_start) out.push_back(text.substr(gap_start, start - gap_start));
    if (end == start) {  // an empty match: step over one byte so the loop advances
      pos = end + 1;
      gap_start = start;
      continue;
    }
    out.push_back(text.substr(start, end - start));
    pos = gap_start = end;
  }
  if (gap_start < text.size()) out.push_back(text.substr(gap_start));
  pcre2_match_data_free(md);
}

}  // namespace edt
