#include "src/ast/ast.h"

namespace scry {

ExprPtr make_expr(ExprKind k, Loc l) { return std::make_unique<Expr>(k, l); }

ExprPtr make_binop(std::string op, ExprPtr lhs, ExprPtr rhs, Loc) {
  // The node spans both operands, so diagnostics underline the whole expression.
  Loc l{lhs->loc.line, lhs->loc.col, rhs->loc.end_line, rhs->loc.end_col};
  auto e = make_expr(ExprKind::Binop, l);
  e->op = std::move(op);
  e->args.push_back(std::move(lhs));
  e->args.push_back(std::move(rhs));
  return e;
}

ExprPtr make_unop(std::string op, ExprPtr operand, Loc l) {
  Loc span{l.line, l.col, operand->loc.end_line, operand->loc.end_col};
  auto e = make_expr(ExprKind::Unop, span);
  e->op = std::move(op);
  e->args.push_back(std::move(operand));
  return e;
}

}  // namespace scry
