// Stacks and symbols: kstack/ustack, and addresses named (ksym, usym) or looked up by name
// (kaddr, uaddr). Stack values print through runtime/format/stack.cpp, which folded and JSON
// output share.
#include "src/builtins/family.h"
#include "src/types/abi.h"
#ifndef SCRY_CODEGEN
#include <unistd.h>

#include <cstdio>

#include "runtime/symbols/elf_symbols.h"
#include "runtime/symbols/kallsyms.h"
#include "runtime/symbols/user_symbols.h"
#include "src/probes/probes.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

// kstack(perf), ustack(3), kstack(raw, 10): the mode is a bare word, the frame count a literal.
Type stack_call_type(Sema& s, Expr& e) {
  TypeKind kind = e.str == "kstack" ? TypeKind::KStack : TypeKind::UStack;
  StackMode mode = s.options().default_stack_mode;
  uint32_t frames = kMaxStackFrames;
  for (size_t i = 0; i < e.args.size(); i++) {
    Expr& a = *e.args[i];
    if (i == 0 && (a.kind == ExprKind::Builtin || a.kind == ExprKind::Var) && e.args.size() <= 2) {
      if (a.str == "bpftrace")
        mode = StackMode::Bpftrace;
      else if (a.str == "perf")
        mode = StackMode::Perf;
      else if (a.str == "raw")
        mode = StackMode::Raw;
      else {
        s.error(DiagKind::BadLiteralArg, a.loc, e.str + "() mode must be bpftrace, perf or raw, not '" + a.str + "'");
        return Type::none();
      }
      continue;
    }
    int64_t n;
    if (!s.literal_int(a, n)) {
      s.error(DiagKind::BadLiteralArg, a.loc,
              e.str + "() takes a mode (bpftrace, perf, raw) and a frame count literal");
      return Type::none();
    }
    // The kernel walks at most perf_event_max_stack (127) frames; the stack map's value is
    // that many addresses.
    if (n < 1 || n > kMaxStackFrames) {
      s.error(
          DiagKind::LimitExceeded, a.loc,
          e.str + "() frame count must be from 1 to " + std::to_string(kMaxStackFrames) + ", not " + std::to_string(n));
      return Type::none();
    }
    frames = uint32_t(n);
  }
  return Type::stack(kind, mode, frames);
}

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
  return buf;
}

// uptr(p), kptr(p): p itself, its reads from user memory or from the kernel's. An integer
// stays one (str() and buf() of an integer address try user memory, then the kernel's).
Type address_space(Sema& s, Expr& e, bool user) {
  Type t = s.arg(e, 0);
  if (t.kind == TypeKind::None) return t;
  if (!s.need(e, 0, t.is_int() || t.is_ptr(), "an address (a pointer or an integer)")) return Type::none();
  if (t.is_ptr()) t.user = user;
  return t;
}

}  // namespace
#endif

#ifdef SCRY_CODEGEN
namespace {

llvm::Value* lower_stack(CodeGen& cg, const Expr& e, const Expr*) { return cg.gen_stack(e.type); }

}  // namespace
#endif

const std::vector<Builtin>& stack_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "kstack",
       .form = Form::Identifier,
       .signature = "kstack",
       .doc = "kernel stack of the current task",
       .type = TYPING([](Sema&, Expr&) { return Type::special(TypeKind::KStack); }),
       .lower = LOWERING(lower_stack),
       .reads_context = true},
      {.name = "ustack",
       .form = Form::Identifier,
       .signature = "ustack",
       .doc = "user stack of the current task",
       .type = TYPING([](Sema&, Expr&) { return Type::special(TypeKind::UStack); }),
       .lower = LOWERING(lower_stack),
       .reads_context = true},
      {.name = "kstack",
       .form = Form::Value,
       .min_args = 0,
       .max_args = 2,
       .signature = "kstack([mode,] [frames])",
       .doc = "kernel stack; mode bpftrace, perf or raw; at most frames frames",
       .type = TYPING(stack_call_type),
       .lower = LOWERING(lower_stack),
       .reads_context = true},
      {.name = "ustack",
       .form = Form::Value,
       .min_args = 0,
       .max_args = 2,
       .signature = "ustack([mode,] [frames])",
       .doc = "user stack; mode bpftrace, perf or raw; at most frames frames",
       .type = TYPING(stack_call_type),
       .lower = LOWERING(lower_stack),
       .reads_context = true},
      {.name = "ksym",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "ksym(addr)",
       .doc = "kernel symbol of an address",
       .type = TYPING([](Sema& s, Expr& e) {
         Type a = s.arg(e, 0);
         if (!s.need(e, 0, a.is_int() || a.is_ptr(), "an address")) return Type::none();
         return Type::special_value("ksym", 8);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) { return cg.gen_expr(*e.args[0]); }),
       .value_kind = "ksym",
       .print = PRINTING([](const Type&, const uint8_t* p, const ValueNames&) {
         return Kallsyms::get().symbolize(word_at(p), false);
       })},
      {.name = "usym",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "usym(addr)",
       .doc = "user symbol of an address",
       .type = TYPING([](Sema& s, Expr& e) {
         Type a = s.arg(e, 0);
         if (!s.need(e, 0, a.is_int() || a.is_ptr(), "an address")) return Type::none();
         return Type::special_value("usym", 16);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         auto& b = cg.b_;
         auto* buf = cg.alloca_bytes(16, "usym");  // {u64 address, u64 pid}
         b.CreateStore(cg.gen_expr(*e.args[0]), buf);
         auto* pid = b.CreateLShr(cg.call_helper(kGetCurrentPidTgid, b.getInt64Ty(), {}), 32);
         b.CreateStore(pid, cg.byte_ptr(buf, 8));
         cg.note_user_pid(pid);
         return buf;
       }),
       .value_kind = "usym",
       .print = PRINTING([](const Type&, const uint8_t* p, const ValueNames&) {
         SymbolizedFrame f = UserSymbols::get().resolve(uint32_t(word_at(p + 8)), word_at(p));
         return f.known ? f.name : hex(word_at(p));
       })},
      {.name = "kaddr",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "kaddr(NAME)",
       .doc = "address of a kernel symbol",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.literal_str(e, 0, "a symbol name")) return Type::none();
         // Resolved now: kernel symbols do not move while scry runs.
         uint64_t addr = kernel_symbol_address(e.args[0]->str);
         if (!addr) {
           s.error(DiagKind::UnknownFunction, e.args[0]->loc,
                   "Failed to resolve kernel symbol '" + e.args[0]->str + "': it is not in /proc/kallsyms",
                   geteuid() != 0
                       ? "kallsyms shows addresses to root only: run scry as root"
                       : "this kernel's kallsyms lists functions but few data symbols (CONFIG_KALLSYMS_ALL is off)");
           return Type::none();
         }
         return Sema::fold_unsigned(e, addr);
       })},
      {.name = "uaddr",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "uaddr(NAME)",
       .doc = "address of a symbol in the probed binary",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.literal_str(e, 0, "a symbol name")) return Type::none();
         const std::string& path = s.probe().spec.path;
         if (path.empty()) {
           s.error(DiagKind::NotSupportedHere, e.loc, "uaddr() is only available in uprobe probes");
           return Type::none();
         }
         uint64_t addr = 0, size = 0;
         for (auto& sym : read_elf_symbols(path))
           if (sym.name == e.args[0]->str) addr = sym.address, size = sym.size;
         if (!addr) {
           s.error(DiagKind::UnknownFunction, e.args[0]->loc, "no symbol '" + e.args[0]->str + "' in " + path);
           return Type::none();
         }
         // As bpftrace: a pointer to an integer of the symbol's size (*uaddr("counter") reads
         // an int), else a plain address. The call becomes that cast of the address.
         const char* to = size == 1 ? "int8 *" : size == 2 ? "int16 *" : size == 4 ? "int32 *" : size == 8 ? "int64 *" : nullptr;
         if (!to) return Sema::fold_unsigned(e, addr);
         ExprPtr address = make_expr(ExprKind::Int, e.loc);
         Sema::fold_unsigned(*address, addr);
         e.kind = ExprKind::Cast;
         e.str = to;
         e.args.clear();
         e.args.push_back(std::move(address));
         return s.check_expr(e);
       })},
      {.name = "uptr",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "uptr(p)",
       .doc = "p as a user-space address: reads through it read user memory",
       .type = TYPING([](Sema& s, Expr& e) { return address_space(s, e, true); }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) { return cg.gen_expr(*e.args[0]); })},
      {.name = "kptr",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "kptr(p)",
       .doc = "p as a kernel address: reads through it read kernel memory",
       .type = TYPING([](Sema& s, Expr& e) { return address_space(s, e, false); }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) { return cg.gen_expr(*e.args[0]); })},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
