// Arguments and return values read from struct pt_regs (src/types/abi.h), as kprobes and
// uprobes see them: argN in the System V argument registers, sargN on the stack above the
// return address, retval in ax.
#pragma once
#include "src/probes/provider.h"

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
Type register_arg_type(Sema& s, Expr& e, int n, bool stack);
Type register_retval_type(Sema& s, Expr& e);
#else
llvm::Value* register_arg_lower(CodeGen& cg, const Expr& e);
llvm::Value* register_retval_lower(CodeGen& cg, const Expr& e);
#endif

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
