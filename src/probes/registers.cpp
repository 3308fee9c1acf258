#include "src/probes/registers.h"

#include "src/types/abi.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include "src/sema/sema.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
Type register_arg_type(Sema& s, Expr& e, int n, bool stack) {
  if (!stack && n > 5) {
    // x86-64 passes six arguments in registers; the rest are on the stack (sargN).
    s.error(DiagKind::LimitExceeded, e.loc,
            e.str + ": only arg0 to arg5 are passed in registers; use sarg" + std::to_string(n - 6) + " for the stack");
    return Type::none();
  }
  e.ival = n;
  e.op = stack ? "sarg" : "arg";
  return Type::integer(8, stack);
}

Type register_retval_type(Sema&, Expr&) { return Type::integer(8, false); }
#else
llvm::Value* register_arg_lower(CodeGen& cg, const Expr& e) {
  auto& b = cg.b_;
  auto* i64ty = b.getInt64Ty();
  if (e.op == "arg") return b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kArgs[e.ival]));
  // Stack arguments start one word above the return address at the stack pointer.
  auto* sp = b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kSp));
  auto* tmp = cg.alloca_bytes(8, "sarg");
  b.CreateStore(cg.i64(0), tmp);
  cg.probe_read(tmp, 8, b.CreateAdd(sp, cg.i64(8 * uint64_t(e.ival + 1))));
  return b.CreateLoad(i64ty, tmp);
}

llvm::Value* register_retval_lower(CodeGen& cg, const Expr&) {
  return cg.b_.CreateLoad(cg.b_.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kReturnValue));
}
#endif

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
