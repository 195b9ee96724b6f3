#pragma once
// Tokens -> Program. Jinja's grammar for the statements and expressions chat templates use; anything else
// (extends, include, import, recursive loops) is a syntax error that names it and its line and column.
#include <string_view>

#include "tokenizer/jinja/ast.h"

namespace edt::jinja {

// Nesting deeper than this (brackets, blocks) is refused: the parser and evaluator recurse on it.
inline constexpr int kMaxNestingDepth = 64;
// An expression tree taller than this is refused, however it was built (long chains like a.b.c... or 1+1+1...).
inline constexpr int kMaxExpressionHeight = 128;

Program parse_template(std::string_view source);

}  // namespace edt::jinja
