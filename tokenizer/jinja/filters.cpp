// The filters ("x | name(args)") of Jinja's standard set that chat templates use, with transformers' tojson
// (non-ASCII kept, Python's separators).
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/text_util.h"

namespace edt::jinja {
namespace {

int64_t int_arg(Evaluator& ev, const CallArgs& args, const Value& v, const char* what) {
  if (v.kind() != Kind::Int && v.kind() != Kind::Bool)
    ev.fail(args.pos, args.callee + ": " + what + " must be an integer, got " + v.type_name());
  return v.as_int();
}

std::string string_arg(Evaluator& ev, const CallArgs& args, const Value& v, const char* what) {
  if (!v.is_string()) ev.fail(args.pos, args.callee + ": " + what + " must be a string, got " + v.type_name());
  return v.as_string();
}

Value f_trim(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(1, {"chars"});
  const Value chars = args.get(0, "chars");
  if (chars.is_undefined() || chars.is_none()) return Value(python_strip(x.str(), true, true));
  return Value(python_strip_chars(x.str(), string_arg(ev, args, chars, "chars"), true, true));
}

Value f_tojson(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(1, {"indent", "sort_keys"});
  JsonFormat fmt;
  const Value indent = args.get(0, "indent");
  if (!indent.is_undefined() && !indent.is_none()) {
    const int64_t n = int_arg(ev, args, indent, "indent");
    if (n < 0 || n > 64) ev.fail(args.pos, "tojson: indent must be 0..64");
    fmt.indent = static_cast<int>(n);
  }
  fmt.sort_keys = args.get(1, "sort_keys").truthy();
  try {
    std::string s = to_json(x, fmt);
    ev.check_size(s.size(), args.pos);
    return Value(std::move(s));
  } catch (const TemplateError& e) {
    throw TemplateError(e.kind(), "tojson: " + e.message(), args.pos);
  }
}

Value f_length(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  switch (x.kind()) {
    case Kind::Undefined: return Value(0);
    case Kind::String: return Value(static_cast<int64_t>(code_point_count(x.as_string())));
    case Kind::List: return Value(static_cast<int64_t>(x.as_list().size()));
    case Kind::Dict: return Value(static_cast<int64_t>(x.as_dict().size()));
    default: ev.fail(args.pos, std::string("object of type '") + x.type_name() + "' has no len()");
  }
}

Value f_items(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  if (x.is_undefined()) return Value(List{});
  if (x.kind() != Kind::Dict) ev.fail(args.pos, "items: can only get item pairs from a mapping");
  List out;
  for (const auto& [k, v] : x.as_dict().items()) out.emplace_back(List{Value(k), v});
  return Value(std::move(out));
}

Value f_join(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(2, {"d", "attribute"});
  const Value sep = args.get(0, "d", Value(std::string()));
  const Value attribute = args.get(1, "attribute");
  std::string out;
  bool first = true;
  for (const Value& item : ev.iterate(x, args.pos)) {
    if (!first) out += sep.str();
    first = false;
    out += attribute.is_undefined() ? item.str() : ev.get_item(item, attribute, args.pos).str();
    ev.check_size(out.size(), args.pos);
  }
  return Value(std::move(out));
}

Value f_list(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  return Value(ev.iterate(x, args.pos));
}

// select / reject: keep the items a test passes (or fails); no test name means truthiness.
Value select_items(Evaluator& ev, const Value& x, CallArgs& args, bool keep, bool by_attribute) {
  List out;
  size_t first_test_arg = by_attribute ? 1 : 0;
  if (by_attribute && args.positional.empty()) ev.fail(args.pos, args.callee + " needs an attribute name");
  for (const Value& item : ev.iterate(x, args.pos)) {
    const Value subject = by_attribute ? ev.get_item(item, args.positional[0], args.pos) : item;
    bool passed;
    if (args.positional.size() <= first_test_arg) {
      passed = subject.truthy();
    } else {
      const Value name = args.positional[first_test_arg];
      if (!name.is_string()) ev.fail(args.pos, args.callee + ": the test name must be a string");
      CallArgs test_args;
      test_args.pos = args.pos;
      test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(first_test_arg) + 1,
                                  args.positional.end());
      passed = ev.run_test(name.as_string(), subject, test_args);
    }
    if (passed == keep) out.push_back(item);
  }
  return Value(std::move(out));
}

Value f_select(Evaluator& ev, const Value& x, CallArgs& args) { return select_items(ev, x, args, true, false); }
Value f_reject(Evaluator& ev, const Value& x, CallArgs& args) { return select_items(ev, x, args, false, false); }
Value f_selectattr(Evaluator& ev, const Value& x, CallArgs& args) { return select_items(ev, x, args, true, true); }
Value f_rejectattr(Evaluator& ev, const Value& x, CallArgs& args) { return select_items(ev, x, args, false, true); }

Value f_map(Evaluator& ev, const Value& x, CallArgs& args) {
  List out;
  const Value* attribute = args.kwarg("attribute");
  for (const Value& item : ev.iterate(x, args.pos)) {
    if (attribute) {
      Value v = ev.get_item(item, *attribute, args.pos);
      if (v.is_undefined())
        if (const Value* d = args.kwarg("default")) v = *d;
      out.push_back(std::move(v));
      continue;
    }
    if (args.positional.empty() || !args.positional[0].is_string())
      ev.fail(args.pos, "map needs a filter name or attribute=");
    CallArgs inner;
    inner.pos = args.pos;
    inner.positional.assign(args.positional.begin() + 1, args.positional.end());
    inner.kwargs = args.kwargs;
    out.push_back(ev.run_filter(args.positional[0].as_string(), item, inner));
  }
  return Value(std::move(out));
}

Value f_string(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  return Value(x.str());
}

Value f_upper(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  return Value(ascii_upper(x.str()));
}

Value f_lower(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  return Value(ascii_lower(x.str()));
}

Value f_capitalize(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  std::string s = ascii_lower(x.str());
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return Value(std::move(s));
}

Value f_title(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  std::string s = x.str();
  bool start = true;
  for (char& c : s) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alpha) c = start ? ascii_upper(std::string(1, c))[0] : ascii_lower(std::string(1, c))[0];
    start = !alpha && !(c >= '0' && c <= '9') && !(static_cast<unsigned char>(c) >= 0x80);
  }
  return Value(std::move(s));
}

Value f_replace(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(3, {"old", "new", "count"});
  const std::string s = x.str();
  const std::string from = string_arg(ev, args, args.get(0, "old"), "old");
  const std::string to = args.get(1, "new").str();
  const Value count_v = args.get(2, "count");
  int64_t count = count_v.is_undefined() || count_v.is_none() ? -1 : int_arg(ev, args, count_v, "count");
  std::string out;
  size_t pos = 0;
  if (from.empty()) {  // Python inserts the replacement between every character
    const std::vector<size_t> offsets = code_point_offsets(s);
    for (size_t i = 0; i + 1 < offsets.size(); ++i) {
      if (count != 0) out += to, --count;
      out.append(s, offsets[i], offsets[i + 1] - offsets[i]);
      ev.check_size(out.size(), args.pos);
    }
    if (count != 0) out += to;
    return Value(std::move(out));
  }
  while (count != 0) {
    const size_t at = s.find(from, pos);
    if (at == std::string::npos) break;
    out.append(s, pos, at - pos);
    out += to;
    ev.check_size(out.size(), args.pos);
    pos = at + from.size();
    --count;
  }
  out.append(s, pos);
  return Value(std::move(out));
}

Value f_first(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  std::vector<Value> items = ev.iterate(x, args.pos);
  return items.empty() ? Value::undefined("first: the sequence is empty") : items.front();
}

Value f_last(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  std::vector<Value> items = ev.iterate(x, args.pos);
  return items.empty() ? Value::undefined("last: the sequence is empty") : items.back();
}

Value f_default(Evaluator&, const Value& x, CallArgs& args) {
  args.check(2, {"default_value", "boolean"});
  const bool boolean = args.get(1, "boolean").truthy();
  if (x.is_undefined() || (boolean && !x.truthy())) return args.get(0, "default_value", Value(std::string()));
  return x;
}

Value f_int(Evaluator&, const Value& x, CallArgs& args) {
  args.check(2, {"default", "base"});
  const Value fallback = args.get(0, "default", Value(0));
  if (x.kind() == Kind::Int || x.kind() == Kind::Bool) return Value(x.as_int());
  if (x.kind() == Kind::Float) {
    const double f = x.as_float();
    if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return fallback;
    return Value(static_cast<int64_t>(f));
  }
  if (x.is_string()) {
    const std::string s = python_strip(x.as_string(), true, true);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0' && errno == 0) return Value(static_cast<int64_t>(v));
    const double f = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0' && std::isfinite(f) && std::fabs(f) < 9.2e18) return Value(static_cast<int64_t>(f));
  }
  return fallback;
}

Value f_float(Evaluator&, const Value& x, CallArgs& args) {
  args.check(1, {"default"});
  if (x.is_number()) return Value(x.as_float());
  if (x.is_string()) {
    const std::string s = python_strip(x.as_string(), true, true);
    char* end = nullptr;
    const double f = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0') return Value(f);
  }
  return args.get(0, "default", Value(0.0));
}

Value f_abs(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  if (x.kind() == Kind::Float) return Value(std::fabs(x.as_float()));
  if (!x.is_number()) ev.fail(args.pos, std::string("bad operand type for abs(): '") + x.type_name() + "'");
  if (x.as_int() == INT64_MIN) ev.fail(args.pos, "integer overflow in abs");
  return Value(x.as_int() < 0 ? -x.as_int() : x.as_int());
}

Value f_reverse(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {});
  std::vector<Value> items = ev.iterate(x, args.pos);
  std::reverse(items.begin(), items.end());
  if (x.is_string()) {
    std::string s;
    for (const Value& c : items) s += c.as_string();
    return Value(std::move(s));
  }
  return Value(std::move(items));
}

Value f_sort(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(3, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = args.get(0, "reverse").truthy();
  const bool case_sensitive = args.get(1, "case_sensitive").truthy();
  const Value attribute = args.get(2, "attribute");
  std::vector<Value> items = ev.iterate(x, args.pos);
  auto key = [&](const Value& v) {
    Value k = attribute.is_undefined() || attribute.is_none() ? v : ev.get_item(v, attribute, args.pos);
    if (!case_sensitive && k.is_string()) k = Value(ascii_lower(k.as_string()));
    return k;
  };
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    return compare_op(ev, "<", key(reverse ? b : a), key(reverse ? a : b), args.pos);
  });
  return Value(std::move(items));
}

Value f_unique(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(0, {"case_sensitive", "attribute"});
  List out;
  for (const Value& item : ev.iterate(x, args.pos)) {
    bool seen = false;
    for (const Value& o : out) seen = seen || values_equal(o, item);
    if (!seen) out.push_back(item);
    ev.step(args.pos);
  }
  return Value(std::move(out));
}

Value f_safe(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  return x;
}

Value f_escape(Evaluator&, const Value& x, CallArgs& args) {
  args.check(0, {});
  std::string out;
  for (char c : x.str()) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(std::move(out));
}

Value f_indent(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(3, {"width", "first", "blank"});
  const Value w = args.get(0, "width", Value(4));
  const std::string pad = w.is_string() ? w.as_string() : std::string(static_cast<size_t>(std::clamp<int64_t>(int_arg(ev, args, w, "width"), 0, 256)), ' ');
  const bool first = args.get(1, "first").truthy(), blank = args.get(2, "blank").truthy();
  const std::vector<std::string> lines = python_split(x.str(), "\n", -1);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    if ((i > 0 || first) && (blank || !lines[i].empty())) out += pad;
    out += lines[i];
    ev.check_size(out.size(), args.pos);
  }
  return Value(std::move(out));
}

Value min_max(Evaluator& ev, const Value& x, CallArgs& args, bool want_max) {
  args.check(0, {"case_sensitive", "attribute"});
  std::vector<Value> items = ev.iterate(x, args.pos);
  if (items.empty()) return Value::undefined(args.callee + ": the sequence is empty");
  Value best = items[0];
  for (const Value& v : items)
    if (compare_op(ev, want_max ? ">" : "<", v, best, args.pos)) best = v;
  return best;
}

Value f_min(Evaluator& ev, const Value& x, CallArgs& args) { return min_max(ev, x, args, false); }
Value f_max(Evaluator& ev, const Value& x, CallArgs& args) { return min_max(ev, x, args, true); }

Value f_sum(Evaluator& ev, const Value& x, CallArgs& args) {
  args.check(2, {"attribute", "start"});
  const Value attribute = args.get(0, "attribute");
  Value total = args.get(1, "start", Value(0));
  for (const Value& item : ev.iterate(x, args.pos))
    total = binary_op(ev, "+", total, attribute.is_undefined() ? item : ev.get_item(item, attribute, args.pos), args.pos);
  return total;
}

const std::unordered_map<std::string, FilterFn>& filters() {
  static const std::unordered_map<std::string, FilterFn> table = {
      {"trim", f_trim},         {"tojson", f_tojson},   {"length", f_length},         {"count", f_length},
      {"items", f_items},       {"join", f_join},       {"list", f_list},             {"select", f_select},
      {"reject", f_reject},     {"selectattr", f_selectattr}, {"rejectattr", f_rejectattr}, {"map", f_map},
      {"string", f_string},     {"upper", f_upper},     {"lower", f_lower},           {"capitalize", f_capitalize},
      {"title", f_title},       {"replace", f_replace}, {"first", f_first},           {"last", f_last},
      {"default", f_default},   {"d", f_default},       {"int", f_int},               {"float", f_float},
      {"abs", f_abs},           {"reverse", f_reverse}, {"sort", f_sort},             {"unique", f_unique},
      {"safe", f_safe},         {"escape", f_escape},   {"e", f_escape},              {"indent", f_indent},
      {"min", f_min},           {"max", f_max},         {"sum", f_sum},
  };
  return table;
}

}  // namespace

const FilterFn* find_filter(const std::string& name) {
  auto it = filters().find(name);
  return it == filters().end() ? nullptr : &it->second;
}

}  // namespace edt::jinja
