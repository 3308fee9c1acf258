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
  if (e.args.size() == 2) {
    int64_t len;
    if (!s.literal_int(*e.args[1], len) || len < 1) {
      s.error(DiagKind::BadLiteralArg, e.args[1]->loc, "str() length must be a positive integer literal");
    } else if (len > kMaxStrLen) {
      s.error(DiagKind::LimitExceeded, e.args[1]->loc,
              "str() length " + std::to_string(len) + " is over the limit of " + std::to_string(kMaxStrLen) + " bytes");
    } else {
      size = uint32_t(len) + 1;
    }
  }
  if (t.kind == TypeKind::None) return Type::none();
  if (t.is_str()) return Type::string(std::min(t.size, size));
  if (!s.need(e, 0, t.is_int() || t.is_ptr() || t.kind == TypeKind::Array, "a pointer or a string"))
    return Type::none();
  return Type::string(size);
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
    n = 64;  // a length known only at run time reads at most 64 bytes
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
  if (arg.type.is_str()) {
    cg.copy_bytes(buf, v, std::min(size, arg.type.size));
    b.CreateStore(b.getInt8(0), cg.byte_ptr(buf, size - 1));
    return buf;
  }
  auto* src = b.CreateIntToPtr(v, b.getPtrTy());
  auto* rc = cg.call_helper(abi::kProbeReadUserStr, b.getInt64Ty(), {buf, b.getInt32(size), src});
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
    auto* rc2 = cg.call_helper(abi::kProbeReadUserStr, b.getInt64Ty(), {buf, b.getInt32(size), src});
    b.CreateCondBr(b.CreateICmpSLT(rc2, cg.i64(0)), retry, done);
    cg.sleepable_ = true;
  } else {
    b.CreateCondBr(b.CreateICmpSLT(rc, cg.i64(0)), retry, done);
  }
  b.SetInsertPoint(retry);
  cg.call_helper(abi::kProbeReadKernelStr, b.getInt64Ty(), {buf, b.getInt32(size), src});
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
  b.CreateStore(b.CreateSelect(b.CreateICmpULT(len, cg.i64(n)), len, cg.i64(n)), buf);
  if (e.args[0]->type.is_str())
    cg.copy_bytes(cg.byte_ptr(buf, 8), src, std::min(n, e.args[0]->type.size));
  else if (src->getType()->isPointerTy() || e.args[0]->type.user || cg.user_space_probe())
    cg.probe_read(cg.byte_ptr(buf, 8), n, src, true);
  else
    cg.read_user_or_kernel(cg.byte_ptr(buf, 8), n, src);
  return buf;
}

// strcontains(a, sub): a search loop, i over a and j over sub, both bounded by their sizes.
llvm::Value* lower_strcontains(CodeGen& cg, const Expr& e, const Expr*) {
  auto& b = cg.b_;
  llvm::Value* a = cg.gen_expr(*e.args[0]);
  llvm::Value* s = cg.gen_expr(*e.args[1]);
  uint32_t na = e.args[0]->type.size, ns = e.args[1]->type.size;
  auto* i8 = b.getInt8Ty();
  auto* i64ty = b.getInt64Ty();
  auto* ivar = cg.alloca_bytes(8, "sc.i", false);
  auto* jvar = cg.alloca_bytes(8, "sc.j", false);
  auto* result = cg.alloca_bytes(8, "sc.found", false);
  b.CreateStore(cg.i64(0), ivar);
  b.CreateStore(cg.i64(0), result);
  auto mk = [&](const char* n) { return llvm::BasicBlock::Create(cg.ctx_, n, cg.fn_); };
  auto *outer = mk("sc.outer"), *outer_body = mk("sc.outer.body"), *inner = mk("sc.inner"),
       *inner_body = mk("sc.inner.body"), *inner_cmp = mk("sc.inner.cmp"), *found = mk("sc.found"),
       *next_i = mk("sc.next"), *done = mk("sc.done");
  b.CreateBr(outer);
  b.SetInsertPoint(outer);  // for i < na while a[i] != 0
  auto* i = b.CreateLoad(i64ty, ivar);
  b.CreateCondBr(b.CreateICmpULT(i, cg.i64(na)), outer_body, done);
  b.SetInsertPoint(outer_body);
  b.CreateStore(cg.i64(0), jvar);
  b.CreateBr(inner);
  b.SetInsertPoint(inner);  // for j < ns: sub[j] == 0 means a match
  auto* j = b.CreateLoad(i64ty, jvar);
  b.CreateCondBr(b.CreateICmpULT(j, cg.i64(ns)), inner_body, found);
  b.SetInsertPoint(inner_body);
  auto* cs = b.CreateLoad(i8, b.CreateGEP(i8, s, j));
  auto* ij = b.CreateAdd(i, j);
  b.CreateCondBr(b.CreateICmpEQ(cs, b.getInt8(0)), found, inner_cmp);
  b.SetInsertPoint(inner_cmp);
  auto* cmp_ok = mk("sc.cmp.ok");
  b.CreateCondBr(b.CreateICmpULT(ij, cg.i64(na)), cmp_ok, done);
  b.SetInsertPoint(cmp_ok);
  auto* ca = b.CreateLoad(i8, b.CreateGEP(i8, a, ij));
  auto* same = mk("sc.same");
  b.CreateCondBr(b.CreateICmpEQ(ca, cs), same, next_i);
  b.SetInsertPoint(same);
  b.CreateStore(b.CreateAdd(j, cg.i64(1)), jvar);
  b.CreateBr(inner);
  b.SetInsertPoint(next_i);  // no match at i; stop at the end of a
  auto* ai = b.CreateLoad(i8, b.CreateGEP(i8, a, i));
  b.CreateStore(b.CreateAdd(i, cg.i64(1)), ivar);
  b.CreateCondBr(b.CreateICmpEQ(ai, b.getInt8(0)), done, outer);
  b.SetInsertPoint(found);
  b.CreateStore(cg.i64(1), result);
  b.CreateBr(done);
  b.SetInsertPoint(done);
  return b.CreateLoad(i64ty, result);
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
       .type = TYPING([](Sema& s, Expr& e) {
         if (!both_strings(s, e))
           return Type::none();
         // A search loop of |s| x |sub| steps: keep it far below the verifier's budget.
         if (uint64_t(e.args[0]->type.size) * e.args[1]->type.size > 64 * 1024) {
           s.error(DiagKind::LimitExceeded, e.loc,
                   "strcontains() on strings this long would be too slow for a BPF program",
                   "shorten them with str(x, N)");
           return Type::none();
         }
         return Type::integer(8, false);
       }),
       .lower = LOWERING(lower_strcontains)},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
