// Expressions: literals, variables, builtins, operators, tracepoint fields, str().
#include "src/builtins/builtin.h"
#include "src/codegen/codegen_internal.h"
#include "src/probes/provider.h"

namespace scry {

llvm::Value* lower_int_binop(llvm::IRBuilder<>& b, const std::string& op, llvm::Value* l,
                             llvm::Value* r, bool s) {
  auto ext = [&](llvm::Value* v) { return b.CreateZExt(v, b.getInt64Ty()); };
  if (op == "+") return b.CreateAdd(l, r);
  if (op == "-") return b.CreateSub(l, r);
  if (op == "*") return b.CreateMul(l, r);
  if (op == "/" || op == "%") {
    // Division by zero gives 0 rather than trapping (BPF defines x/0 as 0, x%0 as x).
    auto* zero = b.CreateICmpEQ(r, b.getInt64(0));
    auto* safe = b.CreateSelect(zero, b.getInt64(1), r);
    // Unsigned, as bpftrace 0.17 computes them (-7 / 2 is 9223372036854775804).
    llvm::Value* v = op == "/" ? b.CreateUDiv(l, safe) : b.CreateURem(l, safe);
    return b.CreateSelect(zero, b.getInt64(0), v);
  }
  if (op == "&") return b.CreateAnd(l, r);
  if (op == "|") return b.CreateOr(l, r);
  if (op == "^") return b.CreateXor(l, r);
  if (op == "<<") return b.CreateShl(l, r);
  if (op == ">>") return b.CreateLShr(l, r);  // logical, like bpftrace 0.17
  if (op == "==") return ext(b.CreateICmpEQ(l, r));
  if (op == "!=") return ext(b.CreateICmpNE(l, r));
  if (op == "<") return ext(s ? b.CreateICmpSLT(l, r) : b.CreateICmpULT(l, r));
  if (op == ">") return ext(s ? b.CreateICmpSGT(l, r) : b.CreateICmpUGT(l, r));
  if (op == "<=") return ext(s ? b.CreateICmpSLE(l, r) : b.CreateICmpULE(l, r));
  if (op == ">=") return ext(s ? b.CreateICmpSGE(l, r) : b.CreateICmpUGE(l, r));
  return b.getInt64(0);
}

llvm::Value* CodeGen::to_bool(llvm::Value* v) { return b_.CreateICmpNE(v, b_.getInt64(0)); }

void CodeGen::store_as(llvm::Value* dst, llvm::Value* v, const Type& from, const Type& to) {
  if (to.kind == TypeKind::Tuple && from.kind == TypeKind::Tuple && !(from == to)) {
    // Same shape, other layout (a longer string somewhere): element by element.
    zero_bytes(dst, to.size);
    for (size_t i = 0; i < to.elems.size() && i < from.elems.size(); i++) {
      llvm::Value* src = byte_ptr(v, from.offsets[i]);
      llvm::Value* ev = from.elems[i].is_buffer() ? src : load_element(src, from.elems[i]);
      store_element(byte_ptr(dst, to.offsets[i]), ev, from.elems[i], to.elems[i]);
    }
    return;
  }
  if ((from.kind == TypeKind::Record || from.kind == TypeKind::Array) && v->getType()->isIntegerTy()) {
    // A whole struct or array still in kernel (or user) memory: copied here.
    zero_bytes(dst, to.size);
    probe_read(dst, std::min(from.size, to.size), v, from.user);
    return;
  }
  if (to.is_buffer()) {
    zero_bytes(dst, to.size);
    copy_bytes(dst, v, std::min(from.size, to.size));
    return;
  }
  // Integers and probe ids: v is already an i64; a narrower integer is cut to its size.
  b_.CreateStore(fit_int(v, to), dst);
}

// A tuple's element: integers take their own size there, as in a C struct.
void CodeGen::store_element(llvm::Value* dst, llvm::Value* v, const Type& from, const Type& to) {
  if (to.is_int() && to.size < 8) {
    b_.CreateStore(b_.CreateTrunc(v, b_.getIntNTy(to.size * 8)), dst);
    return;
  }
  store_as(dst, v, from, to);
}

llvm::Value* CodeGen::load_element(llvm::Value* src, const Type& t) {
  if (!t.is_int() || t.size >= 8) return b_.CreateLoad(b_.getInt64Ty(), src);
  llvm::Value* narrow = b_.CreateLoad(b_.getIntNTy(t.size * 8), src);
  return t.is_signed ? b_.CreateSExt(narrow, b_.getInt64Ty()) : b_.CreateZExt(narrow, b_.getInt64Ty());
}

llvm::Value* CodeGen::gen_string_literal(const std::string& s, uint32_t size) {
  auto* buf = alloca_bytes(size, "str");
  // A long literal is copied from read-only data: as immediates, LLVM merges runs of equal
  // bytes into a memset that the BPF back end cannot emit past 128 bytes.
  if (size > kInlineCopyMax) {
    copy_bytes(buf, rodata_string(s, size), size);
    return buf;
  }
  // Short ones are stored 8 bytes at a time as immediates.
  std::string bytes = s;
  bytes.resize((size + 7) / 8 * 8, '\0');
  for (uint32_t off = 0; off < size; off += 8) {
    uint32_t n = std::min<uint32_t>(8, size - off);
    if (n == 8) {
      uint64_t v = 0;
      for (int i = 7; i >= 0; i--) v = (v << 8) | uint8_t(bytes[off + i]);
      b_.CreateStore(b_.getInt64(v), byte_ptr(buf, off));
    } else {
      for (uint32_t i = 0; i < n; i++) b_.CreateStore(b_.getInt8(uint8_t(bytes[off + i])), byte_ptr(buf, off + i));
    }
  }
  return buf;
}

llvm::GlobalVariable* CodeGen::rodata_string(const std::string& s, uint32_t size) {
  auto& slot = rodata_strings_[{s, size}];
  if (slot) return slot;
  std::string bytes = s;
  bytes.resize(size, '\0');
  auto* init = llvm::ConstantDataArray::getString(ctx_, bytes, false);
  std::string name = "str" + std::to_string(rodata_strings_.size() - 1);
  slot = new llvm::GlobalVariable(*mod_, init->getType(), true, llvm::GlobalValue::InternalLinkage, init, name);
  slot->setSection(".rodata");
  slot->setAlignment(llvm::Align(8));
  // libbpf makes .rodata a frozen array map; its BTF comes from this debug info.
  auto* ch = di_->createBasicType("char", 8, llvm::dwarf::DW_ATE_signed_char);
  auto* arr = di_->createArrayType(8 * uint64_t(size), 8, ch,
                                   di_->getOrCreateArray({di_->getOrCreateSubrange(0, int64_t(size))}));
  slot->addDebugInfo(di_->createGlobalVariableExpression(cu_, name, name, file_, 0, arr, true));
  return slot;
}

llvm::Value* CodeGen::gen_string_eq(llvm::Value* a, uint32_t na, llvm::Value* bb, uint32_t nb) {
  // Byte by byte up to the first NUL; both buffers hold a NUL within their size.
  uint32_t n = std::min(na, nb);
  auto* result = alloca_bytes(8, "streq");
  b_.CreateStore(b_.getInt64(0), result);
  auto* done = llvm::BasicBlock::Create(ctx_, "streq.done", fn_);
  auto* equal = llvm::BasicBlock::Create(ctx_, "streq.equal", fn_);
  for (uint32_t i = 0; i < n; i++) {
    auto* ca = b_.CreateLoad(b_.getInt8Ty(), byte_ptr(a, i));
    auto* cb = b_.CreateLoad(b_.getInt8Ty(), byte_ptr(bb, i));
    auto* next = llvm::BasicBlock::Create(ctx_, "streq.next", fn_);
    auto* same = llvm::BasicBlock::Create(ctx_, "streq.same", fn_);
    b_.CreateCondBr(b_.CreateICmpEQ(ca, cb), same, done);
    b_.SetInsertPoint(same);
    b_.CreateCondBr(b_.CreateICmpEQ(ca, b_.getInt8(0)), equal, next);
    b_.SetInsertPoint(next);
  }
  b_.CreateBr(na == nb ? equal : done);
  b_.SetInsertPoint(equal);
  b_.CreateStore(b_.getInt64(1), result);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  return b_.CreateLoad(b_.getInt64Ty(), result);
}

llvm::Value* CodeGen::gen_expr(const Expr& e) {
  set_loc(e.loc);
  switch (e.kind) {
    case ExprKind::Int: return i64(uint64_t(e.ival));
    // Only in a program compiled to run with its parameters given then (Manifest::runtime_params).
    case ExprKind::Positional:
      return b_.CreateLoad(b_.getInt64Ty(), global_slot(GlobalSlot(kGlobalParams + uint32_t(e.ival) - 1)));
    case ExprKind::ParamCount: return b_.CreateLoad(b_.getInt64Ty(), global_slot(kGlobalParamCount));
    case ExprKind::Str: return gen_string_literal(e.str, e.type.size);
    case ExprKind::Var: {
      auto it = vars_.find(var_key(e));
      if (it == vars_.end()) return e.type.is_buffer() ? gen_string_literal("", e.type.size) : i64(0);
      if (!e.type.is_buffer()) return b_.CreateLoad(b_.getInt64Ty(), it->second);
      return it->second;
    }
    case ExprKind::Map: return gen_map_read(e);
    case ExprKind::Builtin: return gen_builtin(e);
    case ExprKind::Field: return gen_field(e);
    case ExprKind::Call: return gen_call(e);
    case ExprKind::Cast: return gen_cast(e);
    case ExprKind::Deref:
    case ExprKind::Index: return gen_deref_index(e);
    case ExprKind::Tuple: {
      auto* buf = alloca_bytes(e.type.size, "tuple");
      zero_bytes(buf, e.type.size);
      for (size_t i = 0; i < e.args.size(); i++)
        store_element(byte_ptr(buf, e.type.offsets[i]), gen_expr(*e.args[i]), e.args[i]->type, e.type.elems[i]);
      return buf;
    }
    case ExprKind::Binop: return gen_binop(e);
    case ExprKind::IncDec: return gen_incdec(e);
    case ExprKind::Unop: {
      llvm::Value* v = gen_expr(*e.args[0]);
      if (e.op == "!") return b_.CreateZExt(b_.CreateICmpEQ(v, i64(0)), b_.getInt64Ty());
      if (e.op == "~") return b_.CreateNot(v);
      return b_.CreateNeg(v);
    }
    case ExprKind::Ternary: {
      auto* cond = to_bool(gen_expr(*e.args[0]));
      auto* then_bb = llvm::BasicBlock::Create(ctx_, "tern.then", fn_);
      auto* else_bb = llvm::BasicBlock::Create(ctx_, "tern.else", fn_);
      auto* done = llvm::BasicBlock::Create(ctx_, "tern.done", fn_);
      // Strings go through a buffer of the result's size; integers through a phi.
      llvm::Value* buf = e.type.is_buffer() ? alloca_bytes(e.type.size, "tern") : nullptr;
      b_.CreateCondBr(cond, then_bb, else_bb);
      b_.SetInsertPoint(then_bb);
      llvm::Value* a = gen_expr(*e.args[1]);
      if (buf) store_as(buf, a, e.args[1]->type, e.type);
      auto* a_end = b_.GetInsertBlock();
      b_.CreateBr(done);
      b_.SetInsertPoint(else_bb);
      llvm::Value* c = gen_expr(*e.args[2]);
      if (buf) store_as(buf, c, e.args[2]->type, e.type);
      auto* c_end = b_.GetInsertBlock();
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
      if (buf) return buf;
      auto* phi = b_.CreatePHI(b_.getInt64Ty(), 2);
      phi->addIncoming(a, a_end);
      phi->addIncoming(c, c_end);
      return phi;
    }
    default: return i64(0);
  }
}

llvm::Value* CodeGen::value_bytes(const Expr& e, llvm::Value* v) {
  if (v->getType()->isPointerTy()) return v;  // held by the program already
  auto* buf = alloca_bytes(e.type.size, "bytes");
  probe_read(buf, e.type.size, v, e.type.user);
  return buf;
}

llvm::Value* CodeGen::gen_bytes_eq(llvm::Value* a, llvm::Value* c, uint32_t n) {
  llvm::Value* differ = b_.getInt1(false);
  for (uint32_t off = 0; off < n;) {
    uint32_t w = n - off >= 8 ? 8 : n - off >= 4 ? 4 : n - off >= 2 ? 2 : 1;
    auto* ty = b_.getIntNTy(w * 8);
    differ = b_.CreateOr(differ, b_.CreateICmpNE(b_.CreateLoad(ty, byte_ptr(a, off)), b_.CreateLoad(ty, byte_ptr(c, off))));
    off += w;
  }
  return b_.CreateZExt(b_.CreateNot(differ), b_.getInt64Ty());
}

llvm::Value* CodeGen::gen_binop(const Expr& e) {
  const Expr& l = *e.args[0];
  const Expr& r = *e.args[1];
  if (l.type.is_str()) {
    llvm::Value* a = gen_expr(l);
    llvm::Value* c = gen_expr(r);
    llvm::Value* eq = gen_string_eq(a, l.type.size, c, r.type.size);
    return e.op == "==" ? eq : b_.CreateXor(eq, i64(1));
  }
  if (l.type.kind == TypeKind::Array) {
    uint32_t n = l.type.size;
    llvm::Value* eq = gen_bytes_eq(value_bytes(l, gen_expr(l)), value_bytes(r, gen_expr(r)), n);
    return e.op == "==" ? eq : b_.CreateXor(eq, i64(1));
  }
  if (e.op == "&&" || e.op == "||") {
    // Short-circuit: the right side runs only when it decides the result.
    auto* lhs = to_bool(gen_expr(l));
    auto* start = b_.GetInsertBlock();
    auto* rhs_bb = llvm::BasicBlock::Create(ctx_, "logic.rhs", fn_);
    auto* done = llvm::BasicBlock::Create(ctx_, "logic.done", fn_);
    if (e.op == "&&") b_.CreateCondBr(lhs, rhs_bb, done);
    else b_.CreateCondBr(lhs, done, rhs_bb);
    b_.SetInsertPoint(rhs_bb);
    auto* rhs = to_bool(gen_expr(r));
    auto* rhs_end = b_.GetInsertBlock();
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    auto* phi = b_.CreatePHI(b_.getInt1Ty(), 2);
    phi->addIncoming(b_.getInt1(e.op == "||"), start);
    phi->addIncoming(rhs, rhs_end);
    return b_.CreateZExt(phi, b_.getInt64Ty());
  }
  llvm::Value* a = gen_expr(l);
  llvm::Value* c = gen_expr(r);
  if ((l.type.is_ptr() || r.type.is_ptr()) && e.ival > 1 && (e.op == "+" || e.op == "-")) {
    if (e.type.is_ptr()) {  // p +- n: n elements
      if (l.type.is_ptr()) c = b_.CreateMul(c, i64(uint64_t(e.ival)));
      else a = b_.CreateMul(a, i64(uint64_t(e.ival)));
    } else {  // p - q: elements between them
      return b_.CreateUDiv(b_.CreateSub(a, c), i64(uint64_t(e.ival)));
    }
  }
  return lower_int_binop(b_, e.op, a, c, l.type.is_signed && r.type.is_signed);
}

llvm::Value* CodeGen::gen_builtin(const Expr& e) {
  const Builtin* b = find_identifier(e.str);
  return b && b->lower ? b->lower(*this, e, nullptr) : i64(0);
}

llvm::Value* CodeGen::gen_call(const Expr& e) {
  set_loc(e.loc);
  const Builtin* b = find_call(e.str);
  return b && b->lower ? b->lower(*this, e, nullptr) : i64(0);
}

llvm::Value* CodeGen::gen_field(const Expr& e) {
  const Expr& base = *e.args[0];
  if (base.kind == ExprKind::Builtin && base.str == "args") return gen_args_field(e);
  llvm::Value* b = gen_expr(base);
  if (base.type.kind == TypeKind::Tuple) {
    llvm::Value* p = byte_ptr(b, e.field_offset);
    return e.type.is_buffer() ? p : load_element(p, e.type);
  }
  // A pointer's value or a record's address, plus the member's offset; or the member's place
  // in a record copied into BPF memory.
  llvm::Value* addr = b->getType()->isPointerTy() ? byte_ptr(b, e.field_offset) : b_.CreateAdd(b, i64(e.field_offset));
  set_loc(e.loc);  // the read is the member access's (-kk names it)
  return read_typed(addr, e.type, base.type.user, e.field_shift, e.field_bits);
}

llvm::Value* CodeGen::btf_arg(int slot, const Type& t) {
  // tp_btf and fentry/fexit contexts are arrays of u64 arguments.
  return fit_int(b_.CreateLoad(b_.getInt64Ty(), byte_ptr(ctx_arg_, 8 * uint64_t(slot))), t);
}

llvm::Value* CodeGen::gen_args_field(const Expr& e) {
  const Provider& p = provider_for(inst_->spec.kind);
  return p.args_lower ? p.args_lower(*this, e) : i64(0);
}

}  // namespace scry
