// What the probe that fired knows: its name, function, arguments, return value, context and
// registers.
#include "src/builtins/family.h"
#include "src/probes/provider.h"
#include "src/types/abi.h"

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
// argN and sargN: where they are depends on the probe's provider (registers, a USDT note).
Type arg_type(Sema& s, Expr& e, const char* prefix) {
  const ProbeSpec& spec = s.probe().spec;
  const Provider& p = provider_for(spec.kind);
  if (!p.arg_type) {
    s.error(DiagKind::ArgsNotAvailable, e.loc,
            e.str + " is only available in kprobe, uprobe and usdt probes, not in " + spec.name);
    return Type::none();
  }
  return p.arg_type(s, e, numbered_suffix(e.str, prefix), prefix[0] == 's');
}

Type retval_type(Sema& s, Expr& e) {
  const ProbeSpec& spec = s.probe().spec;
  const Provider& p = provider_for(spec.kind);
  if (!p.retval_type) {
    s.error(DiagKind::ArgsNotAvailable, e.loc,
            "retval is only available in kretprobe, uretprobe and fexit probes, not in " + spec.name);
    return Type::none();
  }
  return p.retval_type(s, e);
}
#endif

#ifdef SCRY_CODEGEN
llvm::Value* arg_lower(CodeGen& cg, const Expr& e, const Expr*) {
  return provider_for(cg.inst_->spec.kind).arg_lower(cg, e);
}

llvm::Value* retval_lower(CodeGen& cg, const Expr& e, const Expr*) {
  return provider_for(cg.inst_->spec.kind).retval_lower(cg, e);
}
#endif

}  // namespace

const std::vector<Builtin>& probe_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "probe",
       .form = Form::Identifier,
       .signature = "probe",
       .doc = "full name of the probe that fired",
       .type = TYPING([](Sema&, Expr&) { return Type::probe(); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.probe_id_value_ ? cg.probe_id_value_ : cg.i64(cg.probe_id_);
       })},
      {.name = "func",
       .form = Form::Identifier,
       .signature = "func",
       .doc = "the traced function's name",
       .type = TYPING([](Sema& s, Expr& e) {
         const ProbeSpec& spec = s.probe().spec;
         if ((spec.func.empty() && spec.func_display.empty() && spec.funcs.empty()) || spec.kind == ProbeKind::Usdt) {
           s.error(DiagKind::ArgsNotAvailable, e.loc, "func is only available in kprobe and uprobe probes");
           return Type::none();
         }
         return Type::special(TypeKind::Func);
       }),
       // By the probe's id, which names its function (a shared program's prologue finds it).
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.probe_id_value_ ? cg.probe_id_value_ : cg.i64(cg.probe_id_);
       })},
      {.name = "args",
       .form = Form::Identifier,
       .signature = "args",
       .doc = "tracepoint arguments: args->field or args.field",
       .type = TYPING([](Sema& s, Expr& e) {
         s.error(DiagKind::BadOperand, e.loc, "args can only be used to read a field: args->name");
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* { return cg.i64(0); }),
       .reads_context = true},
      {.name = "arg",
       .form = Form::Identifier,
       .signature = "argN",
       .doc = "kprobe/uprobe/usdt argument N (arg0, arg1, ...)",
       .type = TYPING([](Sema& s, Expr& e) { return arg_type(s, e, "arg"); }),
       .lower = LOWERING(arg_lower),
       .reads_context = true,
       .numbered = true},
      {.name = "sarg",
       .form = Form::Identifier,
       .signature = "sargN",
       .doc = "argument N on the stack (sarg0, ...)",
       .type = TYPING([](Sema& s, Expr& e) { return arg_type(s, e, "sarg"); }),
       .lower = LOWERING(arg_lower),
       .reads_context = true,
       .numbered = true},
      {.name = "retval",
       .form = Form::Identifier,
       .signature = "retval",
       .doc = "return value in kretprobe, uretprobe and fexit",
       .type = TYPING(retval_type),
       .lower = LOWERING(retval_lower),
       .reads_context = true},
      {.name = "ctx",
       .form = Form::Identifier,
       .signature = "ctx",
       .doc = "the probe's context pointer",
       .type = TYPING([](Sema& s, Expr&) {
         const Provider& p = provider_for(s.probe().spec.kind);
         return p.ctx_type ? p.ctx_type(s.probe()) : Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreatePtrToInt(cg.ctx_arg_, cg.b_.getInt64Ty());
       }),
       .reads_context = true},
      {.name = "reg",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "reg(NAME)",
       .doc = "a register of the probed task: ip, sp, ax, di... (kprobe, uprobe, usdt, profile)",
       .type = TYPING([](Sema& s, Expr& e) {
         if (e.args[0]->kind != ExprKind::Str) {
           s.error(DiagKind::BadLiteralArg, e.args[0]->loc,
                   "reg() takes a register name as a string literal: reg(\"ip\")");
           return Type::none();
         }
         int off = abi::pt_regs::offset_of(e.args[0]->str);
         if (off < 0) {
           s.error(DiagKind::BadLiteralArg, e.args[0]->loc, "unknown register '" + e.args[0]->str + "'",
                   "registers: ip sp bp ax bx cx dx si di r8-r15 orig_ax flags cs ss");
           return Type::none();
         }
         if (!provider_for(s.probe().spec.kind).regs_context) {
           s.error(DiagKind::NotSupportedHere, e.loc,
                   "reg() needs the registers of a probed task: kprobe, uprobe, usdt, profile, software, hardware "
                   "or watchpoint probes, not " +
                       s.probe().spec.name);
           return Type::none();
         }
         e.ival = off;
         return Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         return cg.b_.CreateLoad(cg.b_.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, uint64_t(e.ival)));
       }),
       .reads_context = true},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
