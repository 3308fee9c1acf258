// --dump=ast / --dump=typed: one node per line, indented, with line:col.
#include <sstream>

#include "src/ast/ast.h"

namespace scry {
namespace {

const char* kind_name(ExprKind k) {
  switch (k) {
    case ExprKind::Int: return "int";
    case ExprKind::Str: return "string";
    case ExprKind::Var: return "var";
    case ExprKind::Map: return "map";
    case ExprKind::Builtin: return "builtin";
    case ExprKind::Positional: return "positional";
    case ExprKind::ParamCount: return "paramcount";
    case ExprKind::Call: return "call";
    case ExprKind::Binop: return "binop";
    case ExprKind::Unop: return "unop";
    case ExprKind::Ternary: return "ternary";
    case ExprKind::Field: return "field";
    case ExprKind::Cast: return "cast";
    case ExprKind::Deref: return "deref";
    case ExprKind::Index: return "index";
    case ExprKind::Tuple: return "tuple";
    case ExprKind::Sizeof: return "sizeof";
    case ExprKind::Offsetof: return "offsetof";
    case ExprKind::IncDec: return "incdec";
  }
  return "?";
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else out += c;
  }
  return out;
}

struct Dumper {
  std::ostringstream out;
  bool types;

  void line(int depth, const std::string& text, const Loc& l, const std::string& suffix = "") {
    out << std::string(depth * 2, ' ') << text << " <" << l.line << ":" << l.col << ">" << suffix << "\n";
  }

  void expr(const Expr& e, int d) {
    std::string t = kind_name(e.kind);
    switch (e.kind) {
      case ExprKind::Int: t += " " + std::to_string(e.ival); break;
      case ExprKind::Str: t += " \"" + escape(e.str) + "\""; break;
      case ExprKind::Positional: t += " $" + std::to_string(e.ival); break;
      case ExprKind::Binop:
      case ExprKind::Unop: t += " " + e.op; break;
      case ExprKind::Field: t += " " + e.op + e.str; break;
      case ExprKind::Cast: t += " (" + e.str + ")"; break;
      case ExprKind::Sizeof: if (!e.str.empty()) t += " " + e.str; break;
      case ExprKind::Offsetof: t += " " + e.str + ", " + e.op; break;
      case ExprKind::IncDec: t += " " + e.str + e.op; break;
      case ExprKind::Deref:
      case ExprKind::Index:
      case ExprKind::Tuple: break;
      case ExprKind::ParamCount:
      case ExprKind::Ternary: break;
      default: t += " " + e.str;
    }
    line(d, t, e.loc, types && e.type.kind != TypeKind::None ? " :: " + e.type.name() : "");
    for (auto& a : e.args) expr(*a, d + 1);
  }

  void block(const Block& b, int d) {
    for (auto& s : b) stmt(*s, d);
  }

  void stmt(const Stmt& s, int d) {
    switch (s.kind) {
      case StmtKind::ExprStmt:
        expr(*s.value, d);
        break;
      case StmtKind::Assign:
        line(d, "assign " + s.op, s.loc);
        expr(*s.target, d + 1);
        expr(*s.value, d + 1);
        break;
      case StmtKind::While:
        line(d, "while", s.loc);
        expr(*s.value, d + 1);
        block(s.body, d + 1);
        break;
      case StmtKind::Unroll:
        line(d, "unroll", s.loc);
        expr(*s.value, d + 1);
        block(s.body, d + 1);
        break;
      case StmtKind::ForRange:
        line(d, "for " + s.target->str, s.loc);
        expr(*s.value, d + 1);
        expr(*s.value2, d + 1);
        block(s.body, d + 1);
        break;
      case StmtKind::ForMap:
        line(d, "for " + s.target->str + ", " + s.value2->str, s.loc);
        expr(*s.value, d + 1);
        block(s.body, d + 1);
        break;
      case StmtKind::Break: line(d, "break", s.loc); break;
      case StmtKind::Continue: line(d, "continue", s.loc); break;
      case StmtKind::Return: line(d, "return", s.loc); break;
      case StmtKind::Let:
        line(d, "let " + s.target->str, s.loc);
        if (s.value) expr(*s.value, d + 1);
        break;
      case StmtKind::If:
        line(d, "if", s.loc);
        expr(*s.value, d + 1);
        line(d + 1, "then", s.loc);
        block(s.body, d + 2);
        if (!s.else_body.empty()) {
          line(d + 1, "else", s.loc);
          block(s.else_body, d + 2);
        }
        break;
    }
  }
};

}  // namespace

std::string dump_ast(const Program& prog, bool with_types) {
  Dumper d;
  d.types = with_types;
  d.out << "program\n";
  for (auto& p : prog.probes) {
    std::string aps;
    for (auto& ap : p.attach_points) aps += (aps.empty() ? "" : ", ") + ap.text;
    d.line(1, "probe " + aps, p.loc);
    if (p.predicate) {
      d.line(2, "predicate", p.predicate->loc);
      d.expr(*p.predicate, 3);
    }
    d.block(p.body, 2);
  }
  return d.out.str();
}

}  // namespace scry
