#pragma once
// The values a chat template computes with, modelled on the Python objects Jinja works on: undefined, None,
// bool, int, float, str, list, dict (insertion-ordered, string keys), namespace (the one mutable object), and
// callables (built-in functions and macros). Lists, dicts and strings are shared and never changed after they
// are built, as in transformers' immutable sandbox, so copying a Value is cheap.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edt::jinja {

class Value;
using List = std::vector<Value>;

// Byte ranges [begin, end) of a string that came from the data the engine passed (message contents), not from
// the template's own text. The chat prompt parses special-token texts only outside them, so a user who types
// "<|im_end|>" gets it as text.
struct DataSpan {
  size_t begin, end;
};
using DataSpans = std::vector<DataSpan>;

// Insertion-ordered string-keyed map (Python dicts keep order, and tojson must too).
class Dict {
 public:
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value value);
  // For keys known to be new (a parsed JSON object's): no linear search.
  void append_new(std::string key, Value value);
  const std::vector<std::pair<std::string, Value>>& items() const { return items_; }
  size_t size() const;  // out of line: Value is not complete here

 private:
  std::vector<std::pair<std::string, Value>> items_;
};

struct CallArgs;
class Evaluator;
// A built-in function or a macro. The evaluator is passed so macros can run their body.
using Function = std::function<Value(Evaluator& ev, CallArgs& args)>;

inline constexpr int kMaxValueDepth = 200;

enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function };

class Value {
 public:
  Value() = default;  // undefined
  static Value undefined(std::string hint) {
    Value v;
    v.str_ = std::make_shared<const std::string>(std::move(hint));
    return v;
  }
  static Value none() { return Value(Kind::None); }
  Value(bool b) : kind_(Kind::Bool), int_(b) {}
  Value(int64_t i) : kind_(Kind::Int), int_(i) {}
  Value(int i) : kind_(Kind::Int), int_(i) {}
  Value(double f) : kind_(Kind::Float), float_(f) {}
  Value(std::string s) : kind_(Kind::String), str_(std::make_shared<const std::string>(std::move(s))) {}
  Value(const char* s) : Value(std::string(s)) {}
  // Lists and dicts nested deeper than kMaxValueDepth throw TemplateError (Limit): everything that walks a value
  // (printing, ==, tojson, destruction) recurses on its depth.
  Value(List list);
  Value(Dict dict);
  // A tuple is a list that prints with parentheses, as Python's does.
  static Value tuple(List items) {
    Value v(std::move(items));
    v.tuple_ = true;
    return v;
  }
  static Value make_namespace(Dict attrs) {
    Value v(std::move(attrs));
    v.kind_ = Kind::Namespace;
    return v;
  }
  static Value function(std::string name, Function f) {
    Value v(Kind::Function);
    v.str_ = std::make_shared<const std::string>(std::move(name));
    v.fn_ = std::make_shared<const Function>(std::move(f));
    return v;
  }
  // ordered_json keeps the objects' key order, which templates can see (tojson, items()); json sorts them.
  // as_data: every string in it is marked as data (see DataSpan).
  static Value from_json(const nlohmann::json& j, bool as_data = false);
  static Value from_json(const nlohmann::ordered_json& j, bool as_data = false);
  // A string with the given data spans (sorted, inside the string).
  static Value string_with_spans(std::string s, DataSpans spans);
  // The string, all of it marked as data.
  static Value data_string(std::string s);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::Undefined; }
  bool is_none() const { return kind_ == Kind::None; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_number() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool is_mapping() const { return kind_ == Kind::Dict || kind_ == Kind::Namespace; }

  bool as_bool() const { return int_ != 0; }
  int64_t as_int() const { return int_; }  // Int and Bool
  double as_float() const { return kind_ == Kind::Float ? float_ : static_cast<double>(int_); }
  const std::string& as_string() const { return *str_; }
  const List& as_list() const { return *list_; }
  const Dict& as_dict() const { return *dict_; }
  Dict& namespace_attrs() const { return *dict_; }  // only for Kind::Namespace
  const Function& as_function() const { return *fn_; }
  const std::string& function_name() const { return *str_; }
  // Why a value is undefined ("'x' is undefined", "list object has no element 0"), for the error when it is used.
  std::string undefined_hint() const { return str_ ? *str_ : "value is undefined"; }

  // The data spans of a string (null when none of it is data).
  const DataSpans* data_spans() const { return spans_.get(); }
  bool has_data() const { return spans_ != nullptr; }
  int depth() const { return depth_; }

  bool truthy() const;
  // Python's str(): what {{ x }} prints. Undefined prints as "".
  std::string str() const;
  // Python's repr(), used for strings inside printed lists and dicts.
  std::string repr() const;
  // Python's type name, for error messages ("str", "int", "list", "dict", "NoneType", ...).
  const char* type_name() const;

 private:
  explicit Value(Kind k) : kind_(k) {}
  Kind kind_ = Kind::Undefined;
  bool tuple_ = false;
  uint16_t depth_ = 0;  // container nesting: 0 for scalars
  int64_t int_ = 0;
  double float_ = 0;
  std::shared_ptr<const std::string> str_;  // String, or the hint of Undefined, or the name of a Function
  std::shared_ptr<const List> list_;
  std::shared_ptr<Dict> dict_;  // Dict (never modified after construction) or Namespace
  std::shared_ptr<const Function> fn_;
  std::shared_ptr<const DataSpans> spans_;  // String only
};

// Whether v is or holds a namespace (a namespace may not be stored in one: it could then hold itself).
bool contains_namespace(const Value& v);
// Whether v holds data anywhere (a data string, or a list or dict containing one).
bool contains_data(const Value& v);
// A result computed from inputs that held data: its strings (directly, or as list items) become data throughout.
// Conservative on purpose: a string derived from user content never gets special-token parsing.
Value mark_as_data(const Value& v);

// Python ==: 1 == 1.0 == True, lists and dicts element by element, undefined equal only to undefined.
bool values_equal(const Value& a, const Value& b);

struct JsonFormat {
  int indent = -1;  // < 0: one line with ", " and ": "; otherwise newlines, this many spaces per level, "," and ": "
  bool sort_keys = false;
};
// Python's json.dumps(x, ensure_ascii=False, ...) as transformers' tojson filter calls it: non-ASCII kept.
// Throws TemplateError for values JSON cannot hold (undefined, functions).
std::string to_json(const Value& v, const JsonFormat& format);
// Python's repr() of a float: shortest round-trip digits, "1.0" for whole numbers, exponent from 1e16 / below 1e-4.
std::string python_float_repr(double f);

}  // namespace edt::jinja
