// Arithmetic, comparison, membership and slicing with Python's rules: int and float mix, + concatenates str and
// list, * repeats them (bounded by the limits), % and // floor towards negative infinity, / always gives a float,
// and an undefined operand is an error naming what was undefined. Integers are 64-bit; overflow is an error
// rather than a wrong number.
#include <cmath>
#include <optional>

#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/text_util.h"

namespace edt::jinja {
namespace {

bool is_int(const Value& v) { return v.kind() == Kind::Int || v.kind() == Kind::Bool; }

[[noreturn]] void type_error(Evaluator& ev, const std::string& op, const Value& a, const Value& b, SourcePos pos) {
  ev.fail(pos, "unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() + "'");
}

Value repeat(Evaluator& ev, const Value& seq, int64_t n, SourcePos pos) {
  if (n <= 0) return seq.is_string() ? Value(std::string()) : Value(List{});
  if (seq.is_string()) {
    const size_t len = seq.as_string().size();
    if (len && static_cast<uint64_t>(n) > ev.options().limits.max_output_bytes / len)
      ev.fail_limit(pos, "string multiplication would exceed " + std::to_string(ev.options().limits.max_output_bytes) +
                             " bytes");
    std::string out;
    out.reserve(len * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value(std::move(out));
  }
  const size_t len = seq.as_list().size();
  if (len && static_cast<uint64_t>(n) > ev.options().limits.max_list_items / len)
    ev.fail_limit(pos, "list multiplication would exceed " + std::to_string(ev.options().limits.max_list_items) +
                           " items");
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
  return Value(std::move(out));
}

// The data spans of a value printed as text: a string's own, or all of it when a list or dict holding data.
void spans_of(const Value& v, size_t length, size_t base, DataSpans& out) {
  if (v.is_string()) {
    if (const DataSpans* spans = v.data_spans())
      for (const DataSpan& d : *spans) out.push_back({base + d.begin, base + d.end});
  } else if (length > 0 && contains_data(v)) {
    out.push_back({base, base + length});
  }
}

// a + b of two strings (or ~ of any two values): the data spans of both sides carry over.
Value concatenate(Evaluator& ev, const Value& a, const Value& b, SourcePos pos) {
  const std::string sa = a.is_string() ? a.as_string() : a.str();
  const std::string sb = b.is_string() ? b.as_string() : b.str();
  ev.check_size(sa.size() + sb.size(), pos);
  DataSpans spans;
  spans_of(a, sa.size(), 0, spans);
  spans_of(b, sb.size(), sa.size(), spans);
  if (spans.size() >= 2 && spans[spans.size() - 2].end == spans.back().begin) {
    spans[spans.size() - 2].end = spans.back().end;
    spans.pop_back();
  }
  std::string out;
  out.reserve(sa.size() + sb.size());
  out.append(sa);
  out.append(sb);
  return Value::string_with_spans(std::move(out), std::move(spans));
}

}  // namespace

Value unary_op(Evaluator& ev, const std::string& op, const Value& a, SourcePos pos) {
  if (a.is_undefined()) ev.fail_undefined(pos, a);
  if (!a.is_number()) ev.fail(pos, "bad operand type for unary " + op + ": '" + a.type_name() + "'");
  if (op == "+") return a.kind() == Kind::Bool ? Value(a.as_int()) : a;
  if (a.kind() == Kind::Float) return Value(-a.as_float());
  if (a.as_int() == INT64_MIN) ev.fail(pos, "integer overflow");
  return Value(-a.as_int());
}

Value binary_op(Evaluator& ev, const std::string& op, const Value& a, const Value& b, SourcePos pos) {
  if (op == "~") return concatenate(ev, a, b, pos);
  if (a.is_undefined()) ev.fail_undefined(pos, a);
  if (b.is_undefined()) ev.fail_undefined(pos, b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) return concatenate(ev, a, b, pos);
    if (a.kind() == Kind::List && b.kind() == Kind::List) {
      ev.check_items(a.as_list().size() + b.as_list().size(), pos);
      List out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return Value(std::move(out));
    }
    if (a.is_string() || b.is_string()) {
      if (a.is_string())
        ev.fail(pos, std::string("can only concatenate str (not \"") + b.type_name() + "\") to str");
      type_error(ev, op, a, b, pos);
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.kind() == Kind::List) && is_int(b)) {
      const Value r = repeat(ev, a, b.as_int(), pos);
      return a.has_data() ? mark_as_data(r) : r;
    }
    if ((b.is_string() || b.kind() == Kind::List) && is_int(a)) {
      const Value r = repeat(ev, b, a.as_int(), pos);
      return b.has_data() ? mark_as_data(r) : r;
    }
  }
  if (!a.is_number() || !b.is_number()) type_error(ev, op, a, b, pos);
  const bool ints = is_int(a) && is_int(b);
  if (ints) {
    const int64_t x = a.as_int(), y = b.as_int();
    int64_t r = 0;
    if (op == "+") {
      if (__builtin_add_overflow(x, y, &r)) ev.fail(pos, "integer overflow in +");
      return Value(r);
    }
    if (op == "-") {
      if (__builtin_sub_overflow(x, y, &r)) ev.fail(pos, "integer overflow in -");
      return Value(r);
    }
    if (op == "*") {
      if (__builtin_mul_overflow(x, y, &r)) ev.fail(pos, "integer overflow in *");
      return Value(r);
    }
    if (op == "//" || op == "%") {
      if (y == 0) ev.fail(pos, op == "%" ? "integer modulo by zero" : "integer division by zero");
      if (x == INT64_MIN && y == -1) ev.fail(pos, "integer overflow in " + op);
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return op == "//" ? Value(q) : Value(m);
    }
    if (op == "**") {
      if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      int64_t result = 1, base = x, e = y;
      while (e > 0) {
        if (e & 1)
          if (__builtin_mul_overflow(result, base, &result)) ev.fail(pos, "integer overflow in **");
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) ev.fail(pos, "integer overflow in **");
      }
      return Value(result);
    }
  }
  const double x = a.as_float(), y = b.as_float();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0) ev.fail(pos, "division by zero");
    return Value(x / y);
  }
  if (op == "//" || op == "%") {
    if (y == 0) ev.fail(pos, "float modulo by zero");
    const double q = std::floor(x / y);
    return op == "//" ? Value(q) : Value(x - q * y);
  }
  if (op == "**") return Value(std::pow(x, y));
  ev.fail(pos, "unknown operator '" + op + "'");
}

bool contains(Evaluator& ev, const Value& container, const Value& item, SourcePos pos) {
  switch (container.kind()) {
    case Kind::String:
      if (!item.is_string())
        ev.fail(pos, std::string("'in <string>' requires string as left operand, not ") + item.type_name());
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Kind::List:
      for (const Value& v : container.as_list())
        if (values_equal(v, item)) return true;
      return false;
    case Kind::Dict: return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
    case Kind::Namespace: return item.is_string() && container.namespace_attrs().find(item.as_string()) != nullptr;
    case Kind::Undefined: return false;  // Undefined iterates as empty
    default: ev.fail(pos, std::string("argument of type '") + container.type_name() + "' is not iterable");
  }
}

bool compare_op(Evaluator& ev, const std::string& op, const Value& a, const Value& b, SourcePos pos) {
  if (op == "==") return values_equal(a, b);
  if (op == "!=") return !values_equal(a, b);
  if (op == "in") return contains(ev, b, a, pos);
  if (op == "not in") return !contains(ev, b, a, pos);
  int order = 0;
  if (a.is_number() && b.is_number()) {
    const double x = a.as_float(), y = b.as_float();
    if (is_int(a) && is_int(b)) order = a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int() ? 1 : 0;
    else if (std::isnan(x) || std::isnan(y)) return false;
    else order = x < y ? -1 : x > y ? 1 : 0;
  } else if (a.is_string() && b.is_string()) {
    const int c = a.as_string().compare(b.as_string());  // byte order = code point order for valid UTF-8
    order = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else {
    if (a.is_undefined()) ev.fail_undefined(pos, a);
    if (b.is_undefined()) ev.fail_undefined(pos, b);
    ev.fail(pos, "'" + op + "' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
  }
  if (op == "<") return order < 0;
  if (op == "<=") return order <= 0;
  if (op == ">") return order > 0;
  return order >= 0;
}

Value slice_value(Evaluator& ev, const Value& v, const Value& start, const Value& stop, const Value& step,
                  SourcePos pos) {
  if (v.is_undefined()) ev.fail_undefined(pos, v);
  if (!v.is_string() && v.kind() != Kind::List)
    ev.fail(pos, std::string("'") + v.type_name() + "' object is not subscriptable");
  auto bound = [&](const Value& x, const char* what) -> std::optional<int64_t> {
    if (x.is_none() || x.is_undefined()) return std::nullopt;
    if (!is_int(x)) ev.fail(pos, std::string("slice ") + what + " must be an integer or none, got " + x.type_name());
    return x.as_int();
  };
  const std::optional<int64_t> s0 = bound(start, "start"), s1 = bound(stop, "stop"), st = bound(step, "step");
  const int64_t stride = st.value_or(1);
  if (stride == 0) ev.fail(pos, "slice step cannot be zero");
  std::vector<size_t> offsets;
  int64_t n;
  if (v.is_string()) {
    offsets = code_point_offsets(v.as_string());
    n = static_cast<int64_t>(offsets.size()) - 1;
  } else {
    n = static_cast<int64_t>(v.as_list().size());
  }
  // Python's slice.indices().
  auto clamp = [&](std::optional<int64_t> x, int64_t fallback) {
    if (!x) return fallback;
    int64_t i = *x;
    if (i < 0) i = std::max<int64_t>(i + n, stride < 0 ? -1 : 0);
    else if (i >= n) i = stride < 0 ? n - 1 : n;
    return i;
  };
  const int64_t first = clamp(s0, stride < 0 ? n - 1 : 0);
  const int64_t last = clamp(s1, stride < 0 ? -1 : n);
  std::vector<int64_t> picks;
  // Stepping is written so a huge stride cannot overflow.
  const uint64_t magnitude = stride < 0 ? 0 - static_cast<uint64_t>(stride) : static_cast<uint64_t>(stride);
  if (stride > 0) {
    for (int64_t i = first; i < last; i += stride) {
      picks.push_back(i);
      if (static_cast<uint64_t>(last - i) <= magnitude) break;
    }
  } else {
    for (int64_t i = first; i > last; i += stride) {
      picks.push_back(i);
      if (static_cast<uint64_t>(i - last) <= magnitude) break;
    }
  }
  if (v.is_string()) {
    const std::string& s = v.as_string();
    std::string out;
    if (stride == 1 && !picks.empty()) {
      out = s.substr(offsets[static_cast<size_t>(first)], offsets[static_cast<size_t>(last)] - offsets[static_cast<size_t>(first)]);
    } else {
      for (int64_t i : picks) {
        const size_t a = offsets[static_cast<size_t>(i)], b = offsets[static_cast<size_t>(i) + 1];
        out.append(s, a, b - a);
      }
    }
    return v.has_data() ? Value::data_string(std::move(out)) : Value(std::move(out));
  }
  List out;
  out.reserve(picks.size());
  for (int64_t i : picks) out.push_back(v.as_list()[static_cast<size_t>(i)]);
  return Value(std::move(out));
}

}  // namespace edt::jinja
