// Acting on the system (signals to the current task, overriding a kprobed function's result)
// and reading its error numbers.
#include "src/builtins/family.h"
#include "src/types/abi.h"
#ifndef SCRY_CODEGEN
#include <cstring>
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

// signal(SIGKILL), signal("KILL"), signal(9): names become their numbers.
Type signal_type(Sema& s, Expr& e) {
  if (!s.options().unsafe) {
    s.error(DiagKind::UnsafeNeeded, e.loc, "signal() can harm the system: run scry with --unsafe to allow it");
    return Type::none();
  }
  s.manifest().needs_unsafe = true;
  Expr& a = *e.args[0];
  if (a.kind == ExprKind::Str) {
    static const struct {
      const char* name;
      int num;
    } sigs[] = {{"SIGHUP", 1},   {"SIGINT", 2},   {"SIGQUIT", 3},  {"SIGILL", 4},   {"SIGTRAP", 5},
                {"SIGABRT", 6},  {"SIGBUS", 7},   {"SIGFPE", 8},   {"SIGKILL", 9},  {"SIGUSR1", 10},
                {"SIGSEGV", 11}, {"SIGUSR2", 12}, {"SIGPIPE", 13}, {"SIGALRM", 14}, {"SIGTERM", 15},
                {"SIGCHLD", 17}, {"SIGCONT", 18}, {"SIGSTOP", 19}, {"SIGTSTP", 20}};
    std::string n = a.str.rfind("SIG", 0) == 0 ? a.str : "SIG" + a.str;
    for (auto& sig : sigs)
      if (n == sig.name) {
        a.kind = ExprKind::Int;
        a.ival = sig.num;
      }
    if (a.kind == ExprKind::Str) {
      s.error(DiagKind::BadLiteralArg, a.loc, "unknown signal '" + a.str + "'");
      return Type::none();
    }
  }
  s.need(e, 0, s.arg(e, 0).is_int(), "a signal number or name");
  return Type::none();
}

}  // namespace
#endif

const std::vector<Builtin>& system_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "signal",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1,
       .signature = "signal(sig)",
       .doc = "send a signal to the current task (--unsafe)",
       .type = TYPING(signal_type),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.call_helper(kSendSignal, cg.b_.getInt64Ty(),
                        {cg.b_.CreateTrunc(cg.gen_expr(*e.args[0]), cg.b_.getInt32Ty())});
         return nullptr;
       })},
      {.name = "override",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1,
       .signature = "override(rc)",
       .doc = "change a kprobe's return value",
       .type = TYPING([](Sema& s, Expr& e) {
         s.error(DiagKind::NotSupportedHere, e.loc,
                 "override() needs bpf_override_return, which this kernel does not have "
                 "(no CONFIG_BPF_KPROBE_OVERRIDE; kprobes cannot attach here either)");
         return Type::none();
       })},
      {.name = "strerror",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "strerror(errno)",
       .doc = "an error number, printed as its description (\"No such file or directory\")",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.need(e, 0, s.arg(e, 0).is_int(), "an error number")) return Type::none();
         return Type::special_value("strerror", 8);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) { return cg.gen_expr(*e.args[0]); }),
       .value_kind = "strerror",
       .print = PRINTING([](const Type&, const uint8_t* p, const ValueNames&) -> std::string {
         return strerror(int(int64_t(word_at(p))));  // as bpftrace: strerror(-2) is "Unknown error -2"
       })},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
