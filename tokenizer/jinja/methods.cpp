// The methods a template may call on values: the non-mutating ones of str and dict. The sandbox allows nothing
// else (lists have no methods here: append and friends would mutate, which transformers' immutable sandbox
// forbids too).
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/text_util.h"

namespace edt::jinja {
namespace {

using Method = Value (*)(Evaluator& ev, const Value& self, CallArgs& args);

std::string opt_string(Evaluator& ev, const CallArgs& args, const Value& v, const char* what) {
  if (!v.is_string()) ev.fail(args.pos, args.callee + ": " + what + " must be a string, got " + v.type_name());
  return v.as_string();
}

int64_t opt_int(Evaluator& ev, const CallArgs& args, const Value& v, int64_t fallback) {
  if (v.is_undefined() || v.is_none()) return fallback;
  if (v.kind() != Kind::Int && v.kind() != Kind::Bool) ev.fail(args.pos, args.callee + ": expected an integer");
  return v.as_int();
}

Value strip_method(Evaluator& ev, const Value& self, CallArgs& args, bool left, bool right) {
  args.check(1, {"chars"});
  const Value chars = args.get(0, "chars");
  const std::string& s = self.as_string();
  if (chars.is_undefined() || chars.is_none()) return Value(python_strip(s, left, right));
  return Value(python_strip_chars(s, opt_string(ev, args, chars, "chars"), left, right));
}
Value m_strip(Evaluator& ev, const Value& s, CallArgs& a) { return strip_method(ev, s, a, true, true); }
Value m_lstrip(Evaluator& ev, const Value& s, CallArgs& a) { return strip_method(ev, s, a, true, false); }
Value m_rstrip(Evaluator& ev, const Value& s, CallArgs& a) { return strip_method(ev, s, a, false, true); }

Value m_split(Evaluator& ev, const Value& self, CallArgs& args) {
  args.check(2, {"sep", "maxsplit"});
  const Value sep = args.get(0, "sep");
  const int64_t maxsplit = opt_int(ev, args, args.get(1, "maxsplit"), -1);
  std::vector<std::string> parts;
  if (sep.is_undefined() || sep.is_none()) {
    parts = python_split_whitespace(self.as_string(), maxsplit);
  } else {
    const std::string s = opt_string(ev, args, sep, "sep");
    if (s.empty()) ev.fail(args.pos, "split: empty separator");
    parts = python_split(self.as_string(), s, maxsplit);
  }
  ev.check_items(parts.size(), args.pos);
  List out;
  out.reserve(parts.size());
  for (std::string& p : parts) out.emplace_back(std::move(p));
  return Value(std::move(out));
}

Value affix_method(Evaluator& ev, const Value& self, CallArgs& args, bool prefix) {
  args.check(1, {});
  const Value a = args.get(0, "");
  std::vector<std::string> options;
  if (a.kind() == Kind::List) {
    for (const Value& v : a.as_list()) options.push_back(opt_string(ev, args, v, "each prefix"));
  } else {
    options.push_back(opt_string(ev, args, a, "the argument"));
  }
  const std::string& s = self.as_string();
  for (const std::string& o : options) {
    if (o.size() > s.size()) continue;
    if (prefix ? s.compare(0, o.size(), o) == 0 : s.compare(s.size() - o.size(), o.size(), o) == 0) return Value(true);
  }
  return Value(false);
}
Value m_startswith(Evaluator& ev, const Value& s, CallArgs& a) { return affix_method(ev, s, a, true); }
Value m_endswith(Evaluator& ev, const Value& s, CallArgs& a) { return affix_method(ev, s, a, false); }

Value m_upper(Evaluator&, const Value& s, CallArgs& a) {
  a.check(0, {});
  return Value(ascii_upper(s.as_string()));
}
Value m_lower(Evaluator&, const Value& s, CallArgs& a) {
  a.check(0, {});
  return Value(ascii_lower(s.as_string()));
}
Value m_replace(Evaluator& ev, const Value& s, CallArgs& a) { return ev.run_filter("replace", s, a); }
Value m_title(Evaluator& ev, const Value& s, CallArgs& a) { return ev.run_filter("title", s, a); }
Value m_capitalize(Evaluator& ev, const Value& s, CallArgs& a) { return ev.run_filter("capitalize", s, a); }

Value m_find(Evaluator& ev, const Value& self, CallArgs& args) {
  args.check(1, {});
  const std::string sub = opt_string(ev, args, args.get(0, ""), "the argument");
  const size_t at = self.as_string().find(sub);
  if (at == std::string::npos) return Value(-1);
  return Value(static_cast<int64_t>(code_point_count(std::string_view(self.as_string()).substr(0, at))));
}

Value m_count(Evaluator& ev, const Value& self, CallArgs& args) {
  args.check(1, {});
  const std::string sub = opt_string(ev, args, args.get(0, ""), "the argument");
  const std::string& s = self.as_string();
  if (sub.empty()) return Value(static_cast<int64_t>(code_point_count(s) + 1));
  int64_t n = 0;
  for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
  return Value(n);
}

Value m_join(Evaluator& ev, const Value& self, CallArgs& args) {
  args.check(1, {});
  std::string out;
  bool first = true;
  for (const Value& v : ev.iterate(args.get(0, ""), args.pos)) {
    if (!v.is_string()) ev.fail(args.pos, std::string("join: expected str items, found ") + v.type_name());
    if (!first) out += self.as_string();
    first = false;
    out += v.as_string();
    ev.check_size(out.size(), args.pos);
  }
  return Value(std::move(out));
}

Value m_items(Evaluator& ev, const Value& self, CallArgs& args) { return ev.run_filter("items", self, args); }
Value m_keys(Evaluator&, const Value& self, CallArgs& args) {
  args.check(0, {});
  List out;
  for (const auto& [k, v] : self.as_dict().items()) out.emplace_back(k);
  return Value(std::move(out));
}
Value m_values(Evaluator&, const Value& self, CallArgs& args) {
  args.check(0, {});
  List out;
  for (const auto& [k, v] : self.as_dict().items()) out.push_back(v);
  return Value(std::move(out));
}
Value m_get(Evaluator& ev, const Value& self, CallArgs& args) {
  args.check(2, {});
  const Value key = args.get(0, "");
  if (!key.is_string()) ev.fail(args.pos, "get: the key must be a string");
  const Value* v = self.as_dict().find(key.as_string());
  return v ? *v : args.get(1, "", Value::none());
}

const std::unordered_map<std::string, Method>& string_methods() {
  static const std::unordered_map<std::string, Method> table = {
      {"strip", m_strip},     {"lstrip", m_lstrip},   {"rstrip", m_rstrip},         {"split", m_split},
      {"startswith", m_startswith}, {"endswith", m_endswith}, {"upper", m_upper},   {"lower", m_lower},
      {"replace", m_replace}, {"title", m_title},     {"capitalize", m_capitalize}, {"find", m_find},
      {"count", m_count},     {"join", m_join},
  };
  return table;
}

const std::unordered_map<std::string, Method>& dict_methods() {
  static const std::unordered_map<std::string, Method> table = {
      {"items", m_items}, {"keys", m_keys}, {"values", m_values}, {"get", m_get}};
  return table;
}

}  // namespace

Value find_method(const Value& obj, const std::string& name) {
  const std::unordered_map<std::string, Method>* table = obj.is_string()            ? &string_methods()
                                                         : obj.kind() == Kind::Dict ? &dict_methods()
                                                                                    : nullptr;
  if (!table) return Value();
  auto it = table->find(name);
  if (it == table->end()) return Value();
  const Method m = it->second;
  const std::string full = std::string(obj.type_name()) + "." + name + "()";
  return Value::function(full, [m, obj](Evaluator& ev, CallArgs& args) {
    Value result = m(ev, obj, args);
    return Evaluator::inputs_hold_data(obj, args) ? mark_as_data(result) : result;
  });
}

}  // namespace edt::jinja
