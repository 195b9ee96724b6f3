#pragma once
// Template text -> tokens, with the whitespace rules transformers renders with: trim_blocks (the first newline
// after a block or comment tag is dropped), lstrip_blocks (spaces and tabs before a block or comment tag at the
// start of its line are dropped), the "-" markers that strip all whitespace on their side, the "+" markers that
// turn the two options off for one tag, and keep_trailing_newline off (one final newline of the template goes).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/jinja/error.h"

namespace edt::jinja {

enum class TokenKind {
  Text,       // template data, already whitespace-processed
  ExprBegin,  // {{
  ExprEnd,    // }}
  StmtBegin,  // {%
  StmtEnd,    // %}
  Name,
  String,     // text holds the decoded literal
  Int,
  Float,
  Op,         // text holds the operator: + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
  End,
};

struct Token {
  TokenKind kind;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0;
  SourcePos pos;
};

// Throws TemplateError (Syntax) naming the line and column of an unclosed tag, comment or string, or of a
// character that cannot start a token.
std::vector<Token> lex_template(std::string_view source);

}  // namespace edt::jinja
