// What the probe that fired knows: its name, function, arguments, return value, context and
// registers.
#include "src/builtins/family.h"
#include "src/types/abi.h"
#ifndef SCRY_CODEGEN
#include "src/types/btf.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

bool kind_in(const ProbeSpec& s, std::initializer_list<ProbeKind> kinds) {
  for (auto k : kinds)
    if (s.kind == k) return true;
  return false;
}

// argN of a USDT probe: where the compiler put it (the SDT note says).
Type usdt_arg_type(Sema& s, Expr& e, int n) {
  const ProbeInstance& p = s.probe();
  if (size_t(n) >= p.usdt_args.size()) {
    s.error(DiagKind::ArgsNotAvailable, e.loc,
            p.spec.name + " has " + std::to_string(p.usdt_args.size()) + " argument" +
                (p.usdt_args.size() == 1 ? "" : "s") + ": arg0 to arg" + std::to_string(int(p.usdt_args.size()) - 1));
    return Type::none();
  }
  if (!p.usdt_error.empty()) {
    s.error(DiagKind::NotSupportedHere, e.loc, p.spec.name + ": " + p.usdt_error);
    return Type::none();
  }
  e.ival = n;
  e.op = "usdt";
  const UsdtArg& a = p.usdt_args[size_t(n)];
  return Type::integer(a.size, a.is_signed);
}

// argN and sargN: registers and the stack of kprobes and uprobes at function entry.
Type register_arg_type(Sema& s, Expr& e, const char* prefix) {
  int n = numbered_suffix(e.str, prefix);
  bool stack = prefix[0] == 's';
  const ProbeSpec& spec = s.probe().spec;
  if (!stack && spec.kind == ProbeKind::Usdt) return usdt_arg_type(s, e, n);
  if (!kind_in(spec, {ProbeKind::Kprobe, ProbeKind::Uprobe})) {
    s.error(DiagKind::ArgsNotAvailable, e.loc,
            e.str + " is only available in kprobe and uprobe probes, not in " + spec.name);
    return Type::none();
  }
  if (!stack && n > 5) {
    // x86-64 passes six arguments in registers; the rest are on the stack (sargN).
    s.error(DiagKind::LimitExceeded, e.loc, e.str + ": only arg0 to arg5 are passed in registers; use sarg" +
                                                std::to_string(n - 6) + " for the stack");
    return Type::none();
  }
  e.ival = n;
  e.op = stack ? "sarg" : "arg";
  return Type::integer(8, stack);
}

}  // namespace
#endif

#ifdef SCRY_CODEGEN
namespace {

llvm::Value* lower_usdt_arg(CodeGen& cg, const Expr& e) {
  // Where the compiler put the argument, as the SDT note says: a register, memory at a
  // register plus a displacement, or a constant.
  auto& b = cg.b_;
  auto* i64ty = b.getInt64Ty();
  const UsdtArg& a = cg.inst_->usdt_args[size_t(e.ival)];
  if (a.kind == UsdtArg::Constant) return cg.i64(uint64_t(a.value));
  llvm::Value* v = b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, a.reg));
  if (a.kind == UsdtArg::Memory) {
    auto* tmp = cg.alloca_bytes(8, "usdt.arg");
    b.CreateStore(cg.i64(0), tmp);
    cg.probe_read(tmp, a.size, b.CreateAdd(v, cg.i64(uint64_t(a.value))), true);
    v = b.CreateLoad(i64ty, tmp);
  }
  if (a.size < 8) {
    auto* narrow = b.CreateTrunc(v, b.getIntNTy(a.size * 8));
    v = a.is_signed ? b.CreateSExt(narrow, i64ty) : b.CreateZExt(narrow, i64ty);
  }
  return v;
}

llvm::Value* lower_register_arg(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  auto* i64ty = b.getInt64Ty();
  if (e.op == "usdt") return lower_usdt_arg(cg, e);
  if (e.op == "arg") return b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kArgs[e.ival]));
  // Stack arguments start one word above the return address at the stack pointer.
  auto* sp = b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kSp));
  auto* tmp = cg.alloca_bytes(8, "sarg");
  b.CreateStore(cg.i64(0), tmp);
  cg.probe_read(tmp, 8, b.CreateAdd(sp, cg.i64(8 * uint64_t(e.ival + 1))));
  return b.CreateLoad(i64ty, tmp);
}

}  // namespace
#endif

const std::vector<Builtin>& probe_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "probe", .form = Form::Identifier, .signature = "probe", .doc = "full name of the probe that fired",
       .type = TYPING([](Sema&, Expr&) { return Type::probe(); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.probe_id_value_ ? cg.probe_id_value_ : cg.i64(cg.probe_id_);
       })},
      {.name = "func", .form = Form::Identifier, .signature = "func", .doc = "the traced function's name",
       .type = TYPING([](Sema& s, Expr& e) {
         const ProbeSpec& spec = s.probe().spec;
         if ((spec.func.empty() && spec.func_display.empty()) || spec.kind == ProbeKind::Usdt) {
           s.error(DiagKind::ArgsNotAvailable, e.loc, "func is only available in kprobe and uprobe probes");
           return Type::none();
         }
         return Type::special(TypeKind::Func);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* { return cg.i64(cg.probe_id_); })},
      {.name = "args", .form = Form::Identifier, .signature = "args",
       .doc = "tracepoint arguments: args->field or args.field",
       .type = TYPING([](Sema& s, Expr& e) {
         s.error(DiagKind::BadOperand, e.loc, "args can only be used to read a field: args->name");
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* { return cg.i64(0); }),
       .reads_context = true},
      {.name = "arg", .form = Form::Identifier, .signature = "argN",
       .doc = "kprobe/uprobe/usdt argument N (arg0, arg1, ...)",
       .type = TYPING([](Sema& s, Expr& e) { return register_arg_type(s, e, "arg"); }),
       .lower = LOWERING(lower_register_arg), .reads_context = true, .numbered = true},
      {.name = "sarg", .form = Form::Identifier, .signature = "sargN",
       .doc = "argument N on the stack (sarg0, ...)",
       .type = TYPING([](Sema& s, Expr& e) { return register_arg_type(s, e, "sarg"); }),
       .lower = LOWERING(lower_register_arg), .reads_context = true, .numbered = true},
      {.name = "retval", .form = Form::Identifier, .signature = "retval",
       .doc = "return value in kretprobe, uretprobe and fexit",
       .type = TYPING([](Sema& s, Expr& e) {
         const ProbeInstance& p = s.probe();
         if (p.spec.kind == ProbeKind::Fexit) {
           e.slot = int(p.btf_args.size() - 1);
           return p.btf_args.back().second.kind == TypeKind::None ? Type::integer(8, false) : p.btf_args.back().second;
         }
         if (!kind_in(p.spec, {ProbeKind::Kretprobe, ProbeKind::Uretprobe})) {
           s.error(DiagKind::ArgsNotAvailable, e.loc,
                   "retval is only available in kretprobe and uretprobe probes, not in " + p.spec.name);
           return Type::none();
         }
         return Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         if (cg.inst_->spec.kind == ProbeKind::Fexit) return cg.btf_arg(e.slot, e.type);
         return cg.b_.CreateLoad(cg.b_.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kReturnValue));
       }),
       .reads_context = true},
      {.name = "ctx", .form = Form::Identifier, .signature = "ctx", .doc = "the probe's context pointer",
       .type = TYPING([](Sema& s, Expr&) {
         const ProbeSpec& spec = s.probe().spec;
         if (spec.kind == ProbeKind::Iter) {
           // ctx->task, ctx->file, ctx->vma: typed by the kernel's struct bpf_iter__NAME.
           KernelBtf* btf = KernelBtf::get();
           Type t = btf ? btf->parse_type("struct bpf_iter__" + spec.func) : Type::none();
           if (t.kind == TypeKind::Record) return Type::pointer(t);
         }
         return Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreatePtrToInt(cg.ctx_arg_, cg.b_.getInt64Ty());
       }),
       .reads_context = true},
      {.name = "reg", .form = Form::Value, .min_args = 1, .max_args = 1, .signature = "reg(NAME)",
       .doc = "a register of the probed task: ip, sp, ax, di... (kprobe, uprobe, usdt, profile)",
       .type = TYPING([](Sema& s, Expr& e) {
         if (e.args[0]->kind != ExprKind::Str) {
           s.error(DiagKind::BadLiteralArg, e.args[0]->loc, "reg() takes a register name as a string literal: reg(\"ip\")");
           return Type::none();
         }
         int off = abi::pt_regs::offset_of(e.args[0]->str);
         if (off < 0) {
           s.error(DiagKind::BadLiteralArg, e.args[0]->loc, "unknown register '" + e.args[0]->str + "'",
                   "registers: ip sp bp ax bx cx dx si di r8-r15 orig_ax flags cs ss");
           return Type::none();
         }
         if (!kind_in(s.probe().spec, {ProbeKind::Kprobe, ProbeKind::Kretprobe, ProbeKind::Uprobe,
                                       ProbeKind::Uretprobe, ProbeKind::Usdt, ProbeKind::Profile,
                                       ProbeKind::Software, ProbeKind::Hardware, ProbeKind::Watchpoint})) {
           s.error(DiagKind::NotSupportedHere, e.loc,
                   "reg() needs the registers of a probed task: kprobe, uprobe, usdt, profile, software, hardware "
                   "or watchpoint probes, not " + s.probe().spec.name);
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

}  // inline namespace SCRY_BUILTINS_SIDE
}  // namespace scry
