// Stack values (their stack maps) and the user processes they and usym() name.
#include "src/codegen/codegen_internal.h"

namespace scry {

llvm::GlobalVariable* CodeGen::stacks_map(uint32_t frames) {
  // One map per depth, created on first use, of 4096 stacks: the kernel walks as many frames as
  // the map's value holds, so kstack(3) keeps stacks that differ deeper down as one.
  auto*& map = stacks_[frames];
  if (!map) {
    std::string name = frames == kMaxStackFrames ? "stacks" : "stacks_" + std::to_string(frames);
    manifest_.stack_maps.push_back({name, frames});
    map = define_map(name, kStackTrace, 4096, 4, frames * 8);
  }
  return map;
}

// {i64 stack id, u64 pid} for ustack, i64 stack id for kstack. The first time a pid shows up,
// the runtime hears of it (NewPid) and reads its mappings while it is alive.
llvm::Value* CodeGen::gen_stack(const Type& t) {
  auto* i64ty = b_.getInt64Ty();
  auto* map = stacks_map(t.stack_frames);
  if (t.kind == TypeKind::KStack) return call_helper(kGetStackid, i64ty, {ctx_arg_, map, i64(0)});
  auto* buf = alloca_bytes(16, "ustack");
  b_.CreateStore(call_helper(kGetStackid, i64ty, {ctx_arg_, map, i64(abi::kUserStack)}), buf);
  auto* pid = b_.CreateLShr(call_helper(kGetCurrentPidTgid, i64ty, {}), 32);
  b_.CreateStore(pid, byte_ptr(buf, 8));
  note_user_pid(pid);
  return buf;
}

void CodeGen::note_user_pid(llvm::Value* pid) {
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
  auto* rc = call_helper(kMapUpdate, b_.getInt64Ty(), {user_pids_, key, one, i64(abi::kNoExist)});
  auto* report = llvm::BasicBlock::Create(ctx_, "newpid.report", fn);
  b_.CreateCondBr(b_.CreateICmpEQ(rc, i64(0)), report, done);
  b_.SetInsertPoint(report);
  auto* ev = reserve_event(sizeof(EventHeader), EventType::NewPid, 0);
  b_.CreateStore(pid, byte_ptr(ev, 8));
  submit_event(ev);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

}  // namespace scry
