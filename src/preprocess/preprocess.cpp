// Script preprocessor: directives, macro expansion and top-level C definitions (see preprocess.h).
#include "src/preprocess/preprocess.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <functional>
#include <set>

namespace scry {
namespace {

constexpr size_t npos = std::string::npos;
bool is_id0(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_id(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == npos ? "" : s.substr(b, e - b + 1);
}

enum class Tk { Space, Comment, String, Ident, Number, Word, Var, Punct };
struct Tok {
  Tk kind;
  size_t begin, end;
};

// Splits script text into tokens, carrying what spans tokens and lines: block comments, brace
// depth and the predicate state. At brace depth 0 outside a predicate it reads attach-point
// words the way the script lexer does (a '/' after ':' is part of a path, so "/*" there is not
// a comment). `plain` lexes a C expression (macro bodies, #if lines) without those rules.
struct Lex {
  bool plain = false, in_comment = false, in_pred = false;
  int depth = 0, pred_paren = 0;

  Tok next(const std::string& s, size_t i) {
    size_t n = s.size();
    if (in_comment) {
      size_t e = s.find("*/", i);
      if (e == npos) return {Tk::Comment, i, n};
      in_comment = false;
      return {Tk::Comment, i, e + 2};
    }
    char c = s[i], d = i + 1 < n ? s[i + 1] : 0;
    if (c == '/' && d == '/') return {Tk::Comment, i, std::min(s.find('\n', i), n)};
    if (c == '/' && d == '*') {
      in_comment = true;
      Tok t = next(s, i + 2);
      return {Tk::Comment, i, t.end};
    }
    size_t e = i + 1;
    if (is_space(c)) {
      while (e < n && is_space(s[e])) e++;
      return {Tk::Space, i, e};
    }
    if (c == '"') {
      for (; e < n && s[e] != '"' && s[e] != '\n'; e++)
        if (s[e] == '\\' && e + 1 < n) e++;
      return {Tk::String, i, std::min(e + 1, n)};
    }
    if (!plain && depth == 0 && !in_pred && !std::strchr(",{}/", c)) {
      for (e = i; e < n && !is_space(s[e]) && !std::strchr(",{}", s[e]); e++)
        if (s[e] == '/' && !(e > i && (s[e - 1] == ':' || s.find(":/", i) < e))) break;
      return {Tk::Word, i, std::max(e, i + 1)};
    }
    if (is_id0(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$' || c == '@') {
      while (e < n && (is_id(s[e]) || (std::isdigit(static_cast<unsigned char>(c)) && s[e] == '.'))) e++;
      return {is_id0(c) ? Tk::Ident : std::isdigit(static_cast<unsigned char>(c)) ? Tk::Number : Tk::Var, i, e};
    }
    if (c == '{') depth++, in_pred = false;
    else if (c == '}') depth = std::max(0, depth - 1);
    else if (!plain && depth == 0 && c == '/') {
      if (!in_pred) in_pred = true, pred_paren = 0;
      else if (pred_paren == 0) in_pred = false;
    } else if (in_pred && depth == 0 && (c == '(' || c == ')')) pred_paren += c == '(' ? 1 : -1;
    return {Tk::Punct, i, i + 1};
  }
};

struct Macro {
  bool function = false, variadic = false;
  std::vector<std::string> params;
  std::string body;
};

using More = std::function<bool(std::string&)>;

struct Preprocessor {
  PreprocessResult& res;
  std::map<std::string, Macro> macros;
  long expansions = 0;

  void error(int line, int col, std::string msg) { res.errors.push_back({line, col, std::move(msg)}); }

  // Expands macros in `buf` in place, rescanning each replacement. A macro is not expanded again
  // inside its own replacement (tracked as regions of the buffer) or when in `disabled`.
  // `more` appends the next source line when an argument list is still open at the end.
  void expand(std::string& buf, Lex& lx, const std::set<std::string>& disabled, int line0, const More& more) {
    std::vector<std::pair<size_t, std::string>> regions;  // (end offset, macro name)
    size_t i = 0;
    while (i < buf.size()) {
      Tok t = lx.next(buf, i);
      i = t.end;
      if (t.kind != Tk::Ident) continue;
      std::string name = buf.substr(t.begin, t.end - t.begin);
      auto it = macros.find(name);
      std::set<std::string> off = disabled;
      for (auto& [end, n] : regions)
        if (end > t.begin) off.insert(n);
      if (it == macros.end() || off.count(name)) continue;
      const Macro& m = it->second;
      int line = line0 + int(std::count(buf.begin(), buf.begin() + long(t.begin), '\n'));
      int col = int(t.begin - (t.begin ? buf.rfind('\n', t.begin - 1) + 1 : 0)) + 1;
      if (++expansions > 100000 || buf.size() > (1u << 22)) {
        error(line, col, "macro expansion of '" + name + "' is too deep or too large");
        return;
      }
      size_t stop = t.end;
      std::string repl = m.body;
      if (m.function) {
        size_t j = t.end;
        while (j < buf.size() && is_space(buf[j])) j++;
        if (j >= buf.size() || buf[j] != '(') continue;
        std::vector<std::string> args{""};
        Lex al;
        al.plain = true;
        int par = 0;
        bool closed = false;
        for (size_t k = j + 1; !closed;) {
          if (k >= buf.size() && !(more && more(buf))) break;
          if (k >= buf.size()) continue;
          Tok a = al.next(buf, k);
          k = a.end;
          char c = buf[a.begin];
          if (a.kind == Tk::Comment || a.kind == Tk::Space) args.back() += ' ';
          else if (a.kind == Tk::Punct && c == ')' && par == 0) closed = true, stop = k;
          else if (a.kind == Tk::Punct && c == ',' && par == 0) args.emplace_back();
          else {
            if (a.kind == Tk::Punct) par += c == '(' ? 1 : c == ')' ? -1 : 0;
            args.back() += buf.substr(a.begin, a.end - a.begin);
          }
        }
        if (!closed) {
          error(line, col, "unterminated argument list invoking macro '" + name + "'");
          continue;
        }
        size_t np = m.params.size();
        if (np == 0 && args.size() == 1 && trim(args[0]).empty()) args.clear();
        if (m.variadic && args.size() + 1 == np) args.emplace_back();
        if (m.variadic && args.size() > np)
          for (size_t k = np; k < args.size(); k++) args[np - 1] += "," + args[k];
        if (m.variadic && args.size() > np) args.resize(np);
        if (args.size() != np) {
          error(line, col, "macro '" + name + "' requires " + std::to_string(np) + " argument(s), but " +
                               std::to_string(args.size()) + " given");
          continue;
        }
        for (auto& a : args) {  // arguments are fully expanded before substitution
          a = trim(a);
          Lex pl;
          pl.plain = true;
          expand(a, pl, off, line, nullptr);
        }
        repl.clear();
        Lex bl;
        bl.plain = true;
        for (size_t k = 0; k < m.body.size();) {
          Tok b = bl.next(m.body, k);
          std::string w = m.body.substr(b.begin, b.end - b.begin);
          auto p = std::find(m.params.begin(), m.params.end(), w);
          repl += b.kind == Tk::Ident && p != m.params.end() ? args[size_t(p - m.params.begin())] : w;
          k = b.end;
        }
      }
      // Keep the line count when an invocation spanned lines.
      repl += std::string(size_t(std::count(buf.begin() + long(t.begin), buf.begin() + long(stop), '\n')), '\n');
      buf.replace(t.begin, stop - t.begin, repl);
      long delta = long(repl.size()) - long(stop - t.begin);
      for (auto& r : regions)
        if (r.first >= stop) r.first = size_t(long(r.first) + delta);
        else if (r.first > t.begin) r.first = t.begin + repl.size();
      regions.push_back({t.begin + repl.size(), name});
      i = t.begin;
    }
  }

  // #if expression: defined() first, then macros, then evaluation (unknown names are 0).
  bool eval_if(const std::string& expr, int line, int col) {
    std::string s;
    Lex lx;
    lx.plain = true;
    for (size_t i = 0; i < expr.size();) {
      Tok t = lx.next(expr, i);
      i = t.end;
      if (t.kind != Tk::Ident || expr.compare(t.begin, t.end - t.begin, "defined") != 0) {
        s += expr.substr(t.begin, t.end - t.begin);
        continue;
      }
      auto skip = [&] { while (i < expr.size() && is_space(expr[i])) i++; };
      skip();
      bool paren = i < expr.size() && expr[i] == '(';
      if (paren) i++, skip();
      size_t b = i;
      while (i < expr.size() && is_id(expr[i])) i++;
      std::string name = expr.substr(b, i - b);
      skip();
      if (name.empty() || !is_id0(name[0]) || (paren && (i >= expr.size() || expr[i++] != ')'))) {
        error(line, col, "operator 'defined' requires an identifier");
        return false;
      }
      s += macros.count(name) ? " 1 " : " 0 ";
    }
    expand(s, lx, {}, line, nullptr);
    if (trim(s).empty()) {
      error(line, col, "#if with no expression");
      return false;
    }
    std::string err;
    size_t p = 0;
    std::function<long long(int)> binary;
    auto ws = [&] { while (p < s.size() && is_space(s[p])) p++; };
    std::function<long long()> unary = [&]() -> long long {
      ws();
      if (p >= s.size()) return err = "expected value", 0;
      char c = s[p];
      if (c == '(') {
        p++;
        long long v = binary(0);
        ws();
        if (p >= s.size() || s[p] != ')') return err = "expected ')'", 0;
        return p++, v;
      }
      if (std::strchr("!-+~", c)) {
        p++;
        long long v = unary();
        return c == '!' ? !v : c == '-' ? -v : c == '~' ? ~v : v;
      }
      size_t b = p;
      while (p < s.size() && is_id(s[p])) p++;
      if (b == p) return err = std::string("unexpected '") + c + "'", 0;
      if (is_id0(s[b])) return 0;
      std::string num = s.substr(b, p - b);
      while (!num.empty() && std::strchr("uUlL", num.back())) num.pop_back();
      try {
        size_t used = 0;
        long long v = (long long)std::stoull(num, &used, 0);
        if (used != num.size()) err = "invalid number '" + s.substr(b, p - b) + "'";
        return v;
      } catch (...) {
        return err = "invalid number '" + s.substr(b, p - b) + "'", 0;
      }
    };
    static const std::vector<std::pair<std::string, int>> ops = {
        {"?", 0},  {"||", 1}, {"&&", 2}, {"==", 6}, {"!=", 6}, {"<=", 7}, {">=", 7}, {"<<", 8}, {">>", 8},
        {"|", 3},  {"^", 4},  {"&", 5},  {"<", 7},  {">", 7},  {"+", 9},  {"-", 9},  {"*", 10}, {"/", 10}, {"%", 10}};
    binary = [&](int minprec) -> long long {
      long long l = unary();
      while (err.empty()) {
        ws();
        auto op = std::find_if(ops.begin(), ops.end(), [&](auto& o) { return s.compare(p, o.first.size(), o.first) == 0; });
        if (op == ops.end() || op->second < minprec) break;
        p += op->first.size();
        if (op->first == "?") {
          long long a = binary(0);
          ws();
          if (p >= s.size() || s[p] != ':') return err = "expected ':'", 0;
          p++;
          long long b = binary(0);
          l = l ? a : b;
          continue;
        }
        long long r = binary(op->second + 1);
        const std::string& o = op->first;
        if ((o == "/" || o == "%") && r == 0) return err = "division by zero", 0;
        l = o == "||" ? l || r : o == "&&" ? l && r : o == "==" ? l == r : o == "!=" ? l != r : o == "<=" ? l <= r
          : o == ">=" ? l >= r : o == "<<" ? l << (r & 63) : o == ">>" ? l >> (r & 63) : o == "|" ? l | r
          : o == "^" ? l ^ r : o == "&" ? l & r : o == "<" ? l < r : o == ">" ? l > r : o == "+" ? l + r
          : o == "-" ? l - r : o == "*" ? l * r : o == "/" ? l / r : l % r;
      }
      return l;
    };
    long long v = binary(0);
    ws();
    if (err.empty() && p < s.size()) err = "unexpected '" + s.substr(p, 1) + "'";
    if (!err.empty()) error(line, col, "invalid #if expression: " + err);
    return err.empty() && v != 0;
  }
};

struct Cond {
  bool parent, taken, active, had_else;
  int line, col;
  std::string kind;
};

}  // namespace

PreprocessResult preprocess(const std::string& source, const std::map<std::string, std::string>& predefined) {
  PreprocessResult res;
  Preprocessor pp{res, {}};
  for (auto& [name, value] : predefined) pp.macros[name] = Macro{false, false, {}, value};
  std::vector<std::string> lines, out;
  for (size_t b = 0;;) {
    size_t e = source.find('\n', b);
    lines.push_back(source.substr(b, e == npos ? npos : e - b));
    if (e == npos) break;
    b = e + 1;
  }
  out.resize(lines.size());
  std::vector<Cond> conds;
  Lex lx;
  for (size_t i = 0; i < lines.size();) {
    size_t first = i;
    std::string line = lines[i++];
    bool active = conds.empty() || conds.back().active;
    size_t p = line.find_first_not_of(" \t");
    if (first == 0 && line.rfind("#!", 0) == 0) {
      out[0] = line;
    } else if (!lx.in_comment && p != npos && line[p] == '#') {
      while (!line.empty() && line.back() == '\\' && i < lines.size()) line.pop_back(), line += lines[i++];
      int ln = int(first) + 1, col = int(p) + 1;
      std::string d;  // the directive with comments replaced by spaces
      Lex dl;
      dl.plain = true;
      for (size_t k = p + 1; k < line.size();) {
        Tok t = dl.next(line, k);
        d += t.kind == Tk::Comment ? std::string(" ") : line.substr(t.begin, t.end - t.begin);
        k = t.end;
      }
      lx.in_comment = dl.in_comment;
      size_t k = d.find_first_not_of(" \t"), ke = k;
      while (ke < d.size() && is_id(d[ke])) ke++;
      std::string name = k == npos ? "" : d.substr(k, ke - k), rest = k == npos ? "" : trim(d.substr(ke));
      if (name == "if" || name == "ifdef" || name == "ifndef") {
        bool v = false;
        if (active && name == "if") v = pp.eval_if(rest, ln, col);
        else if (active) {
          size_t e = 0;
          while (e < rest.size() && is_id(rest[e])) e++;
          if (e == 0 || !is_id0(rest[0])) pp.error(ln, col, "#" + name + " expects a macro name");
          else v = pp.macros.count(rest.substr(0, e)) == (name == "ifdef" ? 1u : 0u);
        }
        conds.push_back({active, v, active && v, false, ln, col, name});
      } else if (name == "elif" || name == "else") {
        if (conds.empty()) pp.error(ln, col, "#" + name + " without #if");
        else if (conds.back().had_else) pp.error(ln, col, "#" + name + " after #else");
        else {
          Cond& c = conds.back();
          bool v = c.parent && !c.taken && (name == "else" || pp.eval_if(rest, ln, col));
          c.active = v, c.taken = c.taken || v, c.had_else = name == "else";
        }
      } else if (name == "endif") {
        if (conds.empty()) pp.error(ln, col, "#endif without #if");
        else conds.pop_back();
      } else if (!active || (name.empty() && rest.empty()) || name == "pragma" || name == "warning") {
        // skipped group, null directive, or ignored
      } else if (name == "include") {
        char close = rest.empty() ? 0 : rest[0] == '<' ? '>' : rest[0] == '"' ? '"' : 0;
        size_t e = close ? rest.find(close, 1) : npos;
        if (e == npos || e == 1 || !trim(rest.substr(e + 1)).empty())
          pp.error(ln, col, "#include expects <FILE> or \"FILE\"");
        else res.includes.push_back(rest.substr(1, e - 1));
      } else if (name == "define" || name == "undef") {
        size_t e = 0;
        while (e < rest.size() && is_id(rest[e])) e++;
        std::string mname = rest.substr(0, e);
        if (mname.empty()) {
          pp.error(ln, col, "#" + name + " expects a macro name");
        } else if (!is_id0(mname[0])) {
          pp.error(ln, col, "macro names must be identifiers");
        } else if (name == "undef") {
          pp.macros.erase(mname);
        } else {
          Macro m;
          if (e < rest.size() && rest[e] == '(') {  // function-like: no space before '('
            m.function = true;
            size_t c = rest.find(')', e);
            std::string plist = c == npos ? "" : rest.substr(e + 1, c - e - 1);
            bool ok = c != npos;
            for (size_t a = 0; ok && !trim(plist).empty() && a <= plist.size();) {
              size_t comma = std::min(plist.find(',', a), plist.size());
              std::string prm = trim(plist.substr(a, comma - a));
              if (prm == "..." && comma == plist.size()) m.variadic = true, prm = "__VA_ARGS__";
              ok = !prm.empty() && is_id0(prm[0]) &&
                   std::all_of(prm.begin(), prm.end(), is_id) && !m.variadic == (prm != "__VA_ARGS__");
              m.params.push_back(prm);
              a = comma + 1;
            }
            if (!ok) {
              pp.error(ln, col, "invalid parameter list in definition of macro '" + mname + "'");
              e = npos;
            } else {
              e = c + 1;
            }
          }
          if (e != npos) {
            m.body = trim(rest.substr(e));
            pp.macros[mname] = m;
          }
        }
      } else if (name == "error") {
        pp.error(ln, col, "#error " + rest);
      } else {
        pp.error(ln, col, name.empty() ? "invalid preprocessing directive" : "unknown directive '#" + name + "'");
      }
    } else if (!active) {  // skipped lines: follow comments only
      Lex save = lx;
      for (size_t k = 0; k < line.size();) k = lx.next(line, k).end;
      save.in_comment = lx.in_comment;
      lx = save;
    } else {
      size_t last = first;
      More more = [&](std::string& b) {
        if (i >= lines.size()) return false;
        size_t q = lines[i].find_first_not_of(" \t");
        if (q != npos && lines[i][q] == '#') return false;
        b += "\n" + lines[i];
        last = i++;
        return true;
      };
      pp.expand(line, lx, {}, int(first) + 1, more);
      for (size_t k = first, b = 0; k <= last; k++) {
        size_t e = k == last ? npos : line.find('\n', b);
        out[k] = line.substr(b, e == npos ? npos : e - b);
        b = e == npos ? line.size() : e + 1;
      }
    }
  }
  for (auto& c : conds) pp.error(c.line, c.col, "unterminated #" + c.kind);

  // Move top-level struct/union/enum definitions into c_definitions.
  std::string text;
  for (size_t k = 0; k < out.size(); k++) text += (k ? "\n" : "") + out[k];
  std::vector<size_t> touched;
  Lex sl;
  bool line_start = true;
  for (size_t i = (lines.size() && lines[0].rfind("#!", 0) == 0) ? out[0].size() : 0; i < text.size();) {
    bool top = sl.depth == 0 && !sl.in_pred && !sl.in_comment;
    Tok t = sl.next(text, i);
    i = t.end;
    bool was_start = line_start;
    if (t.kind == Tk::Space) line_start = line_start || text.find('\n', t.begin) < t.end;
    if (t.kind == Tk::Space || t.kind == Tk::Comment) continue;
    line_start = false;
    std::string kw = text.substr(t.begin, t.end - t.begin);
    if (!top || !was_start || t.kind != Tk::Word || (kw != "struct" && kw != "union" && kw != "enum")) continue;
    Lex dl = sl;
    std::vector<Tok> toks;  // the next two significant tokens: NAME and '{'
    size_t k = i;
    while (toks.size() < 2 && k < text.size()) {
      Tok u = dl.next(text, k);
      k = u.end;
      if (u.kind != Tk::Space && u.kind != Tk::Comment) toks.push_back(u);
    }
    if (toks.size() < 2 || text[toks[1].begin] != '{' ||
        !std::all_of(text.begin() + long(toks[0].begin), text.begin() + long(toks[0].end), is_id))
      continue;
    int line = 1 + int(std::count(text.begin(), text.begin() + long(t.begin), '\n'));
    std::string what = kw + " " + text.substr(toks[0].begin, toks[0].end - toks[0].begin);
    while (k < text.size() && dl.depth > 0) k = dl.next(text, k).end;
    if (dl.depth > 0) {
      pp.error(line, int(t.begin - text.rfind('\n', t.begin) ), "unterminated definition of " + what);
      break;
    }
    size_t semi = text.find_first_of(";{}", k), end = k;
    if (semi != npos && text[semi] == ';') end = semi + 1;
    else pp.error(line, int(t.begin - text.rfind('\n', t.begin)), "expected ';' after definition of " + what);
    res.c_definitions.push_back({text.substr(t.begin, end - t.begin), line});
    for (size_t c = t.begin; c < end; c++)
      if (text[c] != '\n') text[c] = ' ';
      else touched.push_back(c);
    touched.push_back(end);
    sl = Lex();
    i = end;
  }
  // Lines that held a definition lose their trailing blanks.
  for (size_t pos : touched) {
    size_t b = pos;
    while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t')) b--;
    if (pos < text.size() && text[pos] != '\n') continue;
    text.erase(b, pos - b);
    for (auto& q : touched)
      if (q > b) q -= pos - b;
  }
  res.text = std::move(text);
  return res;
}

}  // namespace scry
