#pragma once
// A parsed Jinja template: parse once, render many times (thread-safe: rendering does not change it).
// Unknown filters and tests are reported when parsing, as Jinja's compiler does, with their line and column.
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/jinja/evaluator.h"
#include "tokenizer/jinja/value.h"

namespace edt::jinja {

struct Program;

class Template {
 public:
  // Throws TemplateError (Syntax) naming the line and column.
  static Template parse(std::string_view source);
  // Throws TemplateError (Runtime, Limit or Raised).
  std::string render(const Dict& variables, const RenderOptions& options = {}) const;
  // The same, with the byte ranges of the output that came from data strings (Value::data_string).
  RenderResult render_with_spans(const Dict& variables, const RenderOptions& options = {}) const;

 private:
  std::shared_ptr<const Program> program_;
};

}  // namespace edt::jinja
