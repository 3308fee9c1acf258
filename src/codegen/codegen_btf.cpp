// Values typed by the kernel's BTF: reading members, casts, dereferences and indexing.
// Records and arrays are handled as addresses until they are stored as a whole (store_as
// copies them); only scalars and strings are read.
#include "src/codegen/codegen_internal.h"
#include "src/probes/provider.h"

namespace scry {

bool CodeGen::user_space_probe() const { return provider_for(inst_->spec.kind).user_space; }

llvm::Value* CodeGen::probe_read(llvm::Value* dst, uint32_t size, llvm::Value* src_addr, bool user) {
  // A pointer (not an address) is into BPF memory: a record or array copied earlier.
  if (src_addr->getType()->isPointerTy())
    return call_helper(kProbeReadKernel, b_.getInt64Ty(), {dst, b_.getInt32(size), src_addr});
  // Uprobes read their process's memory, and so do reads through syscall arguments.
  int helper = user || user_space_probe() ? kProbeReadUser : kProbeReadKernel;
  auto* rc = call_helper(helper, b_.getInt64Ty(), {dst, b_.getInt32(size), b_.CreateIntToPtr(src_addr, b_.getPtrTy())});
  check_helper(rc, "probe_read", 2);
  return rc;
}

void CodeGen::read_user_or_kernel(llvm::Value* dst, uint32_t size, llvm::Value* addr) {
  auto* src = b_.CreateIntToPtr(addr, b_.getPtrTy());
  auto* rc = call_helper(kProbeReadUser, b_.getInt64Ty(), {dst, b_.getInt32(size), src});
  auto* kernel = llvm::BasicBlock::Create(ctx_, "read.kernel", fn_);
  auto* done = llvm::BasicBlock::Create(ctx_, "read.done", fn_);
  b_.CreateCondBr(b_.CreateICmpSLT(rc, i64(0)), kernel, done);
  b_.SetInsertPoint(kernel);
  call_helper(kProbeReadKernel, b_.getInt64Ty(), {dst, b_.getInt32(size), src});
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

llvm::Value* CodeGen::read_typed(llvm::Value* addr, const Type& t, bool user, uint32_t shift, uint32_t bits) {
  switch (t.kind) {
    case TypeKind::Record:
    case TypeKind::Array:
      return addr;
    case TypeKind::String: {
      auto* buf = alloca_bytes(t.size + 1, "member");
      zero_bytes(buf, t.size + 1);
      probe_read(buf, t.size, addr, user);
      return buf;
    }
    default: {
      uint32_t size = t.size ? t.size : 8;
      auto* tmp = alloca_bytes(8, "member");
      b_.CreateStore(i64(0), tmp);
      probe_read(tmp, size, addr, user);
      llvm::Value* v = b_.CreateLoad(b_.getInt64Ty(), tmp);
      if (bits) {
        v = b_.CreateAnd(b_.CreateLShr(v, shift), i64(bits >= 64 ? ~0ull : (1ull << bits) - 1));
        if (t.is_signed && bits < 64) v = b_.CreateAShr(b_.CreateShl(v, 64 - bits), 64 - bits);
        return v;
      }
      if (t.is_int() && t.is_signed && size < 8)
        v = b_.CreateSExt(b_.CreateTrunc(v, b_.getIntNTy(size * 8)), b_.getInt64Ty());
      return v;
    }
  }
}

llvm::Value* CodeGen::gen_cast(const Expr& e) {
  llvm::Value* v = gen_expr(*e.args[0]);
  return fit_int(v, e.type);  // narrowing integer casts truncate, then extend
}

llvm::Value* CodeGen::fit_int(llvm::Value* v, const Type& t) {
  if (!t.is_int() || t.size >= 8) return v;
  auto* narrow = b_.CreateTrunc(v, b_.getIntNTy(t.size * 8));
  return t.is_signed ? b_.CreateSExt(narrow, b_.getInt64Ty()) : b_.CreateZExt(narrow, b_.getInt64Ty());
}

llvm::Value* CodeGen::gen_deref_index(const Expr& e) {
  const Expr& base = *e.args[0];
  llvm::Value* b = gen_expr(base);
  if (e.kind == ExprKind::Deref) return read_typed(b, e.type, base.type.user);
  llvm::Value* idx = gen_expr(*e.args[1]);
  // Where the index is checked for the verifier (below), LLVM must not drop the check; a
  // constant index needs none.
  bool checked = base.type.is_str() || b->getType()->isPointerTy();
  if (checked && e.args[1]->kind != ExprKind::Int) idx = opaque(idx);
  if (base.type.is_str()) {
    // A byte of a string buffer on the stack: bounded so the verifier accepts it.
    auto* in = llvm::BasicBlock::Create(ctx_, "idx.in", fn_);
    auto* done = llvm::BasicBlock::Create(ctx_, "idx.done", fn_);
    auto* start = b_.GetInsertBlock();
    b_.CreateCondBr(b_.CreateICmpULT(idx, i64(base.type.size)), in, done);
    b_.SetInsertPoint(in);
    auto* c = b_.CreateSExt(b_.CreateLoad(b_.getInt8Ty(), b_.CreateGEP(b_.getInt8Ty(), b, idx)), b_.getInt64Ty());
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    auto* phi = b_.CreatePHI(b_.getInt64Ty(), 2);
    phi->addIncoming(i64(0), start);
    phi->addIncoming(c, in);
    return phi;
  }
  uint64_t elem = e.type.size ? e.type.size : 1;
  if (b->getType()->isPointerTy()) {
    // An array copied into BPF memory: the offset is kept in range, so that the verifier
    // sees a bounded access; an index out of range reads as 0.
    auto* in = b_.CreateICmpULT(idx, i64(base.type.count));
    auto* off = b_.CreateMul(b_.CreateSelect(in, idx, i64(0)), i64(elem));
    llvm::Value* v = read_typed(b_.CreateGEP(b_.getInt8Ty(), b, off), e.type, false);
    if (v->getType()->isIntegerTy()) return b_.CreateSelect(in, v, i64(0));
    auto* zero = alloca_bytes(uint32_t(elem), "outside");  // a string, record or array: all zeros
    zero_bytes(zero, uint32_t(elem));
    return b_.CreateSelect(in, v, zero);
  }
  auto* addr = b_.CreateAdd(b, b_.CreateMul(idx, i64(elem)));
  return read_typed(addr, e.type, base.type.user);
}

}  // namespace scry
