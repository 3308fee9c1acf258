// Script preprocessor: directives, macro expansion and top-level C definitions (see preprocess.h).
#include "src/preprocess/preprocess.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>

namespace scry {
namespace {

constexpr size_t npos = std::string::npos;
using Pos = std::pair<int, int>;  // 1-based line, column
bool is_id0(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_id(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_space(char c) { return c && std::strchr(" \t\r\n\f\v", c); }
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == npos ? "" : s.substr(b, e - b + 1);
}
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  for (size_t b = 0, e = 0; e != npos; b = e + 1) v.push_back(s.substr(b, (e = s.find('\n', b)) - b));
  return v;
}
std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (size_t k = 0; k < v.size(); k++) s += (k ? "\n" : "") + v[k];
  return s;
}
Pos where(const std::string& s, size_t off, int line0) {  // `s` starts on line `line0`
  size_t bol = off ? s.rfind('\n', off - 1) + 1 : 0;      // npos + 1 == 0
  return {line0 + int(std::count(s.begin(), s.begin() + long(off), '\n')), int(off - bol) + 1};
}

enum class Tk { Space, Comment, String, Ident, Word, Other, Punct };
struct Tok { Tk kind; size_t begin, end; };

// Splits script text into tokens, carrying what spans tokens and lines: block comments, brace
// depth and the predicate state. At brace depth 0 outside a predicate it reads attach-point
// words like the script lexer does (a '/' after ':' is part of a path, so "/*" there is not a
// comment). A `plain` lexer reads C text (macro bodies, arguments, #if lines) without those rules.
struct Lex {
  bool plain = false, in_comment = false, in_pred = false;
  int depth = 0, pred_paren = 0;
  explicit Lex(bool plain_ = false) : plain(plain_) {}

  Tok next(const std::string& s, size_t i) {
    size_t n = s.size(), e = i + 1;
    if (in_comment) {
      e = s.find("*/", i);
      in_comment = e == npos;
      return {Tk::Comment, i, in_comment ? n : e + 2};
    }
    char c = s[i], d = i + 1 < n ? s[i + 1] : 0;
    if (c == '/' && d == '/') return {Tk::Comment, i, std::min(s.find('\n', i), n)};
    if (c == '/' && d == '*') return in_comment = true, Tok{Tk::Comment, i, next(s, i + 2).end};
    if (is_space(c)) {
      while (e < n && is_space(s[e])) e++;
      return {Tk::Space, i, e};
    }
    if (c == '"') {
      for (; e < n && s[e] != '"' && s[e] != '\n'; e++) e += s[e] == '\\' && e + 1 < n;
      return {Tk::String, i, e < n && s[e] == '"' ? e + 1 : e};
    }
    if (!plain && depth == 0 && !in_pred && !std::strchr(",{}/", c)) {
      for (e = i; e < n && !is_space(s[e]) && !std::strchr(",{}", s[e]); e++)
        if (s[e] == '/' && !(e > i && (s[e - 1] == ':' || s.find(":/", i) < e))) break;
      return {Tk::Word, i, std::max(e, i + 1)};
    }
    bool digit = std::isdigit(static_cast<unsigned char>(c));
    if (is_id0(c) || digit || c == '$' || c == '@') {  // numbers, $vars and @maps are never macros
      while (e < n && (is_id(s[e]) || (digit && s[e] == '.'))) e++;
      return {is_id0(c) ? Tk::Ident : Tk::Other, i, e};
    }
    if (c == '{') depth++, in_pred = false;
    else if (c == '}') depth = std::max(0, depth - 1);
    else if (!plain && depth == 0 && c == '/' && (!in_pred || pred_paren == 0)) in_pred = !in_pred, pred_paren = 0;
    else if (in_pred && depth == 0 && (c == '(' || c == ')')) pred_paren += c == '(' ? 1 : -1;
    return {Tk::Punct, i, i + 1};
  }
};

// Precedence climbing over a macro-expanded #if expression; names still left are 0.
struct Expr {
  const std::string& s;
  size_t p = 0;
  std::string err;
  void ws() { while (p < s.size() && is_space(s[p])) p++; }
  long long fail(const std::string& m) { return err = err.empty() ? m : err, 0; }
  long long unary() {
    ws();
    char c = p < s.size() ? s[p] : 0;
    long long v = 0;
    if (c == '(') return v = (p++, binary(0)), ws(), p < s.size() && s[p] == ')' ? (p++, v) : fail("expected ')'");
    if (c && std::strchr("!-+~", c)) return v = (p++, unary()), c == '!' ? !v : c == '-' ? -v : c == '~' ? ~v : v;
    size_t b = p;
    while (p < s.size() && is_id(s[p])) p++;
    std::string w = s.substr(b, p - b), num = w.substr(0, w.find_last_not_of("uUlL") + 1);
    if (w.empty()) return fail(c ? std::string("unexpected '") + c + "'" : "expected a value");
    char* endp = nullptr;
    if (!is_id0(w[0])) v = static_cast<long long>(std::strtoull(num.c_str(), &endp, 0));
    return !endp || (!num.empty() && !*endp) ? v : fail("invalid number '" + w + "'");
  }
  long long binary(int min) {
    static const char* ops[] = {"||", "&&", "==", "!=", "<=", ">=", "<<", ">>", "|",
                                "^",  "&",  "<",  ">",  "+",  "-",  "*",  "/",  "%"};
    static const int prec[] = {1, 2, 6, 6, 7, 7, 8, 8, 3, 4, 5, 7, 7, 9, 9, 10, 10, 10};
    long long l = unary();
    for (size_t k = 0;; k = 0) {
      ws();
      while (k < 18 && s.compare(p, std::strlen(ops[k]), ops[k]) != 0) k++;
      if (!err.empty() || k == 18 || prec[k] < min) return l;
      p += std::strlen(ops[k]);
      long long r = binary(prec[k] + 1);
      if (k >= 16 && r == 0) return fail("division by zero");
      long long v[] = {l || r, l && r, l == r, l != r, l <= r, l >= r, l << (r & 63), l >> (r & 63), l | r,
                       l ^ r,  l & r,  l < r,  l > r,  l + r,  l - r,  l * r,  r ? l / r : 0, r ? l % r : 0};
      l = v[k];
    }
  }
};

struct Macro {
  bool function = false;
  std::vector<std::string> params;
  std::string body;
};

struct Preprocessor {
  PreprocessResult& res;
  std::map<std::string, Macro> macros = {};
  long expansions = 0;
  struct Cond {  // an open #if: is the enclosing group active, was a branch taken, is this one
    bool parent, taken, active, had_else;
    Pos at;
    std::string kind;
  };
  std::vector<Cond> conds = {};

  void error(Pos at, const std::string& msg) { res.errors.push_back({at.first, at.second, msg}); }
  bool active() const { return conds.empty() || conds.back().active; }

  // Expands macros in `buf` in place, rescanning each replacement where it stands; a macro is
  // not expanded inside its own replacement (kept as regions of the buffer) or when `disabled`.
  // `more` appends the next source line while an argument list is still open.
  void expand(std::string& buf, Lex& lx, const std::set<std::string>& disabled, int line0,
              const std::function<bool(std::string&)>& more) {
    std::vector<std::pair<size_t, std::string>> regions;  // (end offset, macro name)
    for (size_t i = 0; i < buf.size();) {
      Tok t = lx.next(buf, i);
      i = t.end;
      auto it = t.kind == Tk::Ident ? macros.find(buf.substr(t.begin, t.end - t.begin)) : macros.end();
      if (it == macros.end()) continue;
      const auto& [name, m] = *it;
      std::erase_if(regions, [&](auto& r) { return r.first <= t.begin; });
      std::set<std::string> off = disabled;
      for (auto& r : regions) off.insert(r.second);
      size_t stop = t.end, j = t.end;
      while (j < buf.size() && is_space(buf[j])) j++;
      if (off.count(name) || (m.function && (j >= buf.size() || buf[j] != '('))) continue;
      Pos at = where(buf, t.begin, line0);
      if (++expansions > 10000 || buf.size() > (1u << 18))
        return error(at, "macro expansion of '" + name + "' is too deep or too large");
      std::string repl = m.body;
      if (m.function) {
        std::vector<std::string> args{""};
        Lex al(true);
        int par = 0;
        for (size_t k = j + 1; stop == t.end;) {
          if (k >= buf.size() && !(more && more(buf))) break;
          Tok a = al.next(buf, k);
          char c = buf[a.begin];
          k = a.end;
          if (a.kind == Tk::Punct && par == 0 && c == ')') stop = k;
          else if (a.kind == Tk::Punct && par == 0 && c == ',') args.emplace_back();
          else if (a.kind == Tk::Comment || a.kind == Tk::Space) args.back() += ' ';
          else args.back() += buf.substr(a.begin, k - a.begin), par += a.kind != Tk::Punct ? 0 : (c == '(') - (c == ')');
        }
        if (stop == t.end) { error(at, "unterminated argument list invoking macro '" + name + "'"); continue; }
        if (m.params.empty() && args.size() == 1 && trim(args[0]).empty()) args.clear();
        if (args.size() != m.params.size()) {
          error(at, "macro '" + name + "' requires " + std::to_string(m.params.size()) + " argument(s), but " +
                        std::to_string(args.size()) + " given");
          continue;
        }
        for (auto& a : args) {  // arguments are fully expanded before substitution
          Lex pl(true);
          a = trim(a);
          expand(a, pl, off, at.first, nullptr);
        }
        repl.clear();
        Lex bl(true);
        for (size_t k = 0; k < m.body.size();) {
          Tok b = bl.next(m.body, k);
          std::string w = m.body.substr(b.begin, (k = b.end) - b.begin);
          auto p = std::find(m.params.begin(), m.params.end(), w);
          repl += b.kind == Tk::Ident && p != m.params.end() ? args[size_t(p - m.params.begin())] : w;
        }
      }
      // An invocation spanning lines keeps its newlines after the replacement.
      repl += std::string(size_t(std::count(buf.begin() + long(t.begin), buf.begin() + long(stop), '\n')), '\n');
      buf.replace(t.begin, stop - t.begin, repl);
      for (auto& r : regions)
        r.first = r.first >= stop ? r.first + repl.size() - (stop - t.begin) : std::max(r.first, t.begin + repl.size());
      regions.push_back({t.begin + repl.size(), name});
      i = t.begin;
    }
  }

  // #if: defined X / defined(X) first, then macro expansion, then evaluation.
  bool eval_if(const std::string& expr, Pos at) {
    std::string s;
    Lex lx(true);
    for (size_t i = 0; i < expr.size();) {
      Tok t = lx.next(expr, i);
      std::string w = expr.substr(t.begin, (i = t.end) - t.begin);
      if (t.kind != Tk::Ident || w != "defined") { s += w; continue; }
      auto word = [&]() -> std::string {  // the next token that is not blank
        while (i < expr.size() && is_space(expr[i])) i++;
        Tok u = i < expr.size() ? lx.next(expr, i) : Tok{Tk::Space, i, i};
        return expr.substr(u.begin, (i = u.end) - u.begin);
      };
      std::string name = word(), close = name == "(" ? (name = word(), word()) : ")";
      if (name.empty() || !is_id0(name[0]) || close != ")")
        return error(at, "operator 'defined' requires an identifier"), false;
      s += macros.count(name) ? " 1 " : " 0 ";
    }
    expand(s, lx, {}, at.first, nullptr);
    if (trim(s).empty()) return error(at, "#if with no expression"), false;
    Expr ex{s, 0, {}};
    long long v = ex.binary(0);
    ex.ws();
    if (ex.p < s.size()) ex.fail("unexpected '" + s.substr(ex.p, 1) + "'");
    if (!ex.err.empty()) error(at, "invalid #if expression: " + ex.err);
    return ex.err.empty() && v != 0;
  }

  // #define NAME body | #define NAME(a, b) body (no blank before '(') | #undef NAME
  void define(const std::string& kind, const std::string& rest, Pos at) {
    size_t e = 0;
    while (e < rest.size() && is_id(rest[e])) e++;
    std::string name = rest.substr(0, e);
    if (name.empty()) return error(at, "#" + kind + " expects a macro name");
    if (!is_id0(name[0])) return error(at, "macro names must be identifiers");
    if (kind == "undef") return void(macros.erase(name));
    Macro m;
    if ((m.function = e < rest.size() && rest[e] == '(')) {
      size_t close = rest.find(')', e);
      std::string plist = close == npos ? "" : rest.substr(e + 1, close - e - 1);
      bool ok = close != npos;
      for (size_t a = 0; ok && !trim(plist).empty() && a <= plist.size(); a = e + 1) {
        e = std::min(plist.find(',', a), plist.size());
        m.params.push_back(trim(plist.substr(a, e - a)));
        ok = !m.params.back().empty() && is_id0(m.params.back()[0]) &&
             std::all_of(m.params.back().begin(), m.params.back().end(), is_id);
      }
      if (!ok) return error(at, "invalid parameter list in definition of macro '" + name + "'");
      e = close + 1;
    }
    m.body = trim(rest.substr(e));
    macros[name] = m;
  }

  // One directive, its comments blanked and without the '#'.
  void directive(const std::string& d, Pos at) {
    size_t k = std::min(d.find_first_not_of(" \t"), d.size()), e = k;
    while (e < d.size() && is_id(d[e])) e++;
    std::string name = d.substr(k, e - k), rest = trim(d.substr(e));
    bool on = active(), v = false;
    if (name == "if" || name == "ifdef" || name == "ifndef") {
      for (e = 0; e < rest.size() && is_id(rest[e]);) e++;
      if (on && name == "if") v = eval_if(rest, at);
      else if (on && (e == 0 || !is_id0(rest[0]))) error(at, "#" + name + " expects a macro name");
      else if (on) v = macros.count(rest.substr(0, e)) == (name == "ifdef" ? 1u : 0u);
      conds.push_back({on, v, on && v, false, at, name});
    } else if (name == "elif" || name == "else") {
      if (conds.empty()) return error(at, "#" + name + " without #if");
      Cond& c = conds.back();
      if (c.had_else) return error(at, "#" + name + " after #else");
      v = c.parent && !c.taken && (name == "else" || eval_if(rest, at));
      c.active = v, c.taken = c.taken || v, c.had_else = name == "else";
    } else if (name == "endif") {
      if (conds.empty()) return error(at, "#endif without #if");
      conds.pop_back();
    } else if (!on || (name.empty() && rest.empty()) || name == "pragma" || name == "warning") {
      // a skipped group, the null directive, or ignored
    } else if (name == "include") {
      char close = rest.empty() ? 0 : rest[0] == '<' ? '>' : rest[0] == '"' ? '"' : 0;
      e = close ? rest.find(close, 1) : npos;
      if (e == npos || e == 1 || !trim(rest.substr(e + 1)).empty())
        return error(at, "#include expects <FILE> or \"FILE\"");
      res.includes.push_back(rest.substr(1, e - 1));
      res.include_lines.push_back(at.first);
    } else if (name == "define" || name == "undef") {
      define(name, rest, at);
    } else {
      error(at, name == "error" ? "#error " + rest
                                : "unknown directive '#" + (name.empty() ? rest.substr(0, rest.find(' ')) : name) + "'");
    }
  }
};

}  // namespace

PreprocessResult preprocess(const std::string& source, const std::map<std::string, std::string>& predefined) {
  PreprocessResult res;
  Preprocessor pp{res};
  for (auto& [name, value] : predefined) pp.macros[name].body = value;
  std::vector<std::string> lines = split_lines(source), out(lines.size());
  bool shebang = source.rfind("#!", 0) == 0;
  if (shebang) out[0] = lines[0];
  Lex lx;
  for (size_t i = shebang ? 1 : 0; i < lines.size();) {
    size_t first = i, last = i, p = lines[i].find_first_not_of(" \t");
    std::string line = lines[i++];
    if (!lx.in_comment && p != npos && line[p] == '#') {
      while (!line.empty() && line.back() == '\\' && i < lines.size()) line.pop_back(), line += lines[i++];
      std::string d;  // the directive with its comments blanked
      Lex dl(true);
      for (size_t k = p + 1; k < line.size();) {
        Tok t = dl.next(line, k);
        k = t.end;
        d += t.kind == Tk::Comment ? std::string(" ") : line.substr(t.begin, k - t.begin);
      }
      lx.in_comment = dl.in_comment;
      pp.directive(d, {int(first) + 1, int(p) + 1});
    } else if (!pp.active()) {  // skipped lines: only follow comments
      Lex skip = lx;
      for (size_t k = 0; k < line.size();) k = skip.next(line, k).end;
      lx.in_comment = skip.in_comment;
    } else {
      pp.expand(line, lx, {}, int(first) + 1, [&](std::string& b) {
        size_t q = i < lines.size() ? lines[i].find_first_not_of(" \t") : 0;
        if (i >= lines.size() || (q != npos && lines[i][q] == '#')) return false;
        b += "\n" + lines[i];
        last = i++;
        return true;
      });
      auto parts = split_lines(line);  // one per source line consumed
      std::copy_n(parts.begin(), std::min(parts.size(), last - first + 1), out.begin() + long(first));
    }
  }
  for (auto& c : pp.conds) pp.error(c.at, "unterminated #" + c.kind);

  // Top-level definitions: a line starting "struct|union|enum NAME {" up to the ';' after its
  // '}'; and declarations, "struct|union NAME;".
  std::string text = join_lines(out);
  Lex sl;  // Word tokens only come at brace depth 0, outside predicates and comments
  for (size_t i = shebang ? out[0].size() : 0; i < text.size();) {
    Tok t = sl.next(text, i);
    std::string kw = text.substr(t.begin, (i = t.end) - t.begin);
    if (t.kind != Tk::Word || (kw != "struct" && kw != "union" && kw != "enum")) continue;
    size_t bol = t.begin ? text.rfind('\n', t.begin - 1) + 1 : 0, nb = text.find_first_not_of(" \t\r\n", i), ne = nb;
    while (ne < text.size() && is_id(text[ne])) ne++;
    size_t brace = text.find_first_not_of(" \t\r\n", ne);
    if (nb == npos || !is_id0(text[nb]) || brace == npos || (text[brace] != '{' && text[brace] != ';') ||
        text.find_first_not_of(" \t\1", bol) != t.begin)
      continue;
    Pos at = where(text, t.begin, 1);
    std::string what = kw + " " + text.substr(nb, ne - nb);
    if (text[brace] == ';') {  // a declaration only
      res.c_definitions.push_back({text.substr(t.begin, brace + 1 - t.begin), at.first});
      for (size_t c = t.begin; c <= brace; c++) text[c] = '\1';
      i = brace + 1;
      continue;
    }
    Lex dl(true);
    size_t k = brace;
    do k = dl.next(text, k).end;
    while (k < text.size() && dl.depth > 0);
    if (dl.depth > 0) { pp.error(at, "unterminated definition of " + what); break; }
    // bpftrace takes a definition without its ';' too: `struct F { char s[5]; } BEGIN { ... }`.
    size_t semi = text.find_first_of(";{}", k), end = semi != npos && text[semi] == ';' ? semi + 1 : k;
    std::string def = text.substr(t.begin, end - t.begin);
    if (end == k) def += ";";
    res.c_definitions.push_back({def, at.first});
    for (size_t c = t.begin; c < end; c++) text[c] = text[c] == '\n' ? '\n' : '\1';  // blanked below
    i = end;
  }
  // Lines of a definition that are now blank become empty; columns elsewhere stay.
  out = split_lines(text);
  for (auto& l : out)
    if (l.find('\1') != npos && l.find_first_not_of("\1 \t\r") == npos) l.clear();
    else std::replace(l.begin(), l.end(), '\1', ' ');
  res.text = join_lines(out);
  return res;
}

}  // namespace scry
