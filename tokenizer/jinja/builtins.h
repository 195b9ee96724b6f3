#pragma once
// The built-in vocabulary of the template language, each family in its own file: operators (operators.cpp),
// filters (filters.cpp), tests (tests.cpp), methods of str and dict (methods.cpp) and global functions
// (globals.cpp).
#include <string>
#include <unordered_map>

#include "tokenizer/jinja/evaluator.h"

namespace edt::jinja {

using FilterFn = Value (*)(Evaluator& ev, const Value& subject, CallArgs& args);
using TestFn = bool (*)(Evaluator& ev, const Value& subject, CallArgs& args);

const FilterFn* find_filter(const std::string& name);
const TestFn* find_test(const std::string& name);
// A str or dict method bound to obj, or undefined when obj has none by that name.
Value find_method(const Value& obj, const std::string& name);
// range, namespace, dict, raise_exception, strftime_now.
void add_globals(std::unordered_map<std::string, Value>& globals);

// Operators with Python's semantics on our values. op is the template's spelling.
Value binary_op(Evaluator& ev, const std::string& op, const Value& a, const Value& b, SourcePos pos);
bool compare_op(Evaluator& ev, const std::string& op, const Value& a, const Value& b, SourcePos pos);
Value unary_op(Evaluator& ev, const std::string& op, const Value& a, SourcePos pos);
Value slice_value(Evaluator& ev, const Value& v, const Value& start, const Value& stop, const Value& step,
                  SourcePos pos);
// "in": substring, list membership, dict key.
bool contains(Evaluator& ev, const Value& container, const Value& item, SourcePos pos);

}  // namespace edt::jinja
