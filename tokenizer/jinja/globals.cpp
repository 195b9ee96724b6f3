// The global functions a chat template can call: range (bounded), namespace, dict, and the two transformers
// adds, raise_exception (the template's own error, carried out verbatim) and strftime_now (a pinnable clock).
#include <ctime>

#include "tokenizer/jinja/builtins.h"

namespace edt::jinja {
namespace {

Value g_range(Evaluator& ev, CallArgs& args) {
  args.check(3, {});
  if (args.positional.empty()) ev.fail(args.pos, "range expected at least 1 argument, got 0");
  for (const Value& v : args.positional)
    if (v.kind() != Kind::Int && v.kind() != Kind::Bool)
      ev.fail(args.pos, std::string("range: '") + v.type_name() + "' object cannot be interpreted as an integer");
  int64_t start = 0, stop, step = 1;
  if (args.positional.size() == 1) {
    stop = args.positional[0].as_int();
  } else {
    start = args.positional[0].as_int();
    stop = args.positional[1].as_int();
    if (args.positional.size() == 3) step = args.positional[2].as_int();
  }
  if (step == 0) ev.fail(args.pos, "range() arg 3 must not be zero");
  // The length, computed without overflow, is checked before anything is built.
  const long double span = step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
  const long double count = span <= 0 ? 0 : (span + (step > 0 ? step : -static_cast<long double>(step)) - 1) /
                                                (step > 0 ? step : -static_cast<long double>(step));
  if (count > static_cast<long double>(ev.options().limits.max_list_items))
    ev.fail_limit(args.pos, "range() of more than " + std::to_string(ev.options().limits.max_list_items) + " items");
  List out;
  const auto n = static_cast<int64_t>(count);
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.emplace_back(start + i * step);
  return Value(std::move(out));
}

Value g_namespace(Evaluator& ev, CallArgs& args) {
  Dict attrs;
  for (const Value& v : args.positional) {
    if (v.kind() != Kind::Dict) ev.fail(args.pos, "namespace() takes a dict or keyword arguments");
    for (const auto& [k, x] : v.as_dict().items()) attrs.set(k, x);
  }
  for (const auto& [k, v] : args.kwargs) attrs.set(k, v);
  return Value::make_namespace(std::move(attrs));
}

Value g_dict(Evaluator& ev, CallArgs& args) {
  Dict d;
  for (const Value& v : args.positional) {
    if (v.kind() != Kind::Dict) ev.fail(args.pos, "dict() takes a dict or keyword arguments");
    for (const auto& [k, x] : v.as_dict().items()) d.set(k, x);
  }
  for (const auto& [k, v] : args.kwargs) d.set(k, v);
  return Value(std::move(d));
}

Value g_raise_exception(Evaluator&, CallArgs& args) {
  const Value msg = args.get(0, "message");
  throw TemplateError(TemplateErrorKind::Raised, msg.str(), args.pos);
}

Value g_strftime_now(Evaluator& ev, CallArgs& args) {
  args.check(1, {});
  const Value fmt = args.get(0, "format");
  if (!fmt.is_string()) ev.fail(args.pos, "strftime_now needs a format string");
  std::tm tm{};
  if (ev.options().now) {
    tm = *ev.options().now;
  } else {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
  }
  if (fmt.as_string().size() > 256) ev.fail(args.pos, "strftime_now: the format is longer than 256 bytes");
  char buf[4096];
  const size_t n = std::strftime(buf, sizeof buf, fmt.as_string().c_str(), &tm);
  return Value(std::string(buf, n));
}

}  // namespace

void add_globals(std::unordered_map<std::string, Value>& globals) {
  globals["range"] = Value::function("range", g_range);
  globals["namespace"] = Value::function("namespace", g_namespace);
  globals["dict"] = Value::function("dict", g_dict);
  globals["raise_exception"] = Value::function("raise_exception", g_raise_exception);
  globals["strftime_now"] = Value::function("strftime_now", g_strftime_now);
}

}  // namespace edt::jinja
