// Functions that produce a value (ntop, ksym, usym, strncmp, has_key, buf) and the output
// statements join, system, cat and signal.
#include <arpa/inet.h>

#include "src/builtins/builtins.h"
#include "src/codegen/codegen_internal.h"

namespace scry {

llvm::GlobalVariable* CodeGen::stacks_map(uint32_t frames) {
  // One map per depth, created on first use, of 4096 stacks: the kernel walks as many frames as
  // the map's value holds, so kstack(3) keeps stacks that differ deeper down as one.
  static const uint32_t kStackTraceMap = 7;
  auto*& map = stacks_[frames];
  if (!map) {
    std::string name = frames == kMaxStackFrames ? "stacks" : "stacks_" + std::to_string(frames);
    manifest_.stack_maps.push_back({name, frames});
    map = define_map(name, kStackTraceMap, 4096, 4, frames * 8);
  }
  return map;
}

// {i64 stack id, u64 pid} for ustack, i64 stack id for kstack. The first time a pid shows up,
// the runtime hears of it (NewPid) and reads its mappings while it is alive.
llvm::Value* CodeGen::gen_stack(const Type& t) {
  auto* i64ty = b_.getInt64Ty();
  auto* map = stacks_map(t.stack_frames);
  if (t.kind == TypeKind::KStack) return call_helper(27 /* get_stackid */, i64ty, {ctx_arg_, map, i64(0)});
  auto* buf = alloca_bytes(16, "ustack");
  b_.CreateStore(call_helper(27, i64ty, {ctx_arg_, map, i64(256 /* BPF_F_USER_STACK */)}), buf);
  auto* pid = b_.CreateLShr(call_helper(kGetCurrentPidTgid, i64ty, {}), 32);
  b_.CreateStore(pid, byte_ptr(buf, 8));
  note_user_pid(pid);
  return buf;
}

void CodeGen::note_user_pid(llvm::Value* pid) {
  static const uint32_t kLruHash = 9;
  if (!user_pids_) user_pids_ = define_map("user_pids", kLruHash, 8192, 4, 1);
  auto* key = alloca_bytes(4, "pidkey");
  b_.CreateStore(b_.CreateTrunc(pid, b_.getInt32Ty()), key);
  auto* seen = call_helper(kMapLookup, b_.getPtrTy(), {user_pids_, key});
  auto* fn = b_.GetInsertBlock()->getParent();
  auto* fresh = llvm::BasicBlock::Create(ctx_, "newpid", fn);
  auto* done = llvm::BasicBlock::Create(ctx_, "newpid.done", fn);
  b_.CreateCondBr(b_.CreateIsNull(seen), fresh, done);
  b_.SetInsertPoint(fresh);
  auto* one = alloca_bytes(1, "one");
  b_.CreateStore(b_.getInt8(1), one);
  // BPF_NOEXIST: of two CPUs that race here, one reports the pid.
  auto* rc = call_helper(kMapUpdate, b_.getInt64Ty(), {user_pids_, key, one, i64(1)});
  auto* report = llvm::BasicBlock::Create(ctx_, "newpid.report", fn);
  b_.CreateCondBr(b_.CreateICmpEQ(rc, i64(0)), report, done);
  b_.SetInsertPoint(report);
  auto* ev = reserve_event(sizeof(EventHeader), EventType::NewPid, 0);
  b_.CreateStore(pid, byte_ptr(ev, 8));
  submit_event(ev);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

llvm::Value* CodeGen::gen_value_call(const Expr& e) {
  const FunctionInfo* f = find_function(e.str);
  auto* i64ty = b_.getInt64Ty();
  switch (f->id) {
    case FunctionId::Ntop: {
      // {u64 family, 16 address bytes}
      const Expr& a = *e.args.back();
      auto* buf = alloca_bytes(24, "inet");
      zero_bytes(buf, 24);
      llvm::Value* addr = gen_expr(a);
      llvm::Value* af;
      if (e.args.size() == 2) af = gen_expr(*e.args[0]);
      else af = i64(a.type.is_int() || (!a.type.is_ptr() && a.type.size == 4) ? 2 /* AF_INET */ : 10 /* AF_INET6 */);
      b_.CreateStore(af, buf);
      if (a.type.is_int()) {
        b_.CreateStore(b_.CreateTrunc(addr, b_.getInt32Ty()), byte_ptr(buf, 8));
      } else if (a.type.is_str()) {
        copy_bytes(byte_ptr(buf, 8), addr, std::min(16u, a.type.size));
      } else {
        // An array member or a pointer: the bytes are in kernel (or user) memory. IPv4 needs 4.
        auto* is4 = b_.CreateICmpEQ(af, i64(2));
        auto* four = llvm::BasicBlock::Create(ctx_, "ntop.v4", fn_);
        auto* six = llvm::BasicBlock::Create(ctx_, "ntop.v6", fn_);
        auto* done = llvm::BasicBlock::Create(ctx_, "ntop.done", fn_);
        b_.CreateCondBr(is4, four, six);
        b_.SetInsertPoint(four);
        probe_read(byte_ptr(buf, 8), 4, addr);
        b_.CreateBr(done);
        b_.SetInsertPoint(six);
        probe_read(byte_ptr(buf, 8), 16, addr);
        b_.CreateBr(done);
        b_.SetInsertPoint(done);
      }
      return buf;
    }
    case FunctionId::Ksym:
      return gen_expr(*e.args[0]);
    case FunctionId::Bswap: {
      uint32_t bits = e.type.size * 8;
      llvm::Value* v = gen_expr(*e.args[0]);
      if (bits == 8) return v;
      auto* narrow = bits == 64 ? v : b_.CreateTrunc(v, b_.getIntNTy(bits));
      llvm::Value* swapped = b_.CreateUnaryIntrinsic(llvm::Intrinsic::bswap, narrow);
      return bits == 64 ? swapped : b_.CreateZExt(swapped, i64ty);
    }
    case FunctionId::Usym: {
      auto* buf = alloca_bytes(16, "usym");
      b_.CreateStore(gen_expr(*e.args[0]), buf);
      auto* pid = b_.CreateLShr(call_helper(kGetCurrentPidTgid, i64ty, {}), 32);
      b_.CreateStore(pid, byte_ptr(buf, 8));
      note_user_pid(pid);
      return buf;
    }
    case FunctionId::KstackOf:
    case FunctionId::UstackOf:
      return gen_stack(e.type);
    case FunctionId::Reg:  // e.ival: the register's offset in struct pt_regs
      return b_.CreateLoad(i64ty, byte_ptr(ctx_arg_, uint64_t(e.ival)));
    case FunctionId::Strncmp: {
      // 0 when the first n bytes (up to a NUL) are equal, like C's strncmp == 0.
      llvm::Value* a = gen_expr(*e.args[0]);
      llvm::Value* c = gen_expr(*e.args[1]);
      uint32_t n = uint32_t(e.args[2]->ival);
      uint32_t na = e.args[0]->type.size, nb = e.args[1]->type.size;
      bool full = n >= na || n >= nb;
      llvm::Value* eq = gen_string_eq(a, full ? na : n, c, full ? nb : n);
      return b_.CreateXor(eq, i64(1));
    }
    case FunctionId::Len: {
      // bpf_for_each_map_elem returns how many elements it visited; the callback visits all.
      if (!len_cb_) {
        len_cb_ = make_callback("scry_len_cb", e.loc.line);
        llvm::IRBuilder<> cb(llvm::BasicBlock::Create(ctx_, "entry", len_cb_));
        cb.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, e.loc.line, 0, len_cb_->getSubprogram()));
        cb.CreateRet(cb.getInt64(0));
        di_->finalizeSubprogram(len_cb_->getSubprogram());
      }
      return call_helper(kForEachMapElem, i64ty, {maps_[e.args[0]->map_id], len_cb_,
                                      llvm::ConstantPointerNull::get(b_.getPtrTy()), i64(0)});
    }
    case FunctionId::Pton: {  // the address's bytes, from the literal
      uint8_t bytes[16] = {};
      const std::string& text = e.args[0]->str;
      bool v6 = e.type.count == 16;
      inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), bytes);
      auto* buf = alloca_bytes(e.type.size, "pton");
      for (uint32_t i = 0; i < e.type.size; i++) b_.CreateStore(b_.getInt8(bytes[i]), byte_ptr(buf, i));
      return buf;
    }
    case FunctionId::CgroupPath: {
      auto* buf = alloca_bytes(16, "cgroup_path");
      b_.CreateStore(gen_expr(*e.args[0]), buf);
      b_.CreateStore(i64(uint64_t(e.slot)), byte_ptr(buf, 8));
      return buf;
    }
    case FunctionId::Strftime: {
      auto* buf = alloca_bytes(16, "strftime");
      b_.CreateStore(i64(uint64_t(e.slot)), buf);
      b_.CreateStore(gen_expr(*e.args[1]), byte_ptr(buf, 8));
      return buf;
    }
    case FunctionId::Macaddr: {
      const Expr& a = *e.args[0];
      auto* buf = alloca_bytes(8, "mac");
      b_.CreateStore(i64(0), buf);
      llvm::Value* v = gen_expr(a);
      if (a.type.is_str())
        copy_bytes(buf, v, std::min(6u, a.type.size));
      else if (a.type.is_int())
        b_.CreateStore(v, buf);
      else
        probe_read(buf, 6, v);
      return buf;
    }
    case FunctionId::Strcontains: {
      llvm::Value* a = gen_expr(*e.args[0]);
      llvm::Value* s = gen_expr(*e.args[1]);
      uint32_t na = e.args[0]->type.size, ns = e.args[1]->type.size;
      auto* i8 = b_.getInt8Ty();
      auto* ivar = alloca_bytes(8, "sc.i", false);
      auto* jvar = alloca_bytes(8, "sc.j", false);
      auto* result = alloca_bytes(8, "sc.found", false);
      b_.CreateStore(i64(0), ivar);
      b_.CreateStore(i64(0), result);
      auto mk = [&](const char* n) { return llvm::BasicBlock::Create(ctx_, n, fn_); };
      auto *outer = mk("sc.outer"), *outer_body = mk("sc.outer.body"), *inner = mk("sc.inner"),
           *inner_body = mk("sc.inner.body"), *inner_cmp = mk("sc.inner.cmp"), *found = mk("sc.found"),
           *next_i = mk("sc.next"), *done = mk("sc.done");
      b_.CreateBr(outer);
      b_.SetInsertPoint(outer);  // for i < na while a[i] != 0
      auto* i = b_.CreateLoad(b_.getInt64Ty(), ivar);
      auto* in_a = b_.CreateICmpULT(i, i64(na));
      b_.CreateCondBr(in_a, outer_body, done);
      b_.SetInsertPoint(outer_body);
      b_.CreateStore(i64(0), jvar);
      b_.CreateBr(inner);
      b_.SetInsertPoint(inner);  // for j < ns: sub[j] == 0 means a match
      auto* j = b_.CreateLoad(b_.getInt64Ty(), jvar);
      auto* in_s = b_.CreateICmpULT(j, i64(ns));
      b_.CreateCondBr(in_s, inner_body, found);
      b_.SetInsertPoint(inner_body);
      auto* cs = b_.CreateLoad(i8, b_.CreateGEP(i8, s, j));
      auto* ij = b_.CreateAdd(i, j);
      b_.CreateCondBr(b_.CreateICmpEQ(cs, b_.getInt8(0)), found, inner_cmp);
      b_.SetInsertPoint(inner_cmp);
      auto* cmp_ok = llvm::BasicBlock::Create(ctx_, "sc.cmp.ok", fn_);
      b_.CreateCondBr(b_.CreateICmpULT(ij, i64(na)), cmp_ok, done);
      b_.SetInsertPoint(cmp_ok);
      auto* ca = b_.CreateLoad(i8, b_.CreateGEP(i8, a, ij));
      auto* same = llvm::BasicBlock::Create(ctx_, "sc.same", fn_);
      b_.CreateCondBr(b_.CreateICmpEQ(ca, cs), same, next_i);
      b_.SetInsertPoint(same);
      b_.CreateStore(b_.CreateAdd(j, i64(1)), jvar);
      b_.CreateBr(inner);
      b_.SetInsertPoint(next_i);  // no match at i; stop at the end of a
      auto* ai = b_.CreateLoad(i8, b_.CreateGEP(i8, a, i));
      b_.CreateStore(b_.CreateAdd(i, i64(1)), ivar);
      b_.CreateCondBr(b_.CreateICmpEQ(ai, b_.getInt8(0)), done, outer);
      b_.SetInsertPoint(found);
      b_.CreateStore(i64(1), result);
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
      return b_.CreateLoad(b_.getInt64Ty(), result);
    }
    case FunctionId::HasKey: {
      const Expr& m = *e.args[0];
      auto* key = gen_map_key(m);
      auto* p = call_helper(kMapLookup, b_.getPtrTy(), {maps_[m.map_id], key});
      return b_.CreateZExt(b_.CreateIsNotNull(p), i64ty);
    }
    case FunctionId::Buf: {
      // {u64 length, bytes}
      uint32_t n = e.type.size - 8;
      auto* buf = alloca_bytes(e.type.size, "buf");
      zero_bytes(buf, e.type.size);
      llvm::Value* src = gen_expr(*e.args[0]);
      llvm::Value* len = e.args.size() == 2 ? gen_expr(*e.args[1]) : i64(n);
      auto* clamped = b_.CreateSelect(b_.CreateICmpULT(len, i64(n)), len, i64(n));
      b_.CreateStore(clamped, buf);
      if (e.args[0]->type.is_str())
        copy_bytes(byte_ptr(buf, 8), src, std::min(n, e.args[0]->type.size));
      else if (src->getType()->isPointerTy() || e.args[0]->type.user || user_space_probe())
        probe_read(byte_ptr(buf, 8), n, src, true);
      else
        read_user_or_kernel(byte_ptr(buf, 8), n, src);
      return buf;
    }
    default:
      return i64(0);
  }
}

void CodeGen::gen_output_call(const Expr& e) {
  const FunctionInfo* f = find_function(e.str);
  switch (f->id) {
    case FunctionId::Signal:
      call_helper(109 /* send_signal */, b_.getInt64Ty(), {b_.CreateTrunc(gen_expr(*e.args[0]), b_.getInt32Ty())});
      return;
    case FunctionId::System:
    case FunctionId::Cat:
      gen_formatted_event(e, f->id == FunctionId::System ? EventType::System : EventType::Cat);
      return;
    case FunctionId::Join: {
      // argv is a user pointer to NULL-terminated char* array (execve's): read each string
      // straight into the ring buffer record.
      llvm::Value* argv = gen_expr(*e.args[0]);
      auto* ev = reserve_event(sizeof(EventHeader) + kJoinArgs * kJoinArgLen, EventType::Join, e.slot);
      auto* slot = alloca_bytes(8, "argp");
      auto* done = llvm::BasicBlock::Create(ctx_, "join.done", fn_);
      for (uint32_t i = 0; i < kJoinArgs; i++)  // ring buffer memory is not zeroed
        b_.CreateStore(b_.getInt8(0), byte_ptr(ev, sizeof(EventHeader) + i * kJoinArgLen));
      for (uint32_t i = 0; i < kJoinArgs; i++) {
        auto* dst = byte_ptr(ev, sizeof(EventHeader) + i * kJoinArgLen);
        b_.CreateStore(i64(0), slot);
        call_helper(kProbeReadUser, b_.getInt64Ty(),
                    {slot, b_.getInt32(8), b_.CreateIntToPtr(b_.CreateAdd(argv, i64(8 * i)), b_.getPtrTy())});
        auto* p = b_.CreateLoad(b_.getInt64Ty(), slot);
        auto* next = llvm::BasicBlock::Create(ctx_, "join.arg", fn_);
        b_.CreateCondBr(b_.CreateICmpEQ(p, i64(0)), done, next);
        b_.SetInsertPoint(next);
        call_helper(kProbeReadUserStr, b_.getInt64Ty(), {dst, b_.getInt32(kJoinArgLen), b_.CreateIntToPtr(p, b_.getPtrTy())});
      }
      b_.CreateBr(done);
      b_.SetInsertPoint(done);
      submit_event(ev);
      return;
    }
    default:
      return;
  }
}

}  // namespace scry
