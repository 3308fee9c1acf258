// Strings and byte buffers: reading them from memory, comparing and searching them.
#include "src/builtins/family.h"
#include "src/types/abi.h"
#ifndef SCRY_CODEGEN
#include <cstring>
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

#ifndef SCRY_CODEGEN
namespace {

// Long strings live in the per-CPU scratch map and are copied whole into every event and key
// that holds them; 1 KiB keeps that cheap.
constexpr int64_t kMaxStrLen = 1024;
// buf() reads into a stack buffer: the same limit as bpftrace's.
constexpr int64_t kMaxBufLen = 200;

// Checks both arguments (each reports its own error) and that they are strings.
bool both_strings(Sema& s, Expr& e) {
  Type a = s.arg(e, 0), b = s.arg(e, 1);
  bool ok_a = s.need(e, 0, a.is_str(), "a string");
  bool ok_b = s.need(e, 1, b.is_str(), "a string");
  return ok_a && ok_b;
}

Type str_type(Sema& s, Expr& e) {
  s.positional_as_string(*e.args[0]);
  Type t = s.arg(e, 0);
  uint32_t size = s.options().default_strlen;
  // A length known only at run time keeps BPFTRACE_STRLEN (bpftrace's rule); a literal one
  // sizes the string.
  int64_t len = 0;
  bool literal = e.args.size() == 2 && s.literal_int(*e.args[1], len);
  if ((literal && len < 1) || (e.args.size() == 2 && !literal && !s.arg(e, 1).is_int())) {
    s.error(DiagKind::BadLiteralArg, e.args[1]->loc, "str() length must be a positive integer");
  } else if (literal && len > kMaxStrLen) {
    s.error(DiagKind::LimitExceeded, e.args[1]->loc,
            "str() length " + std::to_string(len) + " is over the limit of " + std::to_string(kMaxStrLen) + " bytes");
  } else if (literal) {
    size = uint32_t(len) + 1;
  }
  if (t.kind == TypeKind::None) return Type::none();
  if (t.is_str()) return Type::string(std::min(t.size, size));
  if (!s.need(e, 0, t.is_int() || t.is_ptr() || t.kind == TypeKind::Array, "a pointer or a string"))
    return Type::none();
  return Type::string(size);
}

// strcontains and strfind: two strings, searched at each event in up to |s| x |sub| steps:
// kept cheap.
Type search_type(Sema& s, Expr& e, Type result) {
  if (!both_strings(s, e)) return Type::none();
  if (uint64_t(e.args[0]->type.size) * e.args[1]->type.size > 64 * 1024) {
    s.error(DiagKind::LimitExceeded, e.loc,
            std::string(e.str) + "() on strings this long would be too slow for a BPF program",
            "shorten them with str(x, N)");
    return Type::none();
  }
  return result;
}

Type substr_type(Sema& s, Expr& e) {
  s.positional_as_string(*e.args[0]);
  Type t = s.arg(e, 0);
  bool ok = s.need(e, 0, t.kind == TypeKind::None || t.is_str(), "a string");
  for (size_t i = 1; i < e.args.size(); i++) ok = s.need(e, i, s.arg(e, i).is_int(), "an integer") && ok;
  if (!ok || t.kind == TypeKind::None) return Type::none();
  return Type::string(t.size);
}

Type buf_type(Sema& s, Expr& e) {
  Type a = s.arg(e, 0);
  if (a.kind == TypeKind::None) return Type::none();
  uint32_t n = 64;
  int64_t v;
  if (e.args.size() == 2 && s.literal_int(*e.args[1], v)) {
    if (v < 1 || v > kMaxBufLen) {
      s.error(DiagKind::LimitExceeded, e.args[1]->loc, "buf() length must be from 1 to " + std::to_string(kMaxBufLen));
      return Type::none();
    }
    n = uint32_t(v);
  } else if (e.args.size() == 2) {
    if (!s.need(e, 1, s.arg(e, 1).is_int(), "an integer length")) return Type::none();
    n = s.options().default_strlen;  // a length known only at run time: BPFTRACE_STRLEN at most
  } else if (a.kind == TypeKind::Array) {
    n = std::min<uint32_t>(a.size, 1024);
  } else if (a.is_str()) {
    n = e.args[0]->kind == ExprKind::Str ? std::max<uint32_t>(1, uint32_t(strnlen(e.args[0]->str.c_str(), a.size)))
                                         : a.size;
  }
  Type t = Type::string(n + 8);  // {u64 length, bytes}
  t.is_signed = true;            // marks "buffer": printed with %r
  return t;
}

}  // namespace
#endif

#ifdef SCRY_CODEGEN
namespace {

// str(x [, n]): a user address (syscall arguments) most of the time; a kernel one otherwise.
llvm::Value* lower_str(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  const Expr& arg = *e.args[0];
  llvm::Value* v = cg.gen_expr(arg);
  uint32_t size = e.type.size;
  auto* buf = cg.alloca_bytes(size, "strbuf");
  cg.zero_bytes(buf, size);
  // str(p, n) with n known at run time reads n bytes and the NUL, at most the buffer.
  llvm::Value* want = b.getInt32(size);
  bool runtime_len = e.args.size() == 2 && e.args[1]->kind != ExprKind::Int;
  if (runtime_len) {
    llvm::Value* n = cg.gen_expr(*e.args[1]);
    n = b.CreateSelect(b.CreateICmpSLT(n, cg.i64(0)), cg.i64(0), n);
    n = b.CreateAdd(b.CreateSelect(b.CreateICmpULT(n, cg.i64(size - 1)), n, cg.i64(size - 1)), cg.i64(1));
    want = b.CreateTrunc(cg.bounded(n, size), b.getInt32Ty());
  }
  if (arg.type.is_str() && runtime_len) {
    cg.call_helper(abi::kProbeReadKernelStr, b.getInt64Ty(), {buf, want, v});
    return buf;
  }
  if (arg.type.is_str()) {
    cg.copy_bytes(buf, v, std::min(size, arg.type.size));
    b.CreateStore(b.getInt8(0), cg.byte_ptr(buf, size - 1));
    return buf;
  }
  auto* src = b.CreateIntToPtr(v, b.getPtrTy());
  auto* rc = cg.call_helper(abi::kProbeReadUserStr, b.getInt64Ty(), {buf, want, src});
  auto* retry = llvm::BasicBlock::Create(cg.ctx_, "str.kernel", cg.fn_);
  auto* done = llvm::BasicBlock::Create(cg.ctx_, "str.done", cg.fn_);
  if (cg.user_space_probe() && !cg.inst_uses_stacks_) {
    // A page the process never touched is not mapped yet, and a plain read fails. Uprobes run
    // sleepable here: copy_from_user may fault the page in, then the read is tried again.
    auto* fault_in = llvm::BasicBlock::Create(cg.ctx_, "str.fault", cg.fn_);
    b.CreateCondBr(b.CreateICmpSLT(rc, cg.i64(0)), fault_in, done);
    b.SetInsertPoint(fault_in);
    auto* one = cg.alloca_bytes(8, "fault");
    cg.call_helper(abi::kCopyFromUser, b.getInt64Ty(), {one, b.getInt32(1), src});
    auto* rc2 = cg.call_helper(abi::kProbeReadUserStr, b.getInt64Ty(), {buf, want, src});
    b.CreateCondBr(b.CreateICmpSLT(rc2, cg.i64(0)), retry, done);
    cg.sleepable_ = true;
  } else {
    b.CreateCondBr(b.CreateICmpSLT(rc, cg.i64(0)), retry, done);
  }
  b.SetInsertPoint(retry);
  cg.call_helper(abi::kProbeReadKernelStr, b.getInt64Ty(), {buf, want, src});
  b.CreateBr(done);
  b.SetInsertPoint(done);
  return buf;
}

llvm::Value* lower_buf(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  uint32_t n = e.type.size - 8;  // {u64 length, bytes}
  auto* buf = cg.alloca_bytes(e.type.size, "buf");
  cg.zero_bytes(buf, e.type.size);
  llvm::Value* src = cg.gen_expr(*e.args[0]);
  llvm::Value* len = e.args.size() == 2 ? cg.gen_expr(*e.args[1]) : cg.i64(n);
  // The length asked for, even when more than the buffer holds: the printer shows what it
  // holds and marks the rest as cut ("...").
  b.CreateStore(b.CreateSelect(b.CreateICmpSLT(len, cg.i64(0)), cg.i64(0), len), buf);
  if (e.args[0]->type.is_str())
    cg.copy_bytes(cg.byte_ptr(buf, 8), src, std::min(n, e.args[0]->type.size));
  else if (src->getType()->isPointerTy() || e.args[0]->type.user || cg.user_space_probe())
    cg.probe_read(cg.byte_ptr(buf, 8), n, src, true);
  else
    cg.read_user_or_kernel(cg.byte_ptr(buf, 8), n, src);
  return buf;
}

// The index of the first `sub` in `a`, or -1 (strfind, strcontains). The search over a's
// positions is a bpf_loop, whose callback compares sub at one position (a loop of |sub| steps).
// The verifier checks the callback until the state it starts from repeats; what the callback
// keeps from one position to the next therefore lives in scratch map memory, where the
// verifier follows no values (on the stack, each new value made a state it had not seen). A
// plain loop instead made it check what follows once per position found: a few searches in a
// row passed its budget of a million instructions. The context is {a, sub, state}; the state
// is {result}.
llvm::Value* gen_find(CodeGen& cg, llvm::Value* a, uint32_t na, llvm::Value* s, uint32_t ns) {
  auto& b = cg.b_;
  auto* i8 = b.getInt8Ty();
  auto* i64ty = b.getInt64Ty();
  auto* ctx = cg.alloca_bytes(24, "find.ctx");
  auto* state = cg.scratch_bytes(8, true);
  b.CreateStore(a, ctx);
  b.CreateStore(s, cg.byte_ptr(ctx, 8));
  b.CreateStore(state, cg.byte_ptr(ctx, 16));
  b.CreateStore(cg.i64(uint64_t(-1)), state);
  auto* cb = cg.loop_callback("scry_strfind", [&](llvm::Function* cb) {
    llvm::Value* i = cb->getArg(0);
    llvm::Value* cctx = cb->getArg(1);
    llvm::Value* ca = b.CreateLoad(b.getPtrTy(), cctx);
    llvm::Value* cs = b.CreateLoad(b.getPtrTy(), cg.byte_ptr(cctx, 8));
    auto mk = [&](const char* n) { return llvm::BasicBlock::Create(cg.ctx_, n, cb); };
    auto *start = mk("find.start"), *inner = mk("find.inner"), *inner_body = mk("find.body"),
         *in_a = mk("find.in_a"), *same = mk("find.same"), *found = mk("find.found"), *stop = mk("find.stop"),
         *next = mk("find.next");
    auto* jvar = cg.alloca_bytes(8, "find.j", false);
    b.CreateCondBr(b.CreateICmpULT(i, cg.i64(na)), start, stop);
    b.SetInsertPoint(start);  // the end of a (its NUL): not found
    b.CreateStore(cg.i64(0), jvar);
    b.CreateCondBr(b.CreateICmpEQ(b.CreateLoad(i8, b.CreateGEP(i8, ca, i)), b.getInt8(0)), stop, inner);
    b.SetInsertPoint(inner);  // for j < |sub| until sub's NUL: a match
    auto* j = b.CreateLoad(i64ty, jvar);
    b.CreateCondBr(b.CreateICmpULT(j, cg.i64(ns)), inner_body, found);
    b.SetInsertPoint(inner_body);
    auto* c = b.CreateLoad(i8, b.CreateGEP(i8, cs, j));
    auto* ij = b.CreateAdd(i, j);
    b.CreateCondBr(b.CreateICmpEQ(c, b.getInt8(0)), found, in_a);
    b.SetInsertPoint(in_a);  // sub runs past the end of a: no match here or further on
    b.CreateCondBr(b.CreateICmpULT(ij, cg.i64(na)), same, stop);
    b.SetInsertPoint(same);
    b.CreateStore(b.CreateAdd(j, cg.i64(1)), jvar);
    b.CreateCondBr(b.CreateICmpEQ(b.CreateLoad(i8, b.CreateGEP(i8, ca, ij)), c), inner, next);
    b.SetInsertPoint(found);
    b.CreateStore(i, b.CreateLoad(b.getPtrTy(), cg.byte_ptr(cctx, 16)));
    b.CreateRet(cg.i64(1));
    b.SetInsertPoint(stop);
    b.CreateRet(cg.i64(1));
    b.SetInsertPoint(next);
    b.CreateRet(cg.i64(0));
  });
  cg.call_helper(abi::kLoop, i64ty, {cg.i64(na), cb, ctx, cg.i64(0)});
  return b.CreateLoad(i64ty, state);
}

llvm::Value* lower_find(CodeGen& cg, const Expr& e) {
  llvm::Value* a = cg.gen_expr(*e.args[0]);
  llvm::Value* s = cg.gen_expr(*e.args[1]);
  return gen_find(cg, a, e.args[0]->type.size, s, e.args[1]->type.size);
}

// substr(s, start [, n]): the bytes from start, at most n of them, read by
// bpf_probe_read_kernel_str from inside the string (it stops at the NUL and ends the copy with
// one). start is clamped to [0, |s|], n to what is left.
llvm::Value* lower_substr(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  uint32_t size = e.type.size;
  llvm::Value* s = cg.gen_expr(*e.args[0]);
  llvm::Value* start = cg.gen_expr(*e.args[1]);
  llvm::Value* n = e.args.size() == 3 ? cg.gen_expr(*e.args[2]) : cg.i64(size);
  auto* out = cg.alloca_bytes(size, "substr");
  cg.zero_bytes(out, size);
  auto* last = cg.i64(size - 1);
  start = b.CreateSelect(b.CreateICmpSLT(start, cg.i64(0)), cg.i64(0), start);
  start = cg.bounded(start, size - 1);
  n = b.CreateSelect(b.CreateICmpSLT(n, cg.i64(0)), cg.i64(0), n);
  auto* room = b.CreateSub(last, start);
  n = b.CreateAdd(b.CreateSelect(b.CreateICmpULT(n, room), n, room), cg.i64(1));  // with the NUL
  auto* src = b.CreateGEP(b.getInt8Ty(), s, start);
  cg.call_helper(abi::kProbeReadKernelStr, b.getInt64Ty(), {out, b.CreateTrunc(cg.bounded(n, size), b.getInt32Ty()), src});
  return out;
}

// atoi(s): the decimal number at the start of s (after spaces and one sign), 0 if none; the
// digits stop at the first other byte, or before the value would overflow. A bpf_loop over s,
// its state in scratch memory as gen_find's. The context is {s, state}; the state is {value,
// phase}, the value kept signed as it grows.
llvm::Value* lower_atoi(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  uint32_t size = e.args[0]->type.size;
  auto* i8 = b.getInt8Ty();
  auto* i64ty = b.getInt64Ty();
  enum : uint32_t { kValue = 0, kPhase = 8 };
  enum : uint64_t { kLeading = 0, kPositive = 1, kNegative = 2 };
  const int64_t kLast = INT64_MAX / 10;  // past it, one more digit overflows; at it, a digit over 7
  auto* ctx = cg.alloca_bytes(16, "atoi.ctx");
  auto* state = cg.scratch_bytes(16, true);
  b.CreateStore(cg.gen_expr(*e.args[0]), ctx);
  b.CreateStore(state, cg.byte_ptr(ctx, 8));
  b.CreateStore(cg.i64(0), cg.byte_ptr(state, kValue));
  b.CreateStore(cg.i64(kLeading), cg.byte_ptr(state, kPhase));
  auto* cb = cg.loop_callback("scry_atoi", [&](llvm::Function* cb) {
    llvm::Value* i = cb->getArg(0);
    llvm::Value* cctx = cb->getArg(1);
    llvm::Value* cstate = b.CreateLoad(b.getPtrTy(), cg.byte_ptr(cctx, 8));
    auto field = [&](uint32_t off) { return cg.byte_ptr(cstate, off); };
    auto mk = [&](const char* n) { return llvm::BasicBlock::Create(cg.ctx_, n, cb); };
    auto *read = mk("atoi.read"), *lead = mk("atoi.lead"), *begin = mk("atoi.begin"), *number = mk("atoi.number"),
         *negative = mk("atoi.negative"), *positive = mk("atoi.positive"), *stop = mk("atoi.stop"),
         *next = mk("atoi.next");
    b.CreateCondBr(b.CreateICmpULT(i, cg.i64(size)), read, stop);
    b.SetInsertPoint(read);
    auto* str = b.CreateLoad(b.getPtrTy(), cctx);
    auto* c = b.CreateZExt(b.CreateLoad(i8, b.CreateGEP(i8, str, i)), i64ty);
    b.CreateCondBr(b.CreateICmpEQ(b.CreateLoad(i64ty, field(kPhase)), cg.i64(kLeading)), lead, number);
    b.SetInsertPoint(lead);  // before the number: spaces, then one sign
    auto* blank = b.CreateOr(b.CreateICmpEQ(c, cg.i64(' ')), b.CreateICmpEQ(c, cg.i64('\t')));
    b.CreateCondBr(blank, next, begin);
    b.SetInsertPoint(begin);
    auto* minus = b.CreateICmpEQ(c, cg.i64('-'));
    b.CreateStore(b.CreateSelect(minus, cg.i64(kNegative), cg.i64(kPositive)), field(kPhase));
    b.CreateCondBr(b.CreateOr(minus, b.CreateICmpEQ(c, cg.i64('+'))), next, number);
    b.SetInsertPoint(number);
    auto* d = b.CreateSub(c, cg.i64('0'));
    auto* v = b.CreateLoad(i64ty, field(kValue));
    auto* digit = mk("atoi.digit");
    b.CreateCondBr(b.CreateICmpULT(d, cg.i64(10)), digit, stop);
    b.SetInsertPoint(digit);
    b.CreateCondBr(b.CreateICmpEQ(b.CreateLoad(i64ty, field(kPhase)), cg.i64(kNegative)), negative, positive);
    b.SetInsertPoint(negative);
    auto* more_neg = mk("atoi.more.neg");
    auto* over_neg = b.CreateOr(b.CreateICmpSLT(v, cg.i64(uint64_t(-kLast))),
                                b.CreateAnd(b.CreateICmpEQ(v, cg.i64(uint64_t(-kLast))), b.CreateICmpUGT(d, cg.i64(8))));
    b.CreateCondBr(over_neg, stop, more_neg);
    b.SetInsertPoint(more_neg);
    b.CreateStore(b.CreateSub(b.CreateMul(v, cg.i64(10)), d), field(kValue));
    b.CreateRet(cg.i64(0));
    b.SetInsertPoint(positive);
    auto* more_pos = mk("atoi.more.pos");
    auto* over_pos = b.CreateOr(b.CreateICmpSGT(v, cg.i64(uint64_t(kLast))),
                                b.CreateAnd(b.CreateICmpEQ(v, cg.i64(uint64_t(kLast))), b.CreateICmpUGT(d, cg.i64(7))));
    b.CreateCondBr(over_pos, stop, more_pos);
    b.SetInsertPoint(more_pos);
    b.CreateStore(b.CreateAdd(b.CreateMul(v, cg.i64(10)), d), field(kValue));
    b.CreateRet(cg.i64(0));
    b.SetInsertPoint(next);
    b.CreateRet(cg.i64(0));
    b.SetInsertPoint(stop);
    b.CreateRet(cg.i64(1));
  });
  cg.call_helper(abi::kLoop, i64ty, {cg.i64(size), cb, ctx, cg.i64(0)});
  return b.CreateLoad(i64ty, cg.byte_ptr(state, kValue));
}

}  // namespace
#endif

const std::vector<Builtin>& string_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "str",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 2,
       .signature = "str(ptr [, len])",
       .doc = "read a NUL-terminated string",
       .type = TYPING(str_type),
       .lower = LOWERING(lower_str)},
      {.name = "buf",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 2,
       .signature = "buf(p [, n])",
       .doc = "bytes at p, printed hex-escaped with %r",
       .type = TYPING(buf_type),
       .lower = LOWERING(lower_buf)},
      {.name = "strncmp",
       .form = Form::Value,
       .min_args = 3,
       .max_args = 3,
       .signature = "strncmp(a, b, n)",
       .doc = "compare at most n bytes of two strings",
       .type = TYPING([](Sema& s, Expr& e) {
         int64_t n;
         if (!both_strings(s, e))
           return Type::none();
         if (!s.literal_int(*e.args[2], n) || n < 0) {
           s.error(DiagKind::BadLiteralArg, e.args[2]->loc, "strncmp() length must be a non-negative integer literal");
           return Type::none();
         }
         return Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         // 0 when the first n bytes (up to a NUL) are equal, like C's strncmp == 0.
         llvm::Value* a = cg.gen_expr(*e.args[0]);
         llvm::Value* c = cg.gen_expr(*e.args[1]);
         uint32_t n = uint32_t(e.args[2]->ival);
         uint32_t na = e.args[0]->type.size, nb = e.args[1]->type.size;
         bool full = n >= na || n >= nb;
         return cg.b_.CreateXor(cg.gen_string_eq(a, full ? na : n, c, full ? nb : n), cg.i64(1));
       })},
      {.name = "strcontains",
       .form = Form::Value,
       .min_args = 2,
       .max_args = 2,
       .signature = "strcontains(s, sub)",
       .doc = "1 if sub occurs in s",
       .type = TYPING([](Sema& s, Expr& e) { return search_type(s, e, Type::integer(8, false)); }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         return cg.b_.CreateZExt(cg.b_.CreateICmpSGE(lower_find(cg, e), cg.i64(0)), cg.b_.getInt64Ty());
       })},
      {.name = "strfind",
       .form = Form::Value,
       .min_args = 2,
       .max_args = 2,
       .signature = "strfind(s, sub)",
       .doc = "the index of the first sub in s, -1 if there is none",
       .type = TYPING([](Sema& s, Expr& e) { return search_type(s, e, Type::integer(8, true)); }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) { return lower_find(cg, e); })},
      {.name = "substr",
       .form = Form::Value,
       .min_args = 2,
       .max_args = 3,
       .signature = "substr(s, start [, n])",
       .doc = "the part of s from index start, at most n bytes of it",
       .type = TYPING(substr_type),
       .lower = LOWERING(lower_substr)},
      {.name = "atoi",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "atoi(s)",
       .doc = "the decimal number at the start of s (0 if none)",
       .type = TYPING([](Sema& s, Expr& e) {
         s.positional_as_string(*e.args[0]);
         Type t = s.arg(e, 0);
         if (t.kind == TypeKind::None || !s.need(e, 0, t.is_str(), "a string")) return Type::none();
         return Type::integer(8, true);
       }),
       .lower = LOWERING(lower_atoi)},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
