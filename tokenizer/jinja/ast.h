#pragma once
// The parsed template: expressions and statements as the parser builds them and the evaluator walks them.
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/jinja/error.h"
#include "tokenizer/jinja/value.h"

namespace edt::jinja {

enum class ExprKind {
  Literal,   // literal
  Name,      // name
  List,      // args = items
  Tuple,     // args = items (a tuple is a list here)
  Dict,      // keys[i] -> args[i] (keys are expressions: args = k0, v0, k1, v1, ...)
  Attr,      // args[0].name
  Index,     // args[0][args[1]]
  Slice,     // args[0][args[1]:args[2]:args[3]], missing parts null
  Call,      // args[0](args[1..], kwarg_names = kwargs)
  Filter,    // args[0] | name(args[1..], kwargs); args[0] null in a {% filter %} block
  Test,      // args[0] is [not] name(args[1..]); negated
  Unary,     // name: "-", "+", "not"
  Binary,    // args[0] name args[1]: + - * / // % ** ~
  Compare,   // args[0] ops[0] args[1] ops[1] args[2] ...: == != < <= > >= in "not in"
  And,
  Or,
  CondExpr,  // args[0] if args[1] else args[2] (args[2] null: undefined)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind;
  SourcePos pos;
  std::string name;
  Value literal;
  std::vector<ExprPtr> args;
  std::vector<std::string> kwarg_names;  // Call / Filter / Test keyword arguments, by name
  std::vector<ExprPtr> kwargs;
  std::vector<std::string> ops;          // Compare
  bool negated = false;                  // Test
  int depth = 1;                         // height of this expression's tree (bounded by the parser)
};

enum class NodeKind {
  Text,        // text
  Output,      // {{ expr }}
  If,          // if expr: body else else_body (elif is a nested If in else_body)
  For,         // for targets in expr [if expr2]: body else else_body
  Set,         // set targets = expr, or set name.attr = expr (attr non-empty)
  SetBlock,    // set target %}body{% endset, with optional filter expr applied
  Macro,       // macro name(params = defaults) body
  CallBlock,   // call expr (a macro call) with body as caller()
  FilterBlock, // filter expr (a Filter chain with null subject) applied to body
  Break,
  Continue,
  Generation,  // {% generation %}: renders its body (transformers' assistant-mask marker)
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Node {
  NodeKind kind;
  SourcePos pos;
  std::string text;                  // Text
  ExprPtr expr, expr2;
  std::vector<std::string> targets;  // For / Set names; Macro parameter names
  std::string attr;                  // Set name.attr
  std::vector<ExprPtr> defaults;     // Macro parameter defaults (null when none)
  std::vector<NodePtr> body, else_body;
};

struct Program {
  std::vector<NodePtr> body;
};

}  // namespace edt::jinja
