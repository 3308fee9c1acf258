// What a script prints and how it stops: printf, print, join, cat, system, exit. Each sends a
// ring buffer record that scry turns into output in the order the probes made them.
#include "src/builtins/family.h"
#include "src/types/abi.h"

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

// print(@m [, top [, div]]) prints a map; print(value) one value and a newline.
Type print_type(Sema& s, Expr& e) {
  Expr& a = *e.args[0];
  if (a.kind != ExprKind::Map || !a.args.empty()) {
    Type t = storage_type(s.check_expr(a));
    if (t.kind == TypeKind::None) return Type::none();
    if (e.args.size() > 1 || t.is_aggregation()) {
      s.error(DiagKind::BadArgType, e.loc, "print() takes a map, or one value of a printable type");
      return Type::none();
    }
    if (!s.check_whole_value(t, a.loc)) return Type::none();
    PrintfSpec spec;
    spec.print_value = true;
    spec.args.push_back(t);
    spec.offsets.push_back(sizeof(EventHeader));
    s.add_slot(e, s.manifest().printfs, spec);
    return Type::none();
  }
  if (!s.check_map_arg(e, 0, false)) return Type::none();
  for (size_t i = 1; i < e.args.size(); i++) {
    int64_t v;
    if (!s.literal_int(*e.args[i], v) || v < 0)
      s.error(DiagKind::BadLiteralArg, e.args[i]->loc,
              std::string("print() ") + (i == 1 ? "top" : "div") + " must be a non-negative integer literal");
  }
  return Type::none();
}

// system() and cat(): a format and its arguments, as printf's.
Type formatted_type(Sema& s, Expr& e) {
  if (e.str == "system" && !s.options().unsafe) {
    s.error(DiagKind::UnsafeNeeded, e.loc, "system() can harm the system: run scry with --unsafe to allow it");
    return Type::none();
  }
  if (e.str == "system") s.manifest().needs_unsafe = true;
  s.check_printf(e);
  return Type::none();
}

// debugf(): the kernel formats it (bpf_trace_printk), so only what the kernel's printf
// knows: integers and strings, at most 12 of them (MAX_BPRINTF_VARARGS).
Type debugf_type(Sema& s, Expr& e) {
  s.check_printf(e, false);
  for (size_t i = 1; i < e.args.size(); i++) {
    const Type& t = e.args[i]->type;
    bool reported = t.kind == TypeKind::None || t.is_aggregation() || t.kind == TypeKind::Record ||
                    t.kind == TypeKind::Array || t.kind == TypeKind::Tuple;  // by check_printf
    bool plain = t.is_int() || t.is_ptr() || (t.is_str() && !t.is_signed);
    if (!reported && !plain)
      s.error(DiagKind::BadPrintf, e.args[i]->loc,
              "debugf() prints integers and strings, not " + (t.is_str() ? std::string("buf()") : t.name()));
  }
  if (e.args[0]->kind == ExprKind::Str && e.args[0]->str.find("%r") != std::string::npos)
    s.error(DiagKind::BadPrintf, e.args[0]->loc, "debugf() cannot print buf() values (%r): the kernel formats it");
  s.error(DiagKind::DebugOutput, e.loc,
          "debugf() writes to the kernel's trace buffer, not to scry's output",
          "read it in /sys/kernel/tracing/trace_pipe; every tracer on the machine shares it (for debugging only)");
  return Type::none();
}

}  // namespace
#endif

#ifdef SCRY_CODEGEN
namespace {

// debugf(fmt, args...): bpf_trace_printk for up to 3 arguments, bpf_trace_vprintk (an
// array of u64) for more. Strings are passed by address, for the kernel's %s to read.
llvm::Value* lower_debugf(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  const std::string& fmt = e.args[0]->str;
  uint32_t size = uint32_t(fmt.size() + 1);
  llvm::Value* format = cg.rodata_string(fmt, size);
  std::vector<llvm::Value*> vals;
  for (size_t i = 1; i < e.args.size(); i++) {
    llvm::Value* v = cg.gen_expr(*e.args[i]);
    vals.push_back(e.args[i]->type.is_str() ? b.CreatePtrToInt(v, b.getInt64Ty()) : v);
  }
  if (vals.size() <= 3) {
    std::vector<llvm::Value*> args = {format, b.getInt32(size)};
    args.insert(args.end(), vals.begin(), vals.end());
    cg.call_helper(abi::kTracePrintk, b.getInt64Ty(), args);
    return nullptr;
  }
  auto* data = cg.alloca_bytes(uint32_t(8 * vals.size()), "debugf.args");
  for (size_t i = 0; i < vals.size(); i++) b.CreateStore(vals[i], cg.byte_ptr(data, uint32_t(8 * i)));
  cg.call_helper(abi::kTraceVprintk, b.getInt64Ty(), {format, b.getInt32(size), data, b.getInt32(uint32_t(8 * vals.size()))});
  return nullptr;
}

// join(argv [, sep]): argv is a user pointer to a NULL-terminated char* array (execve's); each
// string is read straight into the ring buffer record.
llvm::Value* lower_join(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  llvm::Value* argv = cg.gen_expr(*e.args[0]);
  auto* ev = cg.reserve_event(sizeof(EventHeader) + kJoinArgs * kJoinArgLen, EventType::Join, uint64_t(e.slot));
  auto* slot = cg.alloca_bytes(8, "argp");
  auto* done = llvm::BasicBlock::Create(cg.ctx_, "join.done", cg.fn_);
  for (uint32_t i = 0; i < kJoinArgs; i++)  // ring buffer memory is not zeroed
    b.CreateStore(b.getInt8(0), cg.byte_ptr(ev, sizeof(EventHeader) + i * kJoinArgLen));
  for (uint32_t i = 0; i < kJoinArgs; i++) {
    auto* dst = cg.byte_ptr(ev, sizeof(EventHeader) + i * kJoinArgLen);
    b.CreateStore(cg.i64(0), slot);
    cg.call_helper(abi::kProbeReadUser, b.getInt64Ty(),
                   {slot, b.getInt32(8), b.CreateIntToPtr(b.CreateAdd(argv, cg.i64(8 * i)), b.getPtrTy())});
    auto* p = b.CreateLoad(b.getInt64Ty(), slot);
    auto* next = llvm::BasicBlock::Create(cg.ctx_, "join.arg", cg.fn_);
    b.CreateCondBr(b.CreateICmpEQ(p, cg.i64(0)), done, next);
    b.SetInsertPoint(next);
    cg.call_helper(abi::kProbeReadUserStr, b.getInt64Ty(),
                   {dst, b.getInt32(kJoinArgLen), b.CreateIntToPtr(p, b.getPtrTy())});
  }
  b.CreateBr(done);
  b.SetInsertPoint(done);
  cg.submit_event(ev);
  return nullptr;
}

}  // namespace
#endif

// Arguments of printf(), cat() and system(), after the format: each is a field of the event
// record and a value live while the record is filled, so there is a bound; bpftrace has none
// that a script meets, and 32 is more than any format needs.
constexpr int kMaxFormatArgs = 1 + 32;

const std::vector<Builtin>& output_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "printf",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = kMaxFormatArgs,
       .signature = "printf(fmt, ...)",
       .doc = "print formatted output",
       .type = TYPING([](Sema& s, Expr& e) {
         s.check_printf(e);
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.gen_formatted_event(e, EventType::Printf);
         return nullptr;
       })},
      {.name = "debugf",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1 + 12,
       .signature = "debugf(fmt, ...)",
       .doc = "print to the kernel's trace buffer (trace_pipe), for debugging",
       .type = TYPING(debugf_type),
       .lower = LOWERING(lower_debugf)},
      {.name = "print",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 3,
       .signature = "print(@m [, top [, div]])",
       .doc = "print a map now, or one value",
       .type = TYPING(print_type),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         if (e.slot >= 0)
           cg.gen_formatted_event(e, EventType::Printf);  // print(value): a printf of it
         else
           cg.gen_print_map(e);
         return nullptr;
       })},
      {.name = "join",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 2,
       .signature = "join(char **argv [, sep])",
       .doc = "print a NULL-terminated array of strings",
       .type = TYPING([](Sema& s, Expr& e) {
         Type t = s.arg(e, 0);
         if (e.args.size() == 2 && !s.literal_str(e, 1, "its separator")) return Type::none();
         s.add_slot(e, s.manifest().join_separators, e.args.size() == 2 ? e.args[1]->str : std::string(" "));
         s.need(e, 0, t.kind == TypeKind::None || t.is_int() || t.is_ptr(), "a pointer to an array of strings");
         return Type::none();
       }),
       .lower = LOWERING(lower_join)},
      {.name = "cat",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = kMaxFormatArgs,
       .signature = "cat(fmt, ...)",
       .doc = "print a file's contents",
       .type = TYPING(formatted_type),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.gen_formatted_event(e, EventType::Cat);
         return nullptr;
       })},
      {.name = "system",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = kMaxFormatArgs,
       .signature = "system(fmt, ...)",
       .doc = "run a shell command (--unsafe)",
       .type = TYPING(formatted_type),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         cg.gen_formatted_event(e, EventType::System);
         return nullptr;
       })},
      {.name = "exit",
       .form = Form::Statement,
       .min_args = 0,
       .max_args = 0,
       .signature = "exit()",
       .doc = "stop tracing: run END, print maps, exit",
       .type = TYPING([](Sema&, Expr&) { return Type::none(); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         cg.b_.CreateStore(cg.i64(1), cg.global_slot(kGlobalExit));
         cg.submit_event(cg.reserve_event(sizeof(EventHeader), EventType::Exit, 0));
         cg.b_.CreateRet(cg.i64(0));  // nothing after exit() runs
         return nullptr;
       })},
      {.name = "unwatch",
       .form = Form::Statement,
       .min_args = 1,
       .max_args = 1,
       .signature = "unwatch(addr)",
       .doc = "stop the watchpoints on addr (watchpoint:FUNC+argN armed them); takes effect a little later",
       .type = TYPING([](Sema& s, Expr& e) {
         Type t = s.check_expr(*e.args[0]);
         if (t.kind != TypeKind::None && !t.is_int() && !t.is_ptr())
           s.error(DiagKind::TypeMismatch, e.args[0]->loc, "unwatch() takes an address, not " + t.name());
         return Type::none();
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         llvm::Value* addr = cg.gen_expr(*e.args[0]);
         auto* ev = cg.reserve_event(sizeof(EventHeader) + 8, EventType::Unwatch, 0);
         cg.b_.CreateStore(addr, cg.byte_ptr(ev, sizeof(EventHeader)));
         cg.submit_event(ev);
         return nullptr;
       })},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
