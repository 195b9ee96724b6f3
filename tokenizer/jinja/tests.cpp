// The tests ("x is name(args)") of Jinja's standard set. Undefined is "iterable" and a "sequence" as in Python
// Jinja, whose Undefined defines __iter__ and __len__.
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/text_util.h"

namespace edt::jinja {
namespace {

Value arg0(Evaluator& ev, const CallArgs& args) {
  if (args.positional.empty()) ev.fail(args.pos, args.callee + " needs an argument");
  return args.positional[0];
}

bool t_defined(Evaluator&, const Value& x, CallArgs&) { return !x.is_undefined(); }
bool t_undefined(Evaluator&, const Value& x, CallArgs&) { return x.is_undefined(); }
bool t_none(Evaluator&, const Value& x, CallArgs&) { return x.is_none(); }
bool t_boolean(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Bool; }
bool t_true(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Bool && x.as_bool(); }
bool t_false(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Bool && !x.as_bool(); }
bool t_integer(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Int; }
bool t_float(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Float; }
bool t_number(Evaluator&, const Value& x, CallArgs&) { return x.is_number(); }
bool t_string(Evaluator&, const Value& x, CallArgs&) { return x.is_string(); }
bool t_mapping(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Dict; }
bool t_iterable(Evaluator&, const Value& x, CallArgs&) {
  return x.is_undefined() || x.is_string() || x.kind() == Kind::List || x.kind() == Kind::Dict;
}
bool t_callable(Evaluator&, const Value& x, CallArgs&) { return x.kind() == Kind::Function; }
bool t_eq(Evaluator& ev, const Value& x, CallArgs& a) { return values_equal(x, arg0(ev, a)); }
bool t_ne(Evaluator& ev, const Value& x, CallArgs& a) { return !values_equal(x, arg0(ev, a)); }
bool t_lt(Evaluator& ev, const Value& x, CallArgs& a) { return compare_op(ev, "<", x, arg0(ev, a), a.pos); }
bool t_le(Evaluator& ev, const Value& x, CallArgs& a) { return compare_op(ev, "<=", x, arg0(ev, a), a.pos); }
bool t_gt(Evaluator& ev, const Value& x, CallArgs& a) { return compare_op(ev, ">", x, arg0(ev, a), a.pos); }
bool t_ge(Evaluator& ev, const Value& x, CallArgs& a) { return compare_op(ev, ">=", x, arg0(ev, a), a.pos); }
bool t_in(Evaluator& ev, const Value& x, CallArgs& a) { return contains(ev, arg0(ev, a), x, a.pos); }
bool t_sameas(Evaluator& ev, const Value& x, CallArgs& a) {
  const Value y = arg0(ev, a);
  if (x.kind() != y.kind()) return false;
  switch (x.kind()) {
    case Kind::None:
    case Kind::Undefined: return true;
    case Kind::Bool: return x.as_bool() == y.as_bool();
    default: return values_equal(x, y) && (x.kind() == Kind::Namespace || x.kind() == Kind::Function);
  }
}
bool int_of(Evaluator& ev, const Value& x, const CallArgs& a, int64_t& out) {
  if (x.kind() != Kind::Int && x.kind() != Kind::Bool) {
    if (x.kind() == Kind::Float) return false;
    ev.fail(a.pos, a.callee + " needs a number, got " + x.type_name());
  }
  out = x.as_int();
  return true;
}
bool t_odd(Evaluator& ev, const Value& x, CallArgs& a) {
  int64_t v;
  return int_of(ev, x, a, v) && v % 2 != 0;
}
bool t_even(Evaluator& ev, const Value& x, CallArgs& a) {
  int64_t v;
  return int_of(ev, x, a, v) && v % 2 == 0;
}
bool t_divisibleby(Evaluator& ev, const Value& x, CallArgs& a) {
  int64_t v, d;
  if (!int_of(ev, x, a, v) || !int_of(ev, arg0(ev, a), a, d)) return false;
  if (d == 0) ev.fail(a.pos, "divisibleby 0");
  return d == -1 || v % d == 0;
}
bool t_lower(Evaluator&, const Value& x, CallArgs&) { return x.is_string() && ascii_lower(x.as_string()) == x.as_string(); }
bool t_upper(Evaluator&, const Value& x, CallArgs&) { return x.is_string() && ascii_upper(x.as_string()) == x.as_string(); }

const std::unordered_map<std::string, TestFn>& tests() {
  static const std::unordered_map<std::string, TestFn> table = {
      {"defined", t_defined},   {"undefined", t_undefined}, {"none", t_none},         {"boolean", t_boolean},
      {"true", t_true},         {"false", t_false},         {"integer", t_integer},   {"float", t_float},
      {"number", t_number},     {"string", t_string},       {"mapping", t_mapping},   {"iterable", t_iterable},
      {"sequence", t_iterable}, {"callable", t_callable},   {"equalto", t_eq},        {"eq", t_eq},
      {"==", t_eq},             {"ne", t_ne},               {"!=", t_ne},             {"lt", t_lt},
      {"lessthan", t_lt},       {"<", t_lt},                {"le", t_le},             {"<=", t_le},
      {"gt", t_gt},             {"greaterthan", t_gt},      {">", t_gt},              {"ge", t_ge},
      {">=", t_ge},             {"in", t_in},               {"sameas", t_sameas},     {"odd", t_odd},
      {"even", t_even},         {"divisibleby", t_divisibleby}, {"lower", t_lower},   {"upper", t_upper},
  };
  return table;
}

}  // namespace

const TestFn* find_test(const std::string& name) {
  auto it = tests().find(name);
  return it == tests().end() ? nullptr : &it->second;
}

}  // namespace edt::jinja
