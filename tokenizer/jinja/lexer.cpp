// The lexer works in two passes: first it cuts the source into text pieces and tags (recording each tag's
// whitespace markers), then it trims every text piece according to the tags on either side of it. Trimming needs
// both neighbours, and lstrip_blocks looks at the untrimmed text to know whether a tag starts its line.
#include "tokenizer/jinja/lexer.h"

#include <cerrno>
#include <cstdlib>

namespace edt::jinja {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

enum class TagKind { Expr, Stmt, Comment };

struct Piece {
  bool is_text = false;
  size_t offset = 0;  // where the piece starts in the source
  std::string text;   // text pieces (raw blocks' contents are verbatim and marked raw)
  bool raw = false;
  TagKind tag = TagKind::Expr;
  bool minus_left = false, plus_left = false, minus_right = false, plus_right = false;
  std::vector<Token> tokens;  // the tag's tokens, from its begin to its end marker
};

class Lexer {
 public:
  explicit Lexer(std::string_view source) {
    // Newlines normalised to "\n" as Jinja does for data and literals; then one trailing newline dropped.
    src_.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        src_ += '\n';
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        src_ += source[i];
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i)
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
  }

  std::vector<Token> run() {
    cut();
    std::vector<Token> out;
    for (size_t i = 0; i < pieces_.size(); ++i) {
      Piece& p = pieces_[i];
      if (!p.is_text) {
        for (Token& t : p.tokens) out.push_back(std::move(t));
        continue;
      }
      std::string text = p.raw ? p.text : trimmed(i);
      if (p.raw) {
        // A raw block keeps its content, except what its own "-" markers strip.
        if (i > 0 && pieces_[i - 1].minus_right) text = lstrip_all(text);
        if (i + 1 < pieces_.size() && pieces_[i + 1].minus_left) text = rstrip_all(text);
      }
      if (!text.empty()) out.push_back(Token{TokenKind::Text, std::move(text), 0, 0, position(p.offset)});
    }
    out.push_back(Token{TokenKind::End, "", 0, 0, position(src_.size())});
    return out;
  }

 private:
  SourcePos position(size_t offset) const {
    size_t lo = 0, hi = line_starts_.size();
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (line_starts_[mid] <= offset) lo = mid;
      else hi = mid;
    }
    return SourcePos{static_cast<int>(lo + 1), static_cast<int>(offset - line_starts_[lo] + 1)};
  }
  [[noreturn]] void fail(const std::string& msg, size_t offset) const {
    throw TemplateError(TemplateErrorKind::Syntax, msg, position(offset));
  }

  static std::string lstrip_all(const std::string& s) {
    size_t i = 0;
    while (i < s.size() && is_space(s[i])) ++i;
    return s.substr(i);
  }
  static std::string rstrip_all(const std::string& s) {
    size_t n = s.size();
    while (n > 0 && is_space(s[n - 1])) --n;
    return s.substr(0, n);
  }

  std::string trimmed(size_t i) const {
    const Piece& p = pieces_[i];
    std::string text = p.text;
    const Piece* prev = i > 0 ? &pieces_[i - 1] : nullptr;
    const Piece* next = i + 1 < pieces_.size() ? &pieces_[i + 1] : nullptr;
    size_t begin = 0, end = text.size();
    if (next && next->minus_left) {
      while (end > 0 && is_space(text[end - 1])) --end;
    } else if (next && next->tag != TagKind::Expr && !next->plus_left) {
      // lstrip_blocks: only when nothing but spaces and tabs lies between the line start and the tag.
      size_t k = end;
      while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
      const bool line_start = k > 0 ? text[k - 1] == '\n' : p.offset == 0 || src_[p.offset - 1] == '\n';
      if (line_start) end = k;
    }
    if (prev && prev->minus_right) {
      while (begin < end && is_space(text[begin])) ++begin;
    } else if (prev && prev->tag != TagKind::Expr && !prev->plus_right) {
      if (begin < end && text[begin] == '\n') ++begin;  // trim_blocks
    }
    return text.substr(begin, end - begin);
  }

  void cut() {
    size_t pos = 0;
    while (pos < src_.size()) {
      const size_t open = find_tag(pos);
      if (open > pos) pieces_.push_back(text_piece(pos, src_.substr(pos, open - pos)));
      if (open >= src_.size()) break;
      pos = read_tag(open);
    }
  }

  size_t find_tag(size_t from) const {
    for (size_t i = from; i + 1 < src_.size(); ++i)
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return src_.size();
  }

  static Piece text_piece(size_t offset, std::string text) {
    Piece p;
    p.is_text = true;
    p.offset = offset;
    p.text = std::move(text);
    return p;
  }

  // Reads the tag starting at open; returns the offset after it.
  size_t read_tag(size_t open) {
    Piece p;
    p.offset = open;
    const char kind = src_[open + 1];
    p.tag = kind == '{' ? TagKind::Expr : kind == '%' ? TagKind::Stmt : TagKind::Comment;
    size_t pos = open + 2;
    if (pos < src_.size() && src_[pos] == '-') p.minus_left = true, ++pos;
    else if (pos < src_.size() && src_[pos] == '+') p.plus_left = true, ++pos;
    if (p.tag == TagKind::Comment) {
      const size_t close = src_.find("#}", pos);
      if (close == std::string::npos) fail("unclosed comment '{#'", open);
      if (close > pos && src_[close - 1] == '-') p.minus_right = true;
      else if (close > pos && src_[close - 1] == '+') p.plus_right = true;
      pieces_.push_back(std::move(p));
      return close + 2;
    }
    p.tokens.push_back(Token{p.tag == TagKind::Expr ? TokenKind::ExprBegin : TokenKind::StmtBegin,
                             p.tag == TagKind::Expr ? "{{" : "{%", 0, 0, position(open)});
    const char closer = p.tag == TagKind::Expr ? '}' : '%';
    int depth = 0;  // open braces: "}}" inside a dict literal does not end the tag
    while (true) {
      while (pos < src_.size() && is_space(src_[pos])) ++pos;
      if (pos >= src_.size())
        fail(std::string("unclosed '") + (p.tag == TagKind::Expr ? "{{" : "{%") + "' (missing '" +
                 (p.tag == TagKind::Expr ? "}}" : "%}") + "')",
             open);
      const bool minus = src_[pos] == '-' || src_[pos] == '+';
      const size_t c = minus ? pos + 1 : pos;
      if (depth == 0 && c + 1 < src_.size() && src_[c] == closer && src_[c + 1] == '}') {
        if (minus) (src_[pos] == '-' ? p.minus_right : p.plus_right) = true;
        p.tokens.push_back(Token{p.tag == TagKind::Expr ? TokenKind::ExprEnd : TokenKind::StmtEnd,
                                 p.tag == TagKind::Expr ? "}}" : "%}", 0, 0, position(pos)});
        pos = c + 2;
        break;
      }
      pos = read_token(pos, p.tokens, depth);
    }
    const bool is_raw = p.tag == TagKind::Stmt && p.tokens.size() == 3 && p.tokens[1].kind == TokenKind::Name &&
                        p.tokens[1].text == "raw";
    pieces_.push_back(std::move(p));
    if (is_raw) return read_raw(open, pos);
    return pos;
  }

  // After {% raw %}: everything up to {% endraw %} is text.
  size_t read_raw(size_t open, size_t pos) {
    for (size_t i = pos; i + 1 < src_.size(); ++i) {
      if (src_[i] != '{' || src_[i + 1] != '%') continue;
      size_t j = i + 2;
      bool minus_left = false;
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) minus_left = src_[j] == '-', ++j;
      while (j < src_.size() && is_space(src_[j])) ++j;
      if (src_.compare(j, 6, "endraw") != 0) continue;
      j += 6;
      while (j < src_.size() && is_space(src_[j])) ++j;
      bool minus_right = false, plus_right = false;
      if (j < src_.size() && (src_[j] == '-' || src_[j] == '+')) (src_[j] == '-' ? minus_right : plus_right) = true, ++j;
      if (src_.compare(j, 2, "%}") != 0) continue;
      Piece text = text_piece(pos, src_.substr(pos, i - pos));
      text.raw = true;
      pieces_.push_back(std::move(text));
      // The endraw tag carries only whitespace markers: it produces no tokens.
      Piece end;
      end.offset = i;
      end.tag = TagKind::Stmt;
      end.minus_left = minus_left;
      end.minus_right = minus_right;
      end.plus_right = plus_right;
      pieces_.push_back(std::move(end));
      // The raw tag's own tokens are not statements: drop them.
      pieces_[pieces_.size() - 3].tokens.clear();
      return j + 2;
    }
    fail("unclosed '{% raw %}' (missing '{% endraw %}')", open);
  }

  size_t read_token(size_t pos, std::vector<Token>& out, int& depth) {
    const SourcePos where = position(pos);
    const char c = src_[pos];
    if (is_name_start(c)) {
      size_t end = pos;
      while (end < src_.size() && (is_name_start(src_[end]) || is_digit(src_[end]))) ++end;
      out.push_back(Token{TokenKind::Name, src_.substr(pos, end - pos), 0, 0, where});
      return end;
    }
    if (is_digit(c)) return read_number(pos, out);
    if (c == '\'' || c == '"') return read_string(pos, out);
    static const char* const kOps[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">",
                                       "=",  "(",  ")",  "[",  "]",  "{",  "}", ",", ".", ":", "|"};
    for (const char* op : kOps) {
      const std::string_view sv(op);
      if (src_.compare(pos, sv.size(), sv) != 0) continue;
      // Only braces matter for "}}": "{{ [1, 2 }}" ends the tag and the parser reports the missing ']'.
      if (sv == "{") ++depth;
      if (sv == "}" && depth > 0) --depth;
      out.push_back(Token{TokenKind::Op, std::string(sv), 0, 0, where});
      return pos + sv.size();
    }
    fail(std::string("unexpected character '") + c + "'", pos);
  }

  size_t read_number(size_t pos, std::vector<Token>& out) {
    const SourcePos where = position(pos);
    size_t end = pos;
    std::string digits;
    bool is_float = false;
    auto take_digits = [&] {
      while (end < src_.size() && (is_digit(src_[end]) || (src_[end] == '_' && end + 1 < src_.size() &&
                                                           is_digit(src_[end + 1])))) {
        if (src_[end] != '_') digits += src_[end];
        ++end;
      }
    };
    take_digits();
    if (end + 1 < src_.size() && src_[end] == '.' && is_digit(src_[end + 1])) {
      is_float = true;
      digits += '.';
      ++end;
      take_digits();
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t k = end + 1;
      if (k < src_.size() && (src_[k] == '+' || src_[k] == '-')) ++k;
      if (k < src_.size() && is_digit(src_[k])) {
        is_float = true;
        digits += 'e';
        digits.append(src_, end + 1, k - end - 1);
        end = k;
        take_digits();
      }
    }
    Token t{is_float ? TokenKind::Float : TokenKind::Int, digits, 0, 0, where};
    errno = 0;
    if (is_float) {
      t.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      t.int_value = std::strtoll(digits.c_str(), nullptr, 10);
      if (errno == ERANGE) fail("integer literal " + digits + " is too large", pos);
    }
    out.push_back(std::move(t));
    return end;
  }

  static void append_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Python string literal rules: the usual escapes, \xhh, \uhhhh, \Uhhhhhhhh, backslash-newline; an unknown
  // escape keeps its backslash.
  size_t read_string(size_t pos, std::vector<Token>& out) {
    const char quote = src_[pos];
    std::string value;
    size_t i = pos + 1;
    while (true) {
      if (i >= src_.size()) fail("unclosed string literal", pos);
      const char c = src_[i];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        ++i;
        continue;
      }
      if (i + 1 >= src_.size()) fail("unclosed string literal", pos);
      const char e = src_[i + 1];
      i += 2;
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case '\\': value += '\\'; break;
        case '\'': value += '\''; break;
        case '"': value += '"'; break;
        case 'a': value += '\a'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'v': value += '\v'; break;
        case '\n': break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          uint32_t cp = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i < src_.size() && src_[i] >= '0' && src_[i] <= '7'; ++k, ++i)
            cp = cp * 8 + static_cast<uint32_t>(src_[i] - '0');
          append_utf8(cp, value);
          break;
        }
        case 'x': case 'u': case 'U': {
          const int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int k = 0; k < n; ++k, ++i) {
            const char h = i < src_.size() ? src_[i] : '\0';
            const int d = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (d < 0) fail(std::string("truncated \\") + e + " escape in a string literal", i);
            cp = cp * 16 + static_cast<uint32_t>(d);
          }
          if (cp > 0x10FFFF) fail("\\U escape out of the Unicode range", i);
          append_utf8(cp, value);
          break;
        }
        default:
          value += '\\';
          value += e;
      }
    }
    out.push_back(Token{TokenKind::String, std::move(value), 0, 0, position(pos)});
    return i + 1;
  }

  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Piece> pieces_;
};

}  // namespace

std::vector<Token> lex_template(std::string_view source) { return Lexer(source).run(); }

}  // namespace edt::jinja
