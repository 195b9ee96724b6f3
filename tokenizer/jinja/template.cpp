#include "tokenizer/jinja/template.h"

#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/parser.h"

namespace edt::jinja {
namespace {

void check_names(const Expr* e) {
  if (!e) return;
  if (e->kind == ExprKind::Filter && !find_filter(e->name))
    throw TemplateError(TemplateErrorKind::Syntax, "no filter named '" + e->name + "'", e->pos);
  if (e->kind == ExprKind::Test && !find_test(e->name))
    throw TemplateError(TemplateErrorKind::Syntax, "no test named '" + e->name + "'", e->pos);
  for (const ExprPtr& a : e->args) check_names(a.get());
  for (const ExprPtr& a : e->kwargs) check_names(a.get());
}

void check_names(const std::vector<NodePtr>& body) {
  for (const NodePtr& n : body) {
    check_names(n->expr.get());
    check_names(n->expr2.get());
    for (const ExprPtr& d : n->defaults) check_names(d.get());
    check_names(n->body);
    check_names(n->else_body);
  }
}

}  // namespace

Template Template::parse(std::string_view source) {
  auto program = std::make_shared<Program>(parse_template(source));
  check_names(program->body);
  Template t;
  t.program_ = std::move(program);
  return t;
}

std::string Template::render(const Dict& variables, const RenderOptions& options) const {
  return render_with_spans(variables, options).text;
}

RenderResult Template::render_with_spans(const Dict& variables, const RenderOptions& options) const {
  Evaluator ev(options);
  return ev.render(*program_, variables);
}

}  // namespace edt::jinja
