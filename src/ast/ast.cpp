#include "src/ast/ast.h"

#include <functional>

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

StmtPtr make_expr_stmt(ExprPtr e) {
  if (e->kind != ExprKind::Ternary) {
    auto s = std::make_unique<Stmt>(StmtKind::ExprStmt, e->loc);
    s->value = std::move(e);
    return s;
  }
  auto s = std::make_unique<Stmt>(StmtKind::If, e->loc);
  s->value = std::move(e->args[0]);
  s->body.push_back(make_expr_stmt(std::move(e->args[1])));
  s->else_body.push_back(make_expr_stmt(std::move(e->args[2])));
  return s;
}

ExprPtr make_unop(std::string op, ExprPtr operand, Loc l) {
  Loc span{l.line, l.col, operand->loc.end_line, operand->loc.end_col};
  auto e = make_expr(ExprKind::Unop, span);
  e->op = std::move(op);
  e->args.push_back(std::move(operand));
  return e;
}

ExprPtr make_incdec(std::string op, bool prefix, ExprPtr target, Loc l) {
  auto e = make_expr(ExprKind::IncDec, l);
  e->op = std::move(op);
  e->str = prefix ? "pre" : "post";
  e->ival = 1;
  e->args.push_back(std::move(target));
  return e;
}


ExprPtr clone(const Expr& e) {
  auto c = std::make_unique<Expr>(e.kind, e.loc);
  c->ival = e.ival;
  c->str = e.str;
  c->op = e.op;
  c->type = e.type;
  c->map_id = e.map_id;
  c->slot = e.slot;
  c->field_offset = e.field_offset;
  c->field_shift = e.field_shift;
  c->field_bits = e.field_bits;
  for (auto& a : e.args) c->args.push_back(clone(*a));
  return c;
}

static ExprPtr clone_or_null(const ExprPtr& e) { return e ? clone(*e) : nullptr; }

Block clone(const Block& b) {
  Block out;
  for (auto& s : b) {
    auto c = std::make_unique<Stmt>(s->kind, s->loc);
    c->op = s->op;
    c->target = clone_or_null(s->target);
    c->value = clone_or_null(s->value);
    c->value2 = clone_or_null(s->value2);
    c->count = s->count;
    c->scale = s->scale;
    c->body = clone(s->body);
    c->else_body = clone(s->else_body);
    out.push_back(std::move(c));
  }
  return out;
}

Probe clone(const Probe& p) {
  Probe c;
  c.var_sizes = p.var_sizes;
  c.attach_points = p.attach_points;
  c.predicate = clone_or_null(p.predicate);
  c.body = clone(p.body);
  c.loc = p.loc;
  return c;
}

void give_each_instance_its_block(Program& prog, const std::vector<BlockUser>& users) {
  std::vector<bool> taken(prog.probes.size(), false);
  for (const BlockUser& u : users) {
    if (taken[*u.index]) {
      prog.probes.push_back(clone(prog.probes[*u.index]));
      *u.index = prog.probes.size() - 1;
    }
    taken.resize(prog.probes.size(), false);
    taken[*u.index] = true;
    // The block now belongs to this probe alone: it is named after it (--dump=typed).
    Probe& p = prog.probes[*u.index];
    Loc at = p.attach_points.empty() ? p.loc : p.attach_points.front().loc;
    p.attach_points = {AttachPoint{u.name, at}};
  }
}

namespace {

// The children of a node, for walks that keep their own stack.
template <typename F>
void each_child(Expr& e, F f) {
  for (auto& a : e.args) f(a.get(), nullptr);
}
template <typename F>
void each_child(Stmt& s, F f) {
  for (Expr* e : {s.target.get(), s.value.get(), s.value2.get()}) f(e, nullptr);
  for (auto& b : s.body) f(nullptr, b.get());
  for (auto& b : s.else_body) f(nullptr, b.get());
}

struct Node {
  Expr* e;
  Stmt* s;
  size_t depth;
};

}  // namespace

size_t nesting_depth(const Program& p, Loc& deepest) {
  std::vector<Node> todo;
  for (auto& probe : p.probes) {
    if (probe.predicate) todo.push_back({probe.predicate.get(), nullptr, 1});
    for (auto& s : probe.body) todo.push_back({nullptr, s.get(), 1});
  }
  size_t max = 0;
  while (!todo.empty()) {
    Node n = todo.back();
    todo.pop_back();
    if (!n.e && !n.s) continue;
    if (n.depth > max) {
      max = n.depth;
      deepest = n.e ? n.e->loc : n.s->loc;
    }
    auto push = [&](Expr* e, Stmt* s) {
      if (e || s) todo.push_back({e, s, n.depth + 1});
    };
    if (n.e) each_child(*n.e, push);
    else each_child(*n.s, push);
  }
  return max;
}

bool probe_mentions(const Probe& p, const std::function<bool(const Expr&)>& match) {
  std::vector<Node> todo;
  if (p.predicate) todo.push_back({p.predicate.get(), nullptr, 0});
  for (auto& s : p.body) todo.push_back({nullptr, s.get(), 0});
  while (!todo.empty()) {
    Node n = todo.back();
    todo.pop_back();
    if (n.e && match(*n.e)) return true;
    auto push = [&](Expr* e, Stmt* s) {
      if (e || s) todo.push_back({e, s, 0});
    };
    if (n.e) each_child(*n.e, push);
    else if (n.s) each_child(*n.s, push);
  }
  return false;
}

void destroy_flat(Program& p) {
  std::vector<ExprPtr> exprs;
  std::vector<StmtPtr> stmts;
  for (auto& probe : p.probes) {
    if (probe.predicate) exprs.push_back(std::move(probe.predicate));
    for (auto& s : probe.body) stmts.push_back(std::move(s));
    probe.body.clear();
  }
  // Each node gives up its children before it goes: none is destroyed with a subtree below it.
  while (!exprs.empty() || !stmts.empty()) {
    if (!stmts.empty()) {
      StmtPtr s = std::move(stmts.back());
      stmts.pop_back();
      for (ExprPtr* e : {&s->target, &s->value, &s->value2})
        if (*e) exprs.push_back(std::move(*e));
      for (Block* b : {&s->body, &s->else_body}) {
        for (auto& c : *b) stmts.push_back(std::move(c));
        b->clear();
      }
      continue;
    }
    ExprPtr e = std::move(exprs.back());
    exprs.pop_back();
    for (auto& a : e->args) exprs.push_back(std::move(a));
    e->args.clear();
  }
}

}  // namespace scry
