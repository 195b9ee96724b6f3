// Statement execution and expression evaluation. Every step counts against the limits, and nothing the
// template does can reach beyond the values it was given: names resolve to its own variables, the variables the
// engine passed and a fixed set of globals; attributes resolve to dict keys, namespace attributes and a fixed set
// of str and dict methods (builtins.h).
#include "tokenizer/jinja/evaluator.h"

#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/text_util.h"

namespace edt::jinja {

const Value* CallArgs::kwarg(const std::string& name) const {
  for (const auto& [k, v] : kwargs)
    if (k == name) return &v;
  return nullptr;
}

Value CallArgs::get(size_t i, const std::string& name, Value fallback) const {
  if (i < positional.size()) return positional[i];
  if (const Value* v = kwarg(name)) return *v;
  return fallback;
}

void CallArgs::check(size_t max_positional, std::initializer_list<const char*> keywords) const {
  if (positional.size() > max_positional)
    throw TemplateError(TemplateErrorKind::Runtime,
                        callee + " takes at most " + std::to_string(max_positional) + " positional argument" +
                            (max_positional == 1 ? "" : "s") + ", got " + std::to_string(positional.size()),
                        pos);
  for (const auto& [k, v] : kwargs) {
    bool known = false;
    for (const char* kw : keywords) known = known || k == kw;
    if (!known) throw TemplateError(TemplateErrorKind::Runtime, callee + " got an unexpected keyword argument '" + k + "'", pos);
  }
}

void Evaluator::fail(SourcePos pos, const std::string& message) const {
  throw TemplateError(TemplateErrorKind::Runtime, message, pos);
}

void Evaluator::fail_limit(SourcePos pos, const std::string& message) const {
  throw TemplateError(TemplateErrorKind::Limit, message, pos);
}

void Evaluator::fail_undefined(SourcePos pos, const Value& undefined) const { fail(pos, undefined.undefined_hint()); }

void Evaluator::step(SourcePos pos) {
  if (++steps_ > options_.limits.max_steps)
    fail_limit(pos, "the template ran more than " + std::to_string(options_.limits.max_steps) +
                        " steps (a runaway loop?)");
}

void Evaluator::check_size(size_t bytes, SourcePos pos) const {
  if (bytes > options_.limits.max_output_bytes)
    fail_limit(pos, "a string or the output would exceed " + std::to_string(options_.limits.max_output_bytes) +
                        " bytes");
}

void Evaluator::check_items(size_t items, SourcePos pos) const {
  if (items > options_.limits.max_list_items)
    fail_limit(pos, "a list would exceed " + std::to_string(options_.limits.max_list_items) + " items");
}

RenderResult Evaluator::render(const Program& program, const Dict& variables) {
  add_globals(globals_);
  auto root = std::make_shared<Scope>();
  for (const auto& [k, v] : variables.items()) root->vars[k] = v;
  // The template's own top-level variables live in a scope above the passed ones, as Jinja's context does.
  scope_ = std::make_shared<Scope>();
  scope_->parent = root;
  RenderResult out;
  out_ = &out;
  exec_body(program.body);
  out_ = nullptr;
  scope_.reset();
  return out;
}

void Evaluator::write(const Value& v, SourcePos pos) {
  const std::string text = v.is_string() ? std::string() : v.str();
  const std::string& s = v.is_string() ? v.as_string() : text;
  check_size(out_->text.size() + s.size(), pos);
  const size_t base = out_->text.size();
  out_->text.append(s);
  if (v.is_string()) {
    if (const DataSpans* spans = v.data_spans())
      for (const DataSpan& d : *spans) out_->data_spans.push_back({base + d.begin, base + d.end});
  } else if (!s.empty() && contains_data(v)) {
    out_->data_spans.push_back({base, base + s.size()});  // a printed list or dict holding data
  }
  // Adjacent spans merge, so the list stays short however many pieces a message is printed in.
  DataSpans& spans = out_->data_spans;
  while (spans.size() >= 2 && spans[spans.size() - 2].end == spans.back().begin) {
    spans[spans.size() - 2].end = spans.back().end;
    spans.pop_back();
  }
}

Value Evaluator::capture(const std::vector<NodePtr>& body) {
  RenderResult buffer;
  RenderResult* saved = out_;
  out_ = &buffer;
  try {
    exec_body(body);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return Value::string_with_spans(std::move(buffer.text), std::move(buffer.data_spans));
}

Evaluator::Flow Evaluator::exec_body(const std::vector<NodePtr>& body) {
  for (const NodePtr& n : body) {
    const Flow f = exec(*n);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Evaluator::Flow Evaluator::exec(const Node& n) {
  pos_ = n.pos;
  step(n.pos);
  switch (n.kind) {
    case NodeKind::Text: write(Value(n.text), n.pos); break;
    case NodeKind::Output: write(eval(*n.expr), n.pos); break;
    case NodeKind::If: return eval(*n.expr).truthy() ? exec_body(n.body) : exec_body(n.else_body);
    case NodeKind::For: exec_for(n); break;
    case NodeKind::Set: exec_set(n); break;
    case NodeKind::SetBlock: {
      Value v = capture(n.body);
      if (n.expr) v = eval_filter(*n.expr, &v);
      assign(n.targets[0], std::move(v));
      break;
    }
    case NodeKind::Macro: define_macro(n); break;
    case NodeKind::CallBlock: {
      // caller() renders the block's body in a scope that sees the caller's variables.
      std::weak_ptr<Scope> here = scope_;
      const Node* block = &n;
      Value caller = Value::function("caller", [block, here](Evaluator& ev, CallArgs& args) {
        return ev.call_macro(*block, here, args, nullptr);
      });
      const Expr& call = *n.expr;
      CallArgs args = eval_args(call, 1, "macro call");
      args.kwargs.emplace_back("caller", caller);
      write(call_and_check(call, args), n.pos);
      break;
    }
    case NodeKind::FilterBlock: {
      const Value body = capture(n.body);
      write(eval_filter(*n.expr, &body), n.pos);
      break;
    }
    case NodeKind::Break: return Flow::Break;
    case NodeKind::Continue: return Flow::Continue;
    case NodeKind::Generation: return exec_body(n.body);
  }
  return Flow::Normal;
}

Value Evaluator::call_and_check(const Expr& call, CallArgs& args) {
  const Value fn = eval(*call.args[0]);
  if (fn.is_undefined()) fail_undefined(call.pos, fn);
  return this->call(fn, args);
}

std::vector<Value> Evaluator::iterate(const Value& v, SourcePos pos) {
  std::vector<Value> items;
  switch (v.kind()) {
    case Kind::Undefined: break;  // Jinja's Undefined iterates as empty
    case Kind::List: items = v.as_list(); break;
    case Kind::Dict:
      for (const auto& [k, x] : v.as_dict().items()) items.emplace_back(k);
      break;
    case Kind::String: {
      const std::string& s = v.as_string();
      const std::vector<size_t> offsets = code_point_offsets(s);
      items.reserve(offsets.size() - 1);
      for (size_t i = 0; i + 1 < offsets.size(); ++i) {
        Value ch(s.substr(offsets[i], offsets[i + 1] - offsets[i]));
        items.push_back(v.has_data() ? mark_as_data(ch) : ch);
      }
      break;
    }
    default: fail(pos, std::string("'") + v.type_name() + "' object is not iterable");
  }
  return items;
}

void Evaluator::exec_for(const Node& n) {
  const Value iterable = eval(*n.expr);
  std::vector<Value> items = iterate(iterable, n.expr->pos);
  auto bind_targets = [&](Scope& scope, const Value& item) {
    if (n.targets.size() == 1) {
      scope.vars[n.targets[0]] = item;
      return;
    }
    std::vector<Value> parts = iterate(item, n.pos);
    if (parts.size() != n.targets.size())
      fail(n.pos, "cannot unpack " + std::to_string(parts.size()) + " values into " +
                      std::to_string(n.targets.size()) + " loop variables");
    for (size_t i = 0; i < parts.size(); ++i) scope.vars[n.targets[i]] = parts[i];
  };
  const std::shared_ptr<Scope> outer = scope_;
  if (n.expr2) {  // the loop filter runs before loop.index and loop.length are known
    std::vector<Value> kept;
    for (const Value& item : items) {
      step(n.pos);
      scope_ = std::make_shared<Scope>();
      scope_->parent = outer;
      try {
        bind_targets(*scope_, item);
        if (eval(*n.expr2).truthy()) kept.push_back(item);
      } catch (...) {
        scope_ = outer;
        throw;
      }
      scope_ = outer;
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    exec_body(n.else_body);
    return;
  }
  const auto length = static_cast<int64_t>(items.size());
  // One cycle() for the whole loop, reading the current index, so an iteration allocates no function.
  auto index = std::make_shared<int64_t>(0);
  const Value cycle = Value::function("loop.cycle", [index](Evaluator& ev, CallArgs& args) -> Value {
    if (args.positional.empty()) ev.fail(args.pos, "loop.cycle() needs at least one value");
    return args.positional[static_cast<size_t>(*index) % args.positional.size()];
  });
  for (int64_t i = 0; i < length; ++i) {
    step(n.pos);
    *index = i;
    scope_ = std::make_shared<Scope>();
    scope_->parent = outer;
    Flow flow;
    try {
      bind_targets(*scope_, items[static_cast<size_t>(i)]);
      Dict loop;
      loop.append_new("index0", Value(i));
      loop.append_new("index", Value(i + 1));
      loop.append_new("revindex0", Value(length - i - 1));
      loop.append_new("revindex", Value(length - i));
      loop.append_new("first", Value(i == 0));
      loop.append_new("last", Value(i == length - 1));
      loop.append_new("length", Value(length));
      loop.append_new("depth", Value(1));
      loop.append_new("depth0", Value(0));
      if (i > 0) loop.append_new("previtem", items[static_cast<size_t>(i - 1)]);
      if (i + 1 < length) loop.append_new("nextitem", items[static_cast<size_t>(i + 1)]);
      loop.append_new("cycle", cycle);
      scope_->vars["loop"] = Value(std::move(loop));
      flow = exec_body(n.body);
    } catch (...) {
      scope_ = outer;
      throw;
    }
    scope_ = outer;
    if (flow == Flow::Break) break;
  }
}

void Evaluator::exec_set(const Node& n) {
  Value v = eval(*n.expr);
  if (!n.attr.empty()) {
    const Value target = lookup(n.targets[0], n.pos);
    if (target.kind() != Kind::Namespace)
      fail(n.pos, "cannot assign attribute '" + n.attr + "' on '" + n.targets[0] +
                      "': only a namespace() object has assignable attributes");
    if (contains_namespace(v))
      fail(n.pos, "a namespace cannot be stored in a namespace attribute");
    target.namespace_attrs().set(n.attr, std::move(v));
    return;
  }
  if (n.targets.size() == 1) {
    assign(n.targets[0], std::move(v));
    return;
  }
  std::vector<Value> parts = iterate(v, n.pos);
  if (parts.size() != n.targets.size())
    fail(n.pos, "cannot unpack " + std::to_string(parts.size()) + " values into " + std::to_string(n.targets.size()) +
                    " variables");
  for (size_t i = 0; i < parts.size(); ++i) assign(n.targets[i], parts[i]);
}

void Evaluator::define_macro(const Node& n) {
  // The macro keeps only a weak reference to the scope it was defined in: a scope holding the macro would
  // otherwise own itself.
  std::weak_ptr<Scope> defined_in = scope_;
  const Node* macro = &n;
  assign(n.text, Value::function(n.text, [macro, defined_in](Evaluator& ev, CallArgs& args) {
    return ev.call_macro(*macro, defined_in, args, nullptr);
  }));
}

Value Evaluator::call_macro(const Node& macro, const std::weak_ptr<Scope>& defined_in, CallArgs& args, const Value*) {
  const std::shared_ptr<Scope> parent = defined_in.lock();
  const std::string name = macro.kind == NodeKind::Macro ? "macro '" + macro.text + "'" : "caller()";
  if (!parent) fail(args.pos, name + " was called after the block that defined it ended");
  if (call_depth_ >= options_.limits.max_call_depth)
    fail_limit(args.pos, "macro calls nested more than " + std::to_string(options_.limits.max_call_depth) +
                             " deep (infinite recursion?)");
  if (args.positional.size() > macro.targets.size())
    fail(args.pos, name + " takes " + std::to_string(macro.targets.size()) + " arguments, got " +
                       std::to_string(args.positional.size()));
  const std::shared_ptr<Scope> saved = scope_;
  RenderResult* saved_out = out_;
  scope_ = std::make_shared<Scope>();
  scope_->parent = parent;
  ++call_depth_;
  RenderResult buffer;
  out_ = &buffer;
  try {
    for (const auto& [k, v] : args.kwargs) {
      bool known = k == "caller";
      for (const std::string& p : macro.targets) known = known || p == k;
      if (!known) fail(args.pos, name + " got an unexpected keyword argument '" + k + "'");
      scope_->vars[k] = v;
    }
    for (size_t i = 0; i < macro.targets.size(); ++i) {
      const std::string& p = macro.targets[i];
      if (i < args.positional.size()) {
        scope_->vars[p] = args.positional[i];
      } else if (!args.kwarg(p)) {
        scope_->vars[p] = macro.defaults[i] ? eval(*macro.defaults[i])
                                            : Value::undefined("parameter '" + p + "' of " + name + " was not given");
      }
    }
    exec_body(macro.body);
  } catch (...) {
    scope_ = saved;
    out_ = saved_out;
    --call_depth_;
    throw;
  }
  scope_ = saved;
  out_ = saved_out;
  --call_depth_;
  return Value::string_with_spans(std::move(buffer.text), std::move(buffer.data_spans));
}

Value Evaluator::lookup(const std::string& name, SourcePos) const {
  for (const Scope* s = scope_.get(); s; s = s->parent.get()) {
    auto it = s->vars.find(name);
    if (it != s->vars.end()) return it->second;
  }
  auto it = globals_.find(name);
  if (it != globals_.end()) return it->second;
  return Value::undefined("'" + name + "' is undefined");
}

Value Evaluator::call(const Value& fn, CallArgs& args) {
  if (fn.kind() != Kind::Function) {
    if (fn.is_undefined()) fail_undefined(args.pos, fn);
    fail(args.pos, std::string("'") + fn.type_name() + "' object is not callable");
  }
  step(args.pos);
  if (args.callee.empty()) args.callee = fn.function_name() + "()";
  return fn.as_function()(*this, args);
}

CallArgs Evaluator::eval_args(const Expr& e, size_t first_positional, const std::string& callee) {
  CallArgs args;
  args.pos = e.pos;
  args.callee = callee;
  for (size_t i = first_positional; i < e.args.size(); ++i) args.positional.push_back(eval(*e.args[i]));
  for (size_t i = 0; i < e.kwargs.size(); ++i) args.kwargs.emplace_back(e.kwarg_names[i], eval(*e.kwargs[i]));
  return args;
}

Value Evaluator::eval_call(const Expr& e) {
  const Value fn = eval(*e.args[0]);
  CallArgs args = eval_args(e, 1, "");
  return call(fn, args);
}

bool Evaluator::run_test(const std::string& name, const Value& subject, CallArgs& args) {
  const TestFn* test = find_test(name);
  if (!test) fail(args.pos, "no test named '" + name + "'");
  if (args.callee.empty()) args.callee = "test '" + name + "'";
  return (*test)(*this, subject, args);
}

Value Evaluator::run_filter(const std::string& name, const Value& subject, CallArgs& args) {
  const FilterFn* filter = find_filter(name);
  if (!filter) fail(args.pos, "no filter named '" + name + "'");
  if (args.callee.empty()) args.callee = "filter '" + name + "'";
  Value result = (*filter)(*this, subject, args);
  return inputs_hold_data(subject, args) ? mark_as_data(result) : result;
}

Value Evaluator::eval_filter(const Expr& e, const Value* block_subject) {
  const Value subject = e.args[0] ? eval(*e.args[0]) : block_subject ? *block_subject : Value();
  CallArgs args = eval_args(e, 1, "filter '" + e.name + "'");
  return run_filter(e.name, subject, args);
}

bool Evaluator::inputs_hold_data(const Value& subject, const CallArgs& args) {
  if (contains_data(subject)) return true;
  for (const Value& v : args.positional)
    if (contains_data(v)) return true;
  for (const auto& [k, v] : args.kwargs)
    if (contains_data(v)) return true;
  return false;
}

Value Evaluator::get_attr(const Value& obj, const std::string& name, SourcePos pos) {
  switch (obj.kind()) {
    case Kind::Undefined: fail_undefined(pos, obj);
    case Kind::Namespace: {
      if (const Value* v = obj.namespace_attrs().find(name)) return *v;
      return Value::undefined("'Namespace object' has no attribute '" + name + "'");
    }
    case Kind::Dict: {
      // Jinja's getattr looks for a method first, then a key.
      Value m = find_method(obj, name);
      if (!m.is_undefined()) return m;
      if (const Value* v = obj.as_dict().find(name)) return *v;
      return Value::undefined("'dict object' has no attribute '" + name + "'");
    }
    case Kind::None: return Value::undefined("'None' has no attribute '" + name + "'");
    default: {
      Value m = find_method(obj, name);
      if (!m.is_undefined()) return m;
      return Value::undefined(std::string("'") + obj.type_name() + " object' has no attribute '" + name + "'");
    }
  }
}

Value Evaluator::get_item(const Value& obj, const Value& key, SourcePos pos) {
  switch (obj.kind()) {
    case Kind::Undefined: fail_undefined(pos, obj);
    case Kind::Dict:
    case Kind::Namespace:
      if (key.is_string()) {
        const Dict& d = obj.kind() == Kind::Dict ? obj.as_dict() : obj.namespace_attrs();
        if (const Value* v = d.find(key.as_string())) return *v;
        return get_attr(obj, key.as_string(), pos);
      }
      break;
    case Kind::List:
    case Kind::String:
      if (key.kind() == Kind::Int || key.kind() == Kind::Bool) {
        int64_t i = key.as_int();
        if (obj.kind() == Kind::List) {
          const auto n = static_cast<int64_t>(obj.as_list().size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return obj.as_list()[static_cast<size_t>(i)];
          return Value::undefined("list object has no element " + std::to_string(key.as_int()));
        }
        const std::vector<size_t> offsets = code_point_offsets(obj.as_string());
        const auto n = static_cast<int64_t>(offsets.size()) - 1;
        if (i < 0) i += n;
        if (i >= 0 && i < n) {
          const size_t a = offsets[static_cast<size_t>(i)], b = offsets[static_cast<size_t>(i) + 1];
          Value ch(obj.as_string().substr(a, b - a));
          return obj.has_data() ? mark_as_data(ch) : ch;
        }
        return Value::undefined("str object has no element " + std::to_string(key.as_int()));
      }
      if (key.is_string()) return get_attr(obj, key.as_string(), pos);
      break;
    case Kind::None: return Value::undefined("'None' has no attribute " + key.repr());
    default: break;
  }
  if (key.is_string()) return get_attr(obj, key.as_string(), pos);
  return Value::undefined(std::string(obj.type_name()) + " object has no element " + key.repr());
}

Value Evaluator::eval(const Expr& e) {
  step(e.pos);
  switch (e.kind) {
    case ExprKind::Literal: return e.literal;
    case ExprKind::Name: return lookup(e.name, e.pos);
    case ExprKind::List:
    case ExprKind::Tuple: {
      List items;
      for (const ExprPtr& a : e.args) items.push_back(eval(*a));
      return e.kind == ExprKind::Tuple ? Value::tuple(std::move(items)) : Value(std::move(items));
    }
    case ExprKind::Dict: {
      Dict d;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        const Value k = eval(*e.args[i]);
        if (!k.is_string()) fail(e.args[i]->pos, std::string("dict keys must be strings here, got ") + k.type_name());
        d.set(k.as_string(), eval(*e.args[i + 1]));
      }
      return Value(std::move(d));
    }
    case ExprKind::Attr: return get_attr(eval(*e.args[0]), e.name, e.pos);
    case ExprKind::Index: {
      const Value obj = eval(*e.args[0]);
      return get_item(obj, eval(*e.args[1]), e.pos);
    }
    case ExprKind::Slice: {
      const Value obj = eval(*e.args[0]);
      auto part = [&](size_t i) { return e.args[i] ? eval(*e.args[i]) : Value::none(); };
      const Value start = part(1), stop = part(2), stride = part(3);
      return slice_value(*this, obj, start, stop, stride, e.pos);
    }
    case ExprKind::Call: return eval_call(e);
    case ExprKind::Filter: return eval_filter(e, nullptr);
    case ExprKind::Test: {
      const Value subject = eval(*e.args[0]);
      CallArgs args = eval_args(e, 1, "test '" + e.name + "'");
      return Value(run_test(e.name, subject, args) != e.negated);
    }
    case ExprKind::Unary: {
      const Value a = eval(*e.args[0]);
      if (e.name == "not") return Value(!a.truthy());
      return unary_op(*this, e.name, a, e.pos);
    }
    case ExprKind::Binary: {
      const Value a = eval(*e.args[0]);
      const Value b = eval(*e.args[1]);
      return binary_op(*this, e.name, a, b, e.pos);
    }
    case ExprKind::Compare: {
      Value left = eval(*e.args[0]);
      for (size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.args[i + 1]);
        if (!compare_op(*this, e.ops[i], left, right, e.pos)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case ExprKind::And: {
      Value a = eval(*e.args[0]);
      return a.truthy() ? eval(*e.args[1]) : a;
    }
    case ExprKind::Or: {
      Value a = eval(*e.args[0]);
      return a.truthy() ? a : eval(*e.args[1]);
    }
    case ExprKind::CondExpr:
      if (eval(*e.args[1]).truthy()) return eval(*e.args[0]);
      return e.args[2] ? eval(*e.args[2]) : Value::undefined("the inline if has no else branch");
  }
  return Value();
}

}  // namespace edt::jinja
