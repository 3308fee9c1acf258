// Types of expressions, builtins and function calls.
#include <cstdlib>

#include "runtime/printf.h"
#include "src/builtins/builtin.h"
#include "src/sema/sema.h"

namespace scry {

bool Sema::literal_int(Expr& e, int64_t& out) {
  check_expr(e);
  if (e.kind == ExprKind::Int) { out = e.ival; return true; }
  if (e.kind == ExprKind::Unop && e.op == "-" && e.args[0]->kind == ExprKind::Int) {
    out = -e.args[0]->ival;
    return true;
  }
  return false;
}

// $N becomes a literal: a number if the parameter is numeric, else a string; a parameter
// that was not given reads as 0 (or "" where a string is expected).
void Sema::positional_literal(Expr& e) {
  size_t n = size_t(e.ival);
  std::string v = n >= 1 && n <= opts_.params.size() ? opts_.params[n - 1] : "";
  char* end = nullptr;
  long long num = v.empty() ? 0 : std::strtoll(v.c_str(), &end, 0);
  if (v.empty() || *end == 0) {
    e.kind = ExprKind::Int;
    e.ival = num;
  } else {
    e.kind = ExprKind::Str;
    e.str = v;
  }
}

Type Sema::check_expr(Expr& e) {
  switch (e.kind) {
    case ExprKind::Int:
      // Constants scry computed (addresses, sizes) are unsigned; literals are signed.
      return e.type = Type::integer(8, e.op != "unsigned");
    case ExprKind::Str:
      return e.type = Type::string(uint32_t(e.str.size() + 1));
    case ExprKind::Positional:
      if (opts_.runtime_params) {
        if (e.ival > kMaxRuntimeParams)
          error(DiagKind::CompiledParameter, e.loc,
                "a compiled program has at most " + std::to_string(kMaxRuntimeParams) + " parameters, not $" +
                    std::to_string(e.ival));
        return e.type = Type::integer(8, true);
      }
      positional_literal(e);
      return check_expr(e);
    case ExprKind::ParamCount:
      if (opts_.runtime_params) return e.type = Type::integer(8, true);
      e.kind = ExprKind::Int;
      e.ival = int64_t(opts_.params.size());
      return check_expr(e);
    case ExprKind::Var: {
      auto it = vars_.find(e.str);
      if (it == vars_.end()) {
        error(DiagKind::UndefinedVariable, e.loc, "variable " + e.str + " is used before it is assigned",
              in_callback_ ? "the body of a for loop over a map sees only its own variables and $key, $value" : "");
        return e.type = Type::none();
      }
      return e.type = it->second;
    }
    case ExprKind::Map:
      return check_map_read(e);
    case ExprKind::Builtin:
      return check_builtin(e);
    case ExprKind::Call:
      return check_call(e, false);
    case ExprKind::Field:
      return check_field(e);
    case ExprKind::Cast:
      return check_cast(e);
    case ExprKind::Deref:
    case ExprKind::Index:
      return check_deref_index(e);
    case ExprKind::Tuple: {
      std::vector<Type> elems;
      for (auto& a : e.args) {
        Type t = check_expr(*a);
        if (t.kind == TypeKind::None) return e.type = Type::none();
        if (t.is_aggregation()) {
          error(DiagKind::TypeMismatch, a->loc, "a tuple cannot hold a value of type " + t.name());
          return e.type = Type::none();
        }
        if (!check_whole_value(t, a->loc)) return e.type = Type::none();
        elems.push_back(tuple_element_type(t));
      }
      return e.type = Type::tuple(std::move(elems));
    }
    case ExprKind::Sizeof:
    case ExprKind::Offsetof:
      return check_sizeof_offsetof(e);
    case ExprKind::Binop:
      return check_binop(e);
    case ExprKind::IncDec:
      return check_incdec(e);
    case ExprKind::Unop: {
      Type t = check_expr(*e.args[0]);
      if (t.kind == TypeKind::None) return e.type = t;
      if (!t.is_int()) {
        error(DiagKind::BadOperand, e.loc, "operator " + e.op + " needs an integer, not " + t.name());
        return e.type = Type::none();
      }
      if (e.op == "~") return e.type = Type::integer(8, t.is_signed);
      return e.type = Type::integer(8, true);
    }
    case ExprKind::Ternary: {
      Type c = check_expr(*e.args[0]);
      Type a = check_expr(*e.args[1]);
      Type b = check_expr(*e.args[2]);
      if (c.kind != TypeKind::None && !c.is_int())
        error(DiagKind::TypeMismatch, e.args[0]->loc, "a condition must be an integer, not " + c.name());
      if (a.kind == TypeKind::None || b.kind == TypeKind::None) return e.type = Type::none();
      // Values of builtins (ntop()'s addresses, container) when both are of one kind.
      if (a.kind == TypeKind::Special && a == b) return e.type = a;
      if (!a.compatible(b) || (!a.is_int() && !a.is_str())) {
        error(DiagKind::TypeMismatch, e.loc,
              "both branches of ?: must have the same type, not " + a.name() + " and " + b.name());
        return e.type = Type::none();
      }
      return e.type = a.is_int() ? Type::integer(8, a.is_signed && b.is_signed) : widen(a, b);
    }
  }
  return Type::none();
}

// ++ and -- on a variable or a map: integers step by 1, pointers by their element's size.
// A map they create holds a signed integer (bpftrace 0.17 prints `@x--` of nothing as -1).
Type Sema::check_incdec(Expr& e) {
  Expr& target = *e.args[0];
  Type t;
  if (target.kind == ExprKind::Var) {
    auto it = vars_.find(target.str);
    if (it == vars_.end()) {
      error(DiagKind::UndefinedVariable, target.loc, "variable " + target.str + " is used before it is assigned");
      return e.type = Type::none();
    }
    t = target.type = it->second;
  } else {
    use_map_key(target);
    MapInfo& mi = map_info(target);
    t = mi.value_known ? mi.value : Type::integer(8, true);
    if (t.is_int()) set_map_value(target, t, target.loc);
  }
  if (!t.is_int() && !t.is_ptr()) {
    error(DiagKind::BadOperand, e.loc, "operator " + e.op + " needs an integer or a pointer, not " + t.name());
    return e.type = Type::none();
  }
  e.ival = t.is_ptr() && t.pointee && t.pointee->size ? t.pointee->size : 1;
  return e.type = t;
}

Type Sema::check_binop(Expr& e) {
  Type l = check_expr(*e.args[0]);
  Type r = check_expr(*e.args[1]);
  if (l.kind == TypeKind::None || r.kind == TypeKind::None) return e.type = Type::none();
  const std::string& op = e.op;
  bool equality = op == "==" || op == "!=";
  if (l.is_str() && r.is_str() && equality) return e.type = Type::integer(8, false);
  if (l.kind == TypeKind::Array && r.kind == TypeKind::Array && equality) {
    // Element by element (their bytes): arrays of one shape only, and not too big to compare.
    if (!l.compatible(r)) {
      error(DiagKind::BadOperand, e.loc, "operator " + op + " compares arrays of one type, not " + l.name() + " and " + r.name());
      return e.type = Type::none();
    }
    if (l.size > kMaxArrayCompare) {
      error(DiagKind::LimitExceeded, e.loc, "arrays of " + std::to_string(l.size) + " bytes are too big to compare (at most " +
                                                std::to_string(kMaxArrayCompare) + ")");
      return e.type = Type::none();
    }
    return e.type = Type::integer(8, false);
  }
  if ((l.is_ptr() && (r.is_int() || r.is_ptr())) || (r.is_ptr() && l.is_int())) {
    // Pointers compare like integers; p + n and p - n move by n elements, p - q counts them.
    bool cmp = equality || op == "<" || op == ">" || op == "<=" || op == ">=" || op == "&&" || op == "||";
    if (cmp) return e.type = Type::integer(8, false);
    const Type& p = l.is_ptr() ? l : r;
    uint32_t elem = p.pointee && p.pointee->size ? p.pointee->size : 1;
    e.ival = elem;
    if (op == "+" || (op == "-" && !r.is_ptr())) return e.type = p;
    if (op == "-" && l.is_ptr() && r.is_ptr()) return e.type = Type::integer(8, true);
    e.ival = 1;
    return e.type = Type::integer(8, false);
  }
  if (!l.is_int() || !r.is_int()) {
    std::string why = equality ? "operands of the same kind (integers or strings)" : "integers";
    error(DiagKind::BadOperand, e.loc,
          "operator " + op + " needs " + why + ", not " + l.name() + " and " + r.name());
    return e.type = Type::none();
  }
  if ((op == "/" || op == "%") && e.args[1]->kind == ExprKind::Int && e.args[1]->ival == 0)
    error(DiagKind::DivisionByZero, e.args[1]->loc, "division by zero");
  warn_signedness(e, l, r);
  bool cmp = equality || op == "<" || op == ">" || op == "<=" || op == ">=" || op == "&&" || op == "||";
  if (cmp) return e.type = Type::integer(8, false);
  return e.type = Type::integer(8, l.is_signed && r.is_signed);
}

// (A compiled program's $N and $# are literals given when it runs.)
static bool is_literal(const Expr& e) {
  return e.kind == ExprKind::Int || e.kind == ExprKind::Positional || e.kind == ExprKind::ParamCount || (e.kind == ExprKind::Unop && e.op == "-" && e.args[0]->kind == ExprKind::Int);
}

// As bpftrace warns: a signed and an unsigned value compared or combined (the signed one is
// read as unsigned), and a signed value divided (BPF divides unsigned). Literals take the
// other side's sign, so they never warn.
void Sema::warn_signedness(const Expr& e, const Type& l, const Type& r) {
  const std::string& op = e.op;
  bool lit_l = is_literal(*e.args[0]), lit_r = is_literal(*e.args[1]);
  bool mixed = !lit_l && !lit_r && l.is_signed != r.is_signed;
  bool compare = op == "==" || op == "!=" || op == "<" || op == ">" || op == "<=" || op == ">=";
  bool arith = op == "+" || op == "-" || op == "*" || op == "/" || op == "%";
  std::string both = "'" + l.name() + "' and '" + r.name() + "' can lead to undefined behavior";
  if (mixed && compare) error(DiagKind::SignednessMix, e.loc, "comparison of integers of different signs: " + both);
  if (mixed && arith) error(DiagKind::SignednessMix, e.loc, "arithmetic on integers of different signs: " + both);
  if ((op == "/" || op == "%") && ((!lit_l && l.is_signed) || (!lit_r && r.is_signed)))
    error(DiagKind::SignednessMix, e.loc,
          "signed operands for '" + op + "' can lead to undefined behavior (cast to unsigned to silence warning)");
}

Type Sema::check_map_read(Expr& e) {
  use_map_key(e);
  MapInfo& mi = map_info(e);
  if (!mi.value_known) return e.type = tentative_ints_ ? Type::integer(8, true) : Type::none();
  if (mi.value.is_aggregation()) {
    error(DiagKind::AggregationMisuse, e.loc,
          "map " + e.str + " holds " + mi.value.name() + "(), which can only be printed, not read");
    return e.type = Type::none();
  }
  return e.type = mi.value;
}

bool Sema::check_map_arg(Expr& call, size_t i, bool allow_keys) {
  Expr& a = *call.args[i];
  if (a.kind != ExprKind::Map) {
    error(DiagKind::BadArgType, a.loc, call.str + "() expects a map");
    return false;
  }
  if (!allow_keys && !a.args.empty()) {
    error(DiagKind::BadArgType, a.loc, call.str + "() expects a whole map, without a key");
    return false;
  }
  MapInfo& mi = map_info(a);
  a.map_id = mi.id;
  if (allow_keys) use_map_key(a);
  a.type = mi.value;
  return true;
}

bool Sema::refuse_histogram(const Expr& map, const std::string& what) {
  MapInfo& mi = map_info(map);
  if (!mi.value_known || !mi.value.is_histogram()) return false;
  error(DiagKind::BadOperand, map.loc,
        what + " cannot be used on " + map.str + ", which holds " + mi.value.name() + "(): a histogram's entries are its buckets");
  return true;
}

// str($1) is the parameter's text even when it is a number, and str($1 + N) its text from
// byte N on (as in bpftrace): the parameter becomes a string literal.
void Sema::positional_as_string(Expr& e) {
  Expr* pos = &e;
  int64_t skip = 0;
  if (e.kind == ExprKind::Binop && e.op == "+" && e.args[0]->kind == ExprKind::Positional &&
      e.args[1]->kind == ExprKind::Int) {
    pos = e.args[0].get();
    skip = e.args[1]->ival;
  }
  if (pos->kind != ExprKind::Positional || skip < 0) return;
  if (opts_.runtime_params) {
    error(DiagKind::CompiledParameter, e.loc,
          "str($" + std::to_string(pos->ival) + "): a compiled program's parameters are numbers, given when it runs",
          "compile it with its parameters (scry --compile -o FILE script.bt ARGS) to have their text in it");
    return;
  }
  size_t n = size_t(pos->ival);
  std::string v = n >= 1 && n <= opts_.params.size() ? opts_.params[n - 1] : "";
  e.kind = ExprKind::Str;
  e.str = size_t(skip) < v.size() ? v.substr(size_t(skip)) : "";
  e.args.clear();
}

Type Sema::check_call(Expr& e, bool as_statement) {
  const Builtin* b = find_call(e.str);
  if (!b) {
    Loc l = e.loc;
    l.end_line = l.line;
    l.end_col = l.col + int(e.str.size()) - 1;
    error(DiagKind::UnknownFunction, l, "unknown function '" + e.str + "'",
          find_identifier(e.str) ? e.str + " is a builtin: write it without parentheses" : "");
    for (auto& a : e.args) check_expr(*a);
    return e.type = Type::none();
  }
  if (!check_arg_count(e, *b)) return e.type = Type::none();
  if (b->form == Form::Aggregation) {
    error(DiagKind::AggregationMisuse, e.loc,
          std::string(b->name) + "() must be assigned to a map: @name = " + b->name + "(...)");
    return e.type = Type::none();
  }
  if (in_callback_ && b->reads_context) {
    error(DiagKind::NotSupportedHere, e.loc,
          std::string(b->name) + "() reads the probe's context, which the body of a for loop over a map cannot see",
          "copy what you need into a map before the loop");
    return e.type = Type::none();
  }
  if (b->form == Form::Statement && !as_statement) {
    error(DiagKind::BadOperand, e.loc, std::string(b->name) + "() has no value; call it as a statement");
    for (auto& a : e.args) check_expr(*a);
    return e.type = Type::none();
  }
  Type t = b->type(*this, e);
  return e.type = b->form == Form::Statement ? Type::none() : t;
}

bool Sema::check_arg_count(Expr& e, const Builtin& b) {
  int n = int(e.args.size());
  if (n >= b.min_args && n <= b.max_args) return true;
  std::string want = b.min_args == b.max_args ? std::to_string(b.min_args)
                                              : std::to_string(b.min_args) + " to " + std::to_string(b.max_args);
  error(DiagKind::BadArgCount, e.loc,
        std::string(b.name) + "() takes " + want + " argument" + (b.max_args == 1 ? "" : "s") + ", not " +
            std::to_string(n),
        std::string("usage: ") + b.signature);
  return false;
}

Type Sema::check_builtin(Expr& e) {
  const Builtin* b = find_identifier(e.str);
  if (!b) {
    int64_t constant;
    if (named_constant(e.str, constant)) {
      e.kind = ExprKind::Int;
      e.ival = constant;
      return e.type = Type::integer(8, true);
    }
    if (find_call(e.str))
      error(DiagKind::UnknownBuiltin, e.loc, e.str + " is a function: call it as " + e.str + "()");
    else
      error(DiagKind::UnknownBuiltin, e.loc, "unknown identifier '" + e.str + "'");
    return e.type = Type::none();
  }
  if (in_callback_ && b->reads_context) {
    error(DiagKind::NotSupportedHere, e.loc,
          e.str + " reads the probe's context, which the body of a for loop over a map cannot see",
          "copy it into a map before the loop");
    return e.type = Type::none();
  }
  return e.type = b->type(*this, e);
}

bool Sema::need(Expr& call, size_t i, bool ok, const std::string& what) {
  if (call.args[i]->type.kind == TypeKind::None) return false;  // its error is reported already
  if (!ok)
    error(DiagKind::BadArgType, call.args[i]->loc,
          call.str + "() needs " + what + ", not " + call.args[i]->type.name());
  return ok;
}

bool Sema::literal_str(Expr& call, size_t i, const std::string& what) {
  // A positional parameter is a literal too: $1, str($1), str($1 + 2).
  Expr& a = *call.args[i];
  if (a.kind == ExprKind::Call && a.str == "str" && a.args.size() == 1) {
    positional_as_string(*a.args[0]);
    if (a.args[0]->kind == ExprKind::Str) call.args[i] = std::move(a.args[0]);
  } else {
    positional_as_string(a);
  }
  if (call.args[i]->kind == ExprKind::Str) return true;
  check_expr(*call.args[i]);
  error(DiagKind::BadLiteralArg, call.args[i]->loc, call.str + "() takes " + what + " as a string literal");
  return false;
}

void Sema::check_printf(Expr& e, bool record) {
  Expr& fmt = *e.args[0];
  if (fmt.kind != ExprKind::Str) {
    check_expr(fmt);
    error(DiagKind::BadPrintf, fmt.loc, e.str + "() needs a string literal as its format");
    return;
  }
  std::vector<Type> types;
  bool ok = true;
  for (size_t i = 1; i < e.args.size(); i++) {
    Type t = check_expr(*e.args[i]);
    if (t.kind == TypeKind::None) ok = false;
    else if (t.is_aggregation() || t.kind == TypeKind::Record || t.kind == TypeKind::Array ||
             t.kind == TypeKind::Tuple) {
      error(DiagKind::BadPrintf, e.args[i]->loc, e.str + "() cannot print a value of type " + t.name());
      ok = false;
    }
    types.push_back(storage_type(t));
  }
  std::string err;
  auto specs = parse_format(fmt.str, err);
  if (!err.empty()) {
    error(DiagKind::BadPrintf, fmt.loc, e.str + ": " + err);
    return;
  }
  size_t nargs = e.args.size() - 1;
  if (specs.size() != nargs) {
    error(DiagKind::BadPrintf, e.loc,
          e.str + ": " + (specs.size() > nargs ? "not enough" : "too many") +
              " arguments for the format (" + std::to_string(nargs) + " given, " +
              std::to_string(specs.size()) + " expected)");
    return;
  }
  if (!ok) return;
  for (size_t i = 0; i < specs.size(); i++) {
    bool wants_str = specs[i].conv == 's' || specs[i].conv == 'r';
    const Type& t = types[i];
    bool is_str = !t.is_int() && !t.is_ptr();
    if (wants_str != is_str) {
      error(DiagKind::BadPrintf, e.args[i + 1]->loc,
            e.str + ": %" + specs[i].conv + " expects " + (wants_str ? "a string" : "an integer") +
                ", but this is " + t.name());
      ok = false;
    }
  }
  if (!ok || !reporting_ || e.slot >= 0 || !record) return;
  PrintfSpec spec;
  spec.format = fmt.str;
  uint32_t off = sizeof(EventHeader);
  for (auto& t : types) {
    spec.args.push_back(t);
    spec.offsets.push_back(off);
    off += (t.size + 7) / 8 * 8;
  }
  e.slot = int(manifest_.printfs.size());
  manifest_.printfs.push_back(spec);
}

}  // namespace scry
