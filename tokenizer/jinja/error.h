#pragma once
// The one error a chat template can produce. A template is untrusted input from a downloaded file, so every way
// it can fail (bad syntax, a type error, runaway work, the template's own raise_exception) ends up here, as a
// FormatError the tools print as one line.
#include <string>

#include "weights/error.h"

namespace edt::jinja {

struct SourcePos {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

enum class TemplateErrorKind {
  Syntax,     // the template does not parse
  Runtime,    // evaluation failed: undefined value, wrong type, unknown filter, ...
  Limit,      // the sandbox stopped runaway work (loops, output, recursion, huge ranges)
  Raised,     // the template called raise_exception(message)
};

class TemplateError : public FormatError {
 public:
  TemplateError(TemplateErrorKind kind, const std::string& message, SourcePos pos, bool has_pos = true)
      : FormatError(format(kind, message, pos, has_pos)), kind_(kind), message_(message), pos_(pos) {}

  TemplateErrorKind kind() const { return kind_; }
  // The message without the location; for Raised it is exactly the template's own text.
  const std::string& message() const { return message_; }
  SourcePos pos() const { return pos_; }

 private:
  static std::string format(TemplateErrorKind kind, const std::string& message, SourcePos pos, bool has_pos) {
    if (kind == TemplateErrorKind::Raised) return "chat template raised an exception: " + message;
    std::string where = has_pos ? " at line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column)
                                : std::string();
    const char* what = kind == TemplateErrorKind::Syntax ? "syntax error"
                       : kind == TemplateErrorKind::Limit ? "stopped"
                                                          : "error";
    return std::string("chat template ") + what + where + ": " + message;
  }

  TemplateErrorKind kind_;
  std::string message_;
  SourcePos pos_;
};

}  // namespace edt::jinja
