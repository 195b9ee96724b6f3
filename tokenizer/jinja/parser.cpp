// A recursive-descent parser following Jinja's precedence, lowest first: inline if, or, and, not, comparisons,
// + -, ~, * / // %, **, unary - +, then postfix (.attr [index] (call)) and filters / tests, which bind tighter
// than every binary operator ("'a' + x | trim" trims x alone).
#include "tokenizer/jinja/parser.h"

#include <algorithm>

#include "tokenizer/jinja/lexer.h"

namespace edt::jinja {
namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Program run() {
    Program p;
    p.body = parse_body({});
    if (peek().kind != TokenKind::End) fail_at(peek(), "unexpected '" + peek().text + "'");
    return p;
  }

 private:
  // --- token helpers ---
  const Token& peek(size_t ahead = 0) const {
    const size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  [[noreturn]] void fail_at(const Token& t, const std::string& msg) const {
    throw TemplateError(TemplateErrorKind::Syntax, msg, t.pos);
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case TokenKind::End: return "end of template";
      case TokenKind::Text: return "template text";
      case TokenKind::ExprEnd: return "'}}'";
      case TokenKind::StmtEnd: return "'%}'";
      case TokenKind::String: return "string literal";
      default: return "'" + t.text + "'";
    }
  }
  bool is_op(const char* op, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::Op && peek(ahead).text == op;
  }
  bool is_name(const char* name, size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::Name && peek(ahead).text == name;
  }
  void expect_op(const char* op) {
    if (!is_op(op)) fail_at(peek(), std::string("expected '") + op + "', found " + describe(peek()));
    next();
  }
  std::string expect_name(const char* what) {
    if (peek().kind != TokenKind::Name) fail_at(peek(), std::string("expected ") + what + ", found " + describe(peek()));
    return next().text;
  }
  void expect_stmt_end() {
    if (peek().kind != TokenKind::StmtEnd) fail_at(peek(), "expected '%}', found " + describe(peek()));
    next();
  }

  struct DepthGuard {
    Parser& p;
    DepthGuard(Parser& parser, const Token& at) : p(parser) {
      if (++p.depth_ > kMaxNestingDepth)
        p.fail_at(at, "nested more than " + std::to_string(kMaxNestingDepth) + " levels deep");
    }
    ~DepthGuard() { --p.depth_; }
  };

  static ExprPtr make(ExprKind kind, SourcePos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }

  // Sets e's height from its children and refuses trees the evaluator could not recurse through safely.
  ExprPtr finish(ExprPtr e) const {
    int h = 0;
    for (const ExprPtr& a : e->args) h = a ? std::max(h, a->depth) : h;
    for (const ExprPtr& a : e->kwargs) h = std::max(h, a->depth);
    e->depth = h + 1;
    if (e->depth > kMaxExpressionHeight)
      throw TemplateError(TemplateErrorKind::Syntax,
                          "expression nested more than " + std::to_string(kMaxExpressionHeight) + " levels deep", e->pos);
    return e;
  }

  // --- statements ---
  // Parses nodes until a {% tag %} whose keyword is in `until` (left unconsumed: the caller reads it).
  std::vector<NodePtr> parse_body(const std::vector<std::string>& until) {
    std::vector<NodePtr> body;
    while (true) {
      const Token& t = peek();
      if (t.kind == TokenKind::End) {
        if (!until.empty()) fail_at(t, "unexpected end of template: expected '{% " + until.back() + " %}'" +
                                           (open_tags_.empty() ? "" : " to close '" + open_tags_.back().first +
                                            "' at line " + std::to_string(open_tags_.back().second.line) +
                                            ", column " + std::to_string(open_tags_.back().second.column)));
        return body;
      }
      if (t.kind == TokenKind::Text) {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::Text;
        n->pos = t.pos;
        n->text = t.text;
        next();
        body.push_back(std::move(n));
        continue;
      }
      if (t.kind == TokenKind::ExprBegin) {
        next();
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::Output;
        n->pos = t.pos;
        n->expr = parse_expression();
        if (peek().kind != TokenKind::ExprEnd) fail_at(peek(), "expected '}}', found " + describe(peek()));
        next();
        body.push_back(std::move(n));
        continue;
      }
      if (t.kind != TokenKind::StmtBegin) fail_at(t, "unexpected " + describe(t));
      const Token& keyword = peek(1);
      if (keyword.kind != TokenKind::Name) fail_at(keyword, "expected a statement keyword, found " + describe(keyword));
      for (const std::string& u : until)
        if (keyword.text == u) return body;
      next();
      body.push_back(parse_statement());
    }
  }

  NodePtr parse_statement() {
    const Token& kw = next();
    DepthGuard guard(*this, kw);
    auto n = std::make_unique<Node>();
    n->pos = kw.pos;
    const std::string& k = kw.text;
    if (k == "if") return parse_if(std::move(n));
    if (k == "for") return parse_for(std::move(n));
    if (k == "set") return parse_set(std::move(n));
    if (k == "macro") return parse_macro(std::move(n));
    if (k == "call") return parse_call_block(std::move(n));
    if (k == "filter") return parse_filter_block(std::move(n));
    if (k == "break" || k == "continue") {
      if (loop_depth_ == 0) fail_at(kw, "'" + k + "' outside a for loop");
      n->kind = k == "break" ? NodeKind::Break : NodeKind::Continue;
      expect_stmt_end();
      return n;
    }
    if (k == "generation") {
      n->kind = NodeKind::Generation;
      expect_stmt_end();
      n->body = parse_block_until(k, kw.pos, "endgeneration");
      return n;
    }
    if (k == "extends" || k == "include" || k == "import" || k == "from" || k == "block")
      fail_at(kw, "'" + k + "' is not supported in chat templates (there are no other templates to load)");
    if (k == "endif" || k == "endfor" || k == "else" || k == "elif" || k == "endset" || k == "endmacro" ||
        k == "endcall" || k == "endfilter" || k == "endgeneration" || k == "endraw")
      fail_at(kw, "unexpected '" + k + "' with no open block it could close");
    fail_at(kw, "unknown statement '" + k + "'");
  }

  // Body up to {% end %}, consuming the end tag.
  std::vector<NodePtr> parse_block_until(const std::string& opener, SourcePos at, const std::string& end) {
    open_tags_.emplace_back(opener, at);
    auto body = parse_body({end});
    open_tags_.pop_back();
    next();  // {%
    next();  // end
    expect_stmt_end();
    return body;
  }

  NodePtr parse_if(NodePtr n) {
    n->kind = NodeKind::If;
    n->expr = parse_expression();
    expect_stmt_end();
    open_tags_.emplace_back("if", n->pos);
    n->body = parse_body({"elif", "else", "endif"});
    Node* cur = n.get();
    while (true) {
      next();  // {%
      const Token& kw = next();
      if (kw.text == "elif") {
        auto e = std::make_unique<Node>();
        e->kind = NodeKind::If;
        e->pos = kw.pos;
        e->expr = parse_expression();
        expect_stmt_end();
        e->body = parse_body({"elif", "else", "endif"});
        Node* raw = e.get();
        cur->else_body.push_back(std::move(e));
        cur = raw;
        continue;
      }
      if (kw.text == "else") {
        expect_stmt_end();
        cur->else_body = parse_body({"endif"});
        next();
        next();
      }
      expect_stmt_end();
      break;
    }
    open_tags_.pop_back();
    return n;
  }

  NodePtr parse_for(NodePtr n) {
    n->kind = NodeKind::For;
    do {
      n->targets.push_back(expect_name("a loop variable name"));
      if (!is_op(",")) break;
      next();
    } while (true);
    if (!is_name("in")) fail_at(peek(), "expected 'in' in the for loop, found " + describe(peek()));
    next();
    n->expr = parse_or_test();  // no inline if here: "if" after the iterable is the loop filter
    if (is_name("if")) {
      next();
      n->expr2 = parse_or_test();
    }
    if (is_name("recursive")) fail_at(peek(), "recursive loops are not supported");
    expect_stmt_end();
    open_tags_.emplace_back("for", n->pos);
    ++loop_depth_;
    n->body = parse_body({"else", "endfor"});
    --loop_depth_;
    next();
    const Token& kw = next();
    if (kw.text == "else") {
      expect_stmt_end();
      n->else_body = parse_body({"endfor"});
      next();
      next();
    }
    expect_stmt_end();
    open_tags_.pop_back();
    return n;
  }

  NodePtr parse_set(NodePtr n) {
    n->kind = NodeKind::Set;
    n->targets.push_back(expect_name("a variable name after 'set'"));
    if (is_op(".")) {
      next();
      n->attr = expect_name("an attribute name");
    } else {
      while (is_op(",")) {
        next();
        n->targets.push_back(expect_name("a variable name"));
      }
    }
    if (!is_op("=")) {
      // {% set x %}...{% endset %}, optionally {% set x | filter %}
      if (!n->attr.empty() || n->targets.size() != 1)
        fail_at(peek(), "expected '=' in the set statement, found " + describe(peek()));
      n->kind = NodeKind::SetBlock;
      if (is_op("|")) n->expr = parse_filters(nullptr);
      expect_stmt_end();
      n->body = parse_block_until("set", n->pos, "endset");
      return n;
    }
    next();
    n->expr = parse_tuple_or_expression();
    expect_stmt_end();
    return n;
  }

  void parse_params(Node& n) {
    expect_op("(");
    while (!is_op(")")) {
      n.targets.push_back(expect_name("a parameter name"));
      if (is_op("=")) {
        next();
        n.defaults.push_back(parse_expression());
      } else {
        n.defaults.push_back(nullptr);
      }
      if (!is_op(",")) break;
      next();
    }
    expect_op(")");
  }

  NodePtr parse_macro(NodePtr n) {
    n->kind = NodeKind::Macro;
    n->text = expect_name("a macro name");
    parse_params(*n);
    expect_stmt_end();
    const int saved_loops = loop_depth_;
    loop_depth_ = 0;
    n->body = parse_block_until("macro", n->pos, "endmacro");
    loop_depth_ = saved_loops;
    return n;
  }

  NodePtr parse_call_block(NodePtr n) {
    n->kind = NodeKind::CallBlock;
    if (is_op("(")) parse_params(*n);  // caller's own parameters
    n->expr = parse_expression();
    if (n->expr->kind != ExprKind::Call) fail_at(peek(), "'call' needs a macro call, e.g. {% call m() %}");
    expect_stmt_end();
    n->body = parse_block_until("call", n->pos, "endcall");
    return n;
  }

  NodePtr parse_filter_block(NodePtr n) {
    n->kind = NodeKind::FilterBlock;
    n->expr = parse_filters(nullptr, /*first_without_bar=*/true);
    expect_stmt_end();
    n->body = parse_block_until("filter", n->pos, "endfilter");
    return n;
  }

  // --- expressions ---
  ExprPtr parse_tuple_or_expression() {
    const SourcePos at = peek().pos;
    ExprPtr first = parse_expression();
    if (!is_op(",")) return first;
    auto t = make(ExprKind::Tuple, at);
    t->args.push_back(std::move(first));
    while (is_op(",")) {
      next();
      if (peek().kind == TokenKind::StmtEnd || peek().kind == TokenKind::ExprEnd) break;
      t->args.push_back(parse_expression());
    }
    return finish(std::move(t));
  }

  ExprPtr parse_expression() {
    DepthGuard guard(*this, peek());
    ExprPtr e = parse_or_test();
    while (is_name("if")) {
      auto c = make(ExprKind::CondExpr, peek().pos);
      next();
      c->args.push_back(std::move(e));
      c->args.push_back(parse_or_test());
      if (is_name("else")) {
        next();
        c->args.push_back(parse_expression());
      } else {
        c->args.push_back(nullptr);
      }
      e = finish(std::move(c));
    }
    return e;
  }

  ExprPtr parse_or_test() {
    ExprPtr e = parse_and_test();
    while (is_name("or")) {
      auto o = make(ExprKind::Or, next().pos);
      o->args.push_back(std::move(e));
      o->args.push_back(parse_and_test());
      e = finish(std::move(o));
    }
    return e;
  }

  ExprPtr parse_and_test() {
    ExprPtr e = parse_not_test();
    while (is_name("and")) {
      auto a = make(ExprKind::And, next().pos);
      a->args.push_back(std::move(e));
      a->args.push_back(parse_not_test());
      e = finish(std::move(a));
    }
    return e;
  }

  ExprPtr parse_not_test() {
    if (is_name("not")) {
      DepthGuard guard(*this, peek());
      auto n = make(ExprKind::Unary, next().pos);
      n->name = "not";
      n->args.push_back(parse_not_test());
      return finish(std::move(n));
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const SourcePos at = peek().pos;
    ExprPtr first = parse_math1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (peek().kind == TokenKind::Op &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == "<=" ||
           peek().text == ">" || peek().text == ">=")) {
        op = next().text;
      } else if (is_name("in")) {
        next();
        op = "in";
      } else if (is_name("not") && is_name("in", 1)) {
        next();
        next();
        op = "not in";
      } else {
        break;
      }
      if (!cmp) {
        cmp = make(ExprKind::Compare, at);
        cmp->args.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->args.push_back(parse_math1());
    }
    return cmp ? finish(std::move(cmp)) : std::move(first);
  }

  ExprPtr binary(const std::string& op, SourcePos at, ExprPtr l, ExprPtr r) {
    auto b = make(ExprKind::Binary, at);
    b->name = op;
    b->args.push_back(std::move(l));
    b->args.push_back(std::move(r));
    return finish(std::move(b));
  }

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& t = next();
      e = binary(t.text, t.pos, std::move(e), parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      const Token& t = next();
      e = binary("~", t.pos, std::move(e), parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& t = next();
      e = binary(t.text, t.pos, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      const Token& t = next();
      e = binary("**", t.pos, std::move(e), parse_unary(true));
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, peek());
    ExprPtr e;
    if (is_op("-") || is_op("+")) {
      const Token& t = next();
      e = make(ExprKind::Unary, t.pos);
      e->name = t.text;
      e->args.push_back(parse_unary(false));
      e = finish(std::move(e));
    } else {
      e = parse_primary();
    }
    e = parse_postfix(std::move(e));
    if (with_filter) e = parse_filter_and_tests(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::Name: {
        next();
        if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
          auto e = make(ExprKind::Literal, t.pos);
          e->literal = Value(t.text == "true" || t.text == "True");
          return e;
        }
        if (t.text == "none" || t.text == "None") {
          auto e = make(ExprKind::Literal, t.pos);
          e->literal = Value::none();
          return e;
        }
        auto e = make(ExprKind::Name, t.pos);
        e->name = t.text;
        return e;
      }
      case TokenKind::String: {
        std::string s;
        while (peek().kind == TokenKind::String) s += next().text;  // adjacent literals concatenate
        auto e = make(ExprKind::Literal, t.pos);
        e->literal = Value(std::move(s));
        return e;
      }
      case TokenKind::Int: {
        next();
        auto e = make(ExprKind::Literal, t.pos);
        e->literal = Value(t.int_value);
        return e;
      }
      case TokenKind::Float: {
        next();
        auto e = make(ExprKind::Literal, t.pos);
        e->literal = Value(t.float_value);
        return e;
      }
      case TokenKind::Op:
        if (t.text == "(") {
          next();
          if (is_op(")")) {
            next();
            return make(ExprKind::Tuple, t.pos);
          }
          ExprPtr inner = parse_tuple_or_expression();
          expect_op(")");
          return inner;
        }
        if (t.text == "[") {
          next();
          auto list = make(ExprKind::List, t.pos);
          while (!is_op("]")) {
            list->args.push_back(parse_expression());
            if (!is_op(",")) break;
            next();
          }
          expect_op("]");
          return finish(std::move(list));
        }
        if (t.text == "{") {
          next();
          auto dict = make(ExprKind::Dict, t.pos);
          while (!is_op("}")) {
            dict->args.push_back(parse_expression());
            expect_op(":");
            dict->args.push_back(parse_expression());
            if (!is_op(",")) break;
            next();
          }
          expect_op("}");
          return finish(std::move(dict));
        }
        break;
      default: break;
    }
    fail_at(t, "expected an expression, found " + describe(t));
  }

  void parse_call_args(Expr& call) {
    expect_op("(");
    while (!is_op(")")) {
      if (peek().kind == TokenKind::Name && is_op("=", 1)) {
        call.kwarg_names.push_back(next().text);
        next();
        call.kwargs.push_back(parse_expression());
      } else {
        if (!call.kwargs.empty()) fail_at(peek(), "a positional argument after keyword arguments");
        call.args.push_back(parse_expression());
      }
      if (!is_op(",")) break;
      next();
    }
    expect_op(")");
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      if (is_op(".")) {
        const Token& dot = next();
        const Token& t = next();
        if (t.kind != TokenKind::Name && t.kind != TokenKind::Int)
          fail_at(t, "expected an attribute name after '.', found " + describe(t));
        if (t.kind == TokenKind::Int) {
          auto idx = make(ExprKind::Index, dot.pos);
          idx->args.push_back(std::move(e));
          auto lit = make(ExprKind::Literal, t.pos);
          lit->literal = Value(t.int_value);
          idx->args.push_back(std::move(lit));
          e = finish(std::move(idx));
        } else {
          auto a = make(ExprKind::Attr, dot.pos);
          a->name = t.text;
          a->args.push_back(std::move(e));
          e = finish(std::move(a));
        }
      } else if (is_op("[")) {
        e = parse_subscript(std::move(e));
      } else if (is_op("(")) {
        DepthGuard guard(*this, peek());
        auto c = make(ExprKind::Call, peek().pos);
        c->args.push_back(std::move(e));
        parse_call_args(*c);
        e = finish(std::move(c));
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr target) {
    const Token& open = next();
    DepthGuard guard(*this, open);
    ExprPtr parts[3];
    int colons = 0;
    while (!is_op("]")) {
      if (is_op(":")) {
        if (++colons > 2) fail_at(peek(), "too many ':' in a slice");
        next();
        continue;
      }
      if (parts[colons]) fail_at(peek(), "expected ']' or ':', found " + describe(peek()));
      parts[colons] = parse_expression();
    }
    expect_op("]");
    if (colons == 0) {
      if (!parts[0]) fail_at(open, "empty subscript '[]'");
      auto idx = make(ExprKind::Index, open.pos);
      idx->args.push_back(std::move(target));
      idx->args.push_back(std::move(parts[0]));
      return finish(std::move(idx));
    }
    auto s = make(ExprKind::Slice, open.pos);
    s->args.push_back(std::move(target));
    for (auto& p : parts) s->args.push_back(std::move(p));
    return finish(std::move(s));
  }

  // Filters ("| name(args)") and tests ("is [not] name(args)") after a postfix expression.
  ExprPtr parse_filter_and_tests(ExprPtr e) {
    while (true) {
      if (is_op("|")) {
        e = parse_filters(std::move(e));
      } else if (is_name("is")) {
        const Token& is = next();
        auto t = make(ExprKind::Test, is.pos);
        if (is_name("not")) {
          next();
          t->negated = true;
        }
        const Token& name = peek();
        if (name.kind != TokenKind::Name) fail_at(name, "expected a test name after 'is', found " + describe(name));
        next();
        t->name = name.text;
        t->args.push_back(std::move(e));
        if (is_op("(")) {
          parse_call_args(*t);
        } else if ((peek().kind == TokenKind::String || peek().kind == TokenKind::Int ||
                    peek().kind == TokenKind::Float || is_op("[") || is_op("{") ||
                    (peek().kind == TokenKind::Name && !is_name("else") && !is_name("or") && !is_name("and") &&
                     !is_name("if") && !is_name("in") && !is_name("not") && !is_name("is")))) {
          // One argument without parentheses: "x is divisibleby 3", "x is sameas none".
          ExprPtr arg = parse_primary();
          t->args.push_back(parse_postfix(std::move(arg)));
        }
        e = finish(std::move(t));
      } else {
        return e;
      }
    }
  }

  // "| f | g(x)" chains; subject may be null ({% filter %} blocks, {% set x | f %}).
  ExprPtr parse_filters(ExprPtr subject, bool first_without_bar = false) {
    bool first = true;
    while (is_op("|") || (first && first_without_bar)) {
      if (!(first && first_without_bar)) next();
      first = false;
      const Token& name = peek();
      if (name.kind != TokenKind::Name) fail_at(name, "expected a filter name after '|', found " + describe(name));
      next();
      std::string full = name.text;
      while (is_op(".") && peek(1).kind == TokenKind::Name) {
        next();
        full += "." + next().text;
      }
      auto f = make(ExprKind::Filter, name.pos);
      f->name = full;
      f->args.push_back(std::move(subject));
      if (is_op("(")) parse_call_args(*f);
      subject = finish(std::move(f));
    }
    return subject;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<std::pair<std::string, SourcePos>> open_tags_;
};

}  // namespace

Program parse_template(std::string_view source) { return Parser(lex_template(source)).run(); }

}  // namespace edt::jinja
