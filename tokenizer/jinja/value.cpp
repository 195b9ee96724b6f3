// Value semantics that follow Python: truthiness, str(), repr(), ==, and json.dumps for tojson.
#include "tokenizer/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "tokenizer/jinja/error.h"

namespace edt::jinja {

Value::Value(List list) : kind_(Kind::List) {
  int d = 0;
  for (const Value& v : list) d = std::max(d, static_cast<int>(v.depth_));
  if (d + 1 > kMaxValueDepth)
    throw TemplateError(TemplateErrorKind::Limit, "a list nested more than " + std::to_string(kMaxValueDepth) + " deep",
                        {}, false);
  depth_ = static_cast<uint16_t>(d + 1);
  list_ = std::make_shared<const List>(std::move(list));
}

Value::Value(Dict dict) : kind_(Kind::Dict) {
  int d = 0;
  for (const auto& [k, v] : dict.items()) d = std::max(d, static_cast<int>(v.depth_));
  if (d + 1 > kMaxValueDepth)
    throw TemplateError(TemplateErrorKind::Limit, "a dict nested more than " + std::to_string(kMaxValueDepth) + " deep",
                        {}, false);
  depth_ = static_cast<uint16_t>(d + 1);
  dict_ = std::make_shared<Dict>(std::move(dict));
}

bool contains_namespace(const Value& v) {
  switch (v.kind()) {
    case Kind::Namespace: return true;
    case Kind::List:
      for (const Value& x : v.as_list())
        if (contains_namespace(x)) return true;
      return false;
    case Kind::Dict:
      for (const auto& [k, x] : v.as_dict().items())
        if (contains_namespace(x)) return true;
      return false;
    default: return false;
  }
}

size_t Dict::size() const { return items_.size(); }

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items_)
    if (k == key) return &v;
  return nullptr;
}

void Dict::set(const std::string& key, Value value) {
  for (auto& [k, v] : items_)
    if (k == key) {
      v = std::move(value);
      return;
    }
  items_.emplace_back(key, std::move(value));
}

void Dict::append_new(std::string key, Value value) { items_.emplace_back(std::move(key), std::move(value)); }

namespace {

template <typename Json>
Value value_from_json(const Json& j, bool as_data, int depth = 0) {
  using value_t = nlohmann::json::value_t;
  if (depth > kMaxValueDepth)
    throw TemplateError(TemplateErrorKind::Limit, "JSON nested more than " + std::to_string(kMaxValueDepth) + " deep",
                        {}, false);
  switch (j.type()) {
    case value_t::null: return Value::none();
    case value_t::boolean: return Value(j.template get<bool>());
    case value_t::number_integer: return Value(j.template get<int64_t>());
    case value_t::number_unsigned: {
      const uint64_t u = j.template get<uint64_t>();
      return u > static_cast<uint64_t>(INT64_MAX) ? Value(static_cast<double>(u)) : Value(static_cast<int64_t>(u));
    }
    case value_t::number_float: return Value(j.template get<double>());
    case value_t::string:
      return as_data ? Value::data_string(j.template get<std::string>()) : Value(j.template get<std::string>());
    case value_t::array: {
      List list;
      list.reserve(j.size());
      for (const auto& x : j) list.push_back(value_from_json(x, as_data, depth + 1));
      return Value(std::move(list));
    }
    case value_t::object: {
      Dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d.append_new(it.key(), value_from_json(it.value(), as_data, depth + 1));
      return Value(std::move(d));
    }
    default: return Value();
  }
}

}  // namespace

Value Value::from_json(const nlohmann::json& j, bool as_data) { return value_from_json(j, as_data); }
Value Value::from_json(const nlohmann::ordered_json& j, bool as_data) { return value_from_json(j, as_data); }

Value Value::string_with_spans(std::string s, DataSpans spans) {
  Value v(std::move(s));
  if (!spans.empty()) v.spans_ = std::make_shared<const DataSpans>(std::move(spans));
  return v;
}

Value Value::data_string(std::string s) {
  const size_t n = s.size();
  Value v(std::move(s));
  if (n > 0) v.spans_ = std::make_shared<const DataSpans>(DataSpans{{0, n}});
  return v;
}

bool contains_data(const Value& v) {
  switch (v.kind()) {
    case Kind::String: return v.has_data();
    case Kind::List:
      for (const Value& x : v.as_list())
        if (contains_data(x)) return true;
      return false;
    case Kind::Dict:
      for (const auto& [k, x] : v.as_dict().items())
        if (contains_data(x)) return true;
      return false;
    default: return false;
  }
}

Value mark_as_data(const Value& v) {
  if (v.is_string()) {
    const DataSpans* spans = v.data_spans();
    if (spans && spans->size() == 1 && (*spans)[0].begin == 0 && (*spans)[0].end == v.as_string().size()) return v;
    return Value::data_string(v.as_string());
  }
  if (v.kind() == Kind::List) {
    List out;
    out.reserve(v.as_list().size());
    for (const Value& x : v.as_list()) out.push_back(x.is_string() ? mark_as_data(x) : x);
    return Value(std::move(out));
  }
  return v;
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool:
    case Kind::Int: return int_ != 0;
    case Kind::Float: return float_ != 0.0;
    case Kind::String: return !str_->empty();
    case Kind::List: return !list_->empty();
    case Kind::Dict: return dict_->size() != 0;
    case Kind::Namespace:
    case Kind::Function: return true;
  }
  return false;
}

const char* Value::type_name() const {
  switch (kind_) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Function: return "function";
  }
  return "?";
}

std::string python_float_repr(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  if (f == 0) return std::signbit(f) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form, then laid out the way Python's repr does.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  const int exponent = std::stoi(sci.substr(e + 1));
  const bool negative = mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa)
    if (c != '.') digits += c;
  // Built by appending only: g++ 12 reports a false -Wrestrict on some operator+ chains of std::string.
  std::string out;
  if (negative) out.push_back('-');
  if (exponent < -4 || exponent >= 16) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out.append(exp);
  } else if (exponent < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exponent - 1), '0');
    out.append(digits);
  } else {
    const size_t int_digits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= int_digits) {
      out.append(digits);
      out.append(int_digits - digits.size(), '0');
      out.append(".0");
    } else {
      out.append(digits, 0, int_digits);
      out.push_back('.');
      out.append(digits, int_digits, std::string::npos);
    }
  }
  return out;
}

namespace {

std::string python_string_repr(const std::string& s) {
  const bool use_double = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == static_cast<unsigned char>(quote)) out += std::string("\\") + quote;
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

}  // namespace

std::string Value::str() const {
  switch (kind_) {
    case Kind::Undefined: return "";
    case Kind::None: return "None";
    case Kind::Bool: return int_ ? "True" : "False";
    case Kind::Int: return std::to_string(int_);
    case Kind::Float: return python_float_repr(float_);
    case Kind::String: return *str_;
    case Kind::List: {
      std::string out = tuple_ ? "(" : "[";
      for (size_t i = 0; i < list_->size(); ++i) out += (i ? ", " : "") + (*list_)[i].repr();
      if (tuple_) return out + (list_->size() == 1 ? ",)" : ")");
      return out + "]";
    }
    case Kind::Dict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : dict_->items()) {
        out += (first ? "" : ", ") + python_string_repr(k) + ": " + v.repr();
        first = false;
      }
      return out + "}";
    }
    case Kind::Namespace: return "<Namespace>";
    case Kind::Function: return "<function " + *str_ + ">";
  }
  return "";
}

std::string Value::repr() const { return kind_ == Kind::String ? python_string_repr(*str_) : str(); }

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::Float || b.kind() == Kind::Float) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::Undefined:
    case Kind::None: return true;
    case Kind::String: return a.as_string() == b.as_string();
    case Kind::List: {
      const List &x = a.as_list(), &y = b.as_list();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!values_equal(x[i], y[i])) return false;
      return true;
    }
    case Kind::Dict: {
      const Dict &x = a.as_dict(), &y = b.as_dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.items()) {
        const Value* w = y.find(k);
        if (!w || !values_equal(v, *w)) return false;
      }
      return true;
    }
    case Kind::Namespace: return &a.namespace_attrs() == &b.namespace_attrs();
    case Kind::Function: return &a.as_function() == &b.as_function();
    default: return false;
  }
}

namespace {

void json_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void json_value(const Value& v, const JsonFormat& fmt, int depth, std::string& out) {
  if (depth > 512) throw TemplateError(TemplateErrorKind::Limit, "tojson: value nested too deeply", {}, false);
  auto newline = [&](int level) {
    if (fmt.indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(fmt.indent) * static_cast<size_t>(level), ' ');
  };
  const char* item_sep = fmt.indent < 0 ? ", " : ",";
  switch (v.kind()) {
    case Kind::None: out += "null"; return;
    case Kind::Bool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::Int: out += std::to_string(v.as_int()); return;
    case Kind::Float: {
      const double f = v.as_float();
      if (std::isnan(f)) out += "NaN";
      else if (std::isinf(f)) out += f > 0 ? "Infinity" : "-Infinity";
      else out += python_float_repr(f);
      return;
    }
    case Kind::String: json_string(v.as_string(), out); return;
    case Kind::List: {
      const List& list = v.as_list();
      if (list.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < list.size(); ++i) {
        if (i) out += item_sep;
        newline(depth + 1);
        json_value(list[i], fmt, depth + 1, out);
      }
      newline(depth);
      out += ']';
      return;
    }
    case Kind::Dict:
    case Kind::Namespace: {
      std::vector<const std::pair<std::string, Value>*> items;
      const Dict& d = v.kind() == Kind::Dict ? v.as_dict() : v.namespace_attrs();
      for (const auto& kv : d.items()) items.push_back(&kv);
      if (items.empty()) {
        out += "{}";
        return;
      }
      if (fmt.sort_keys)
        std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
      out += '{';
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += item_sep;
        newline(depth + 1);
        json_string(items[i]->first, out);
        out += ": ";
        json_value(items[i]->second, fmt, depth + 1, out);
      }
      newline(depth);
      out += '}';
      return;
    }
    case Kind::Undefined:
    case Kind::Function:
      throw TemplateError(TemplateErrorKind::Runtime,
                          std::string("Object of type ") + v.type_name() + " is not JSON serializable", {}, false);
  }
}

}  // namespace

std::string to_json(const Value& v, const JsonFormat& format) {
  std::string out;
  json_value(v, format, 0, out);
  return out;
}

}  // namespace edt::jinja
