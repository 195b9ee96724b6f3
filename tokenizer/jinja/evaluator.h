#pragma once
// Walks a parsed Program and writes its output. Scoping follows Jinja: a for-loop body gets a fresh scope each
// iteration (a set inside it does not leak out, which is why templates use namespace()), if-blocks share their
// enclosing scope, macros run in a scope of their own under the one they were defined in.
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/limits.h"
#include "tokenizer/jinja/value.h"

namespace edt::jinja {

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> kwargs;
  SourcePos pos;
  std::string callee;  // for error messages: "filter 'join'", "range()", ...

  const Value* kwarg(const std::string& name) const;
  // Argument i by position, else by keyword name, else fallback (undefined when not given).
  Value get(size_t i, const std::string& name, Value fallback = Value()) const;
  // Throws when more positional arguments or unknown keywords were given than the callee takes.
  void check(size_t max_positional, std::initializer_list<const char*> keywords) const;
};

struct Scope {
  std::unordered_map<std::string, Value> vars;
  std::shared_ptr<Scope> parent;
};

// Rendered text and which of its bytes came from the passed data (see DataSpan).
struct RenderResult {
  std::string text;
  DataSpans data_spans;
};

struct RenderOptions {
  RenderLimits limits;
  std::optional<std::tm> now;  // what strftime_now() formats; the local time when unset
};

class Evaluator {
 public:
  explicit Evaluator(const RenderOptions& options) : options_(options) {}

  RenderResult render(const Program& program, const Dict& variables);

  // For filters, tests, methods and globals.
  [[noreturn]] void fail(SourcePos pos, const std::string& message) const;
  [[noreturn]] void fail_limit(SourcePos pos, const std::string& message) const;
  // Raises the error an undefined value carries ("'x' is undefined").
  [[noreturn]] void fail_undefined(SourcePos pos, const Value& undefined) const;
  void step(SourcePos pos);
  void check_size(size_t bytes, SourcePos pos) const;
  void check_items(size_t items, SourcePos pos) const;
  const RenderOptions& options() const { return options_; }
  SourcePos current_pos() const { return pos_; }

  // obj.name the way Jinja's sandbox resolves it: methods of str and dict, dict keys, namespace attributes.
  Value get_attr(const Value& obj, const std::string& name, SourcePos pos);
  // obj[key]: list/str elements, dict keys (falling back to attributes), as Jinja's getitem.
  Value get_item(const Value& obj, const Value& key, SourcePos pos);
  Value call(const Value& fn, CallArgs& args);
  bool run_test(const std::string& name, const Value& subject, CallArgs& args);
  Value run_filter(const std::string& name, const Value& subject, CallArgs& args);
  // Whether a filter's or method's inputs hold data: then so does its result.
  static bool inputs_hold_data(const Value& subject, const CallArgs& args);
  // The items a for loop (or list(), join, ...) walks: list items, dict keys, a string's characters.
  std::vector<Value> iterate(const Value& v, SourcePos pos);

 private:
  enum class Flow { Normal, Break, Continue };
  struct OutputCapture;

  Flow exec_body(const std::vector<NodePtr>& body);
  Flow exec(const Node& n);
  void exec_for(const Node& n);
  void exec_set(const Node& n);
  void define_macro(const Node& n);
  Value call_macro(const Node& macro, const std::weak_ptr<Scope>& defined_in, CallArgs& args,
                   const Value* caller);
  Value capture(const std::vector<NodePtr>& body);
  void write(const Value& v, SourcePos pos);

  Value eval(const Expr& e);
  Value eval_call(const Expr& e);
  Value call_and_check(const Expr& call, CallArgs& args);
  Value eval_filter(const Expr& e, const Value* block_subject);
  CallArgs eval_args(const Expr& e, size_t first_positional, const std::string& callee);
  Value lookup(const std::string& name, SourcePos pos) const;
  void assign(const std::string& name, Value v) { scope_->vars[name] = std::move(v); }

  const RenderOptions& options_;
  std::shared_ptr<Scope> scope_;
  std::unordered_map<std::string, Value> globals_;
  RenderResult* out_ = nullptr;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  SourcePos pos_;
};

}  // namespace edt::jinja
