// print(@m) as a snapshot: a Print record is reserved first (so that it always has room), then
// a bpf_for_each_map_elem callback copies every entry into the ring buffer after it (per-CPU
// values merged), then the Print record says how many entries were sent and lost. What prints is the map as it
// was at the print(), not as it is when user space reads the records: a delete, an update or
// a clear() that comes after the print() in the script comes after it in the output too.
// clear() and zero() are callbacks too, done in the kernel at once: an update that comes
// after them is kept (bpftrace clears from user space, later, and loses such updates).
#include <bpf/libbpf.h>

#include <functional>

#include "src/codegen/codegen_internal.h"

namespace scry {

namespace {
// The callback's context, on the caller's stack: {generation, entries sent, entries lost}.
constexpr uint32_t kCtxGeneration = 0, kCtxSent = 8, kCtxLost = 16, kCtxSize = 24;
}  // namespace

void CodeGen::merge_percpu(llvm::Value* dst, llvm::Value* src, const MapSpec& spec) {
  auto* i64ty = b_.getInt64Ty();
  const Type& t = spec.value;
  if (t.kind == TypeKind::Min || t.kind == TypeKind::Max) {
    // {value, seen}: the smallest (largest) value among the CPUs that saw one.
    auto* sv = b_.CreateLoad(i64ty, src);
    auto* sseen = b_.CreateLoad(i64ty, byte_ptr(src, 8));
    auto* dv = b_.CreateLoad(i64ty, dst);
    auto* dseen = b_.CreateLoad(i64ty, byte_ptr(dst, 8));
    bool min = t.kind == TypeKind::Min;
    auto* better = t.is_signed ? (min ? b_.CreateICmpSLT(sv, dv) : b_.CreateICmpSGT(sv, dv))
                               : (min ? b_.CreateICmpULT(sv, dv) : b_.CreateICmpUGT(sv, dv));
    auto* take = b_.CreateAnd(b_.CreateICmpNE(sseen, i64(0)), b_.CreateOr(b_.CreateICmpEQ(dseen, i64(0)), better));
    b_.CreateStore(b_.CreateSelect(take, sv, dv), dst);
    b_.CreateStore(b_.CreateSelect(take, i64(1), dseen), byte_ptr(dst, 8));
    return;
  }
  // Counts, sums, {count, total}, a bucket's count: word by word.
  for (uint32_t off = 0; off + 8 <= spec.bpf_value_size(); off += 8) {
    auto* d = byte_ptr(dst, off);
    b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64ty, d), b_.CreateLoad(i64ty, byte_ptr(src, off))), d);
  }
}

void CodeGen::for_each_cpu_value(uint32_t map_id, llvm::Value* key, llvm::Value* dst,
                                 const std::function<void(llvm::Value*, llvm::Value*)>& body) {
  int ncpus = libbpf_num_possible_cpus();
  // The callback's context: {key, dst}, pointers on this function's stack.
  auto* ctx = alloca_bytes(16, "cpu.ctx", false);
  b_.CreateStore(key, ctx);
  b_.CreateStore(dst ? dst : llvm::ConstantPointerNull::get(b_.getPtrTy()), byte_ptr(ctx, 8));
  auto* cb = loop_callback("scry_cpus", [&](llvm::Function* cb) {
    llvm::Value* k = b_.CreateLoad(b_.getPtrTy(), cb->getArg(1));
    llvm::Value* d = b_.CreateLoad(b_.getPtrTy(), byte_ptr(cb->getArg(1), 8));
    auto* v = call_helper(kMapLookupPercpuElem, b_.getPtrTy(),
                          {maps_[map_id], k, b_.CreateTrunc(cb->getArg(0), b_.getInt32Ty())});
    auto* each = llvm::BasicBlock::Create(ctx_, "cpu.each", cb);
    auto* stop = llvm::BasicBlock::Create(ctx_, "cpu.none", cb);
    b_.CreateCondBr(b_.CreateIsNull(v), stop, each);
    b_.SetInsertPoint(stop);
    b_.CreateRet(i64(1));  // no such CPU: stop
    b_.SetInsertPoint(each);
    body(v, d);
    b_.CreateRet(i64(0));
  });
  call_helper(kLoop, b_.getInt64Ty(), {i64(uint64_t(ncpus > 0 ? ncpus : 1)), cb, ctx, i64(0)});
}

llvm::Function* CodeGen::snapshot_callback(uint32_t map_id) {
  auto found = snapshot_cbs_.find(map_id);
  if (found != snapshot_cbs_.end()) return found->second;
  const MapSpec& spec = manifest_.maps[map_id];
  auto* cb = make_callback("scry_print_map" + std::to_string(map_id), 0);
  snapshot_cbs_[map_id] = cb;
  FunctionState saved = enter_callback(cb);
  b_.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, 0, 0, sp_));
  auto* i64ty = b_.getInt64Ty();
  llvm::Value* key = cb->getArg(1);
  llvm::Value* value = cb->getArg(2);
  llvm::Value* ctx = cb->getArg(3);
  // A bucketed map sends an entry per bucket (the runtime puts each key's buckets together).
  uint32_t ks = spec.bpf_key_size(), vs = spec.bpf_value_size();
  PrintEntryLayout at = print_entry_layout(ks, vs);
  ringbuf_output_ = true;
  auto* rec = call_helper(kRingbufReserve, b_.getPtrTy(), {ringbuf_, i64(at.size), i64(0)});
  auto* ok = llvm::BasicBlock::Create(ctx_, "entry.ok", cb);
  auto* full = llvm::BasicBlock::Create(ctx_, "entry.lost", cb);
  b_.CreateCondBr(b_.CreateIsNull(rec), full, ok);
  b_.SetInsertPoint(full);  // counted: the Print record says how many entries are missing
  auto* lost = byte_ptr(ctx, kCtxLost);
  b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64ty, lost), i64(1)), lost);
  b_.CreateRet(i64(0));

  b_.SetInsertPoint(ok);
  b_.CreateStore(i64(uint64_t(EventType::PrintEntry)), rec);
  b_.CreateStore(i64(map_id), byte_ptr(rec, 8));
  b_.CreateStore(b_.CreateLoad(i64ty, byte_ptr(ctx, kCtxGeneration)), byte_ptr(rec, 16));
  copy_bytes(byte_ptr(rec, at.key), key, ks);
  llvm::Value* dst = byte_ptr(rec, at.value);
  if (!spec.percpu) {
    copy_bytes(dst, value, vs);
  } else {
    // The callback sees this CPU's value only: every CPU's is looked up and merged.
    zero_bytes(dst, vs);
    for_each_cpu_value(map_id, key, dst, [&](llvm::Value* v, llvm::Value* d) { merge_percpu(d, v, spec); });
  }
  call_helper(kRingbufSubmit, b_.getVoidTy(), {rec, i64(0)});
  auto* sent = byte_ptr(ctx, kCtxSent);
  b_.CreateStore(b_.CreateAdd(b_.CreateLoad(i64ty, sent), i64(1)), sent);
  b_.CreateRet(i64(0));  // 0: on to the next entry
  leave_callback(saved);
  return cb;
}

llvm::Function* CodeGen::clear_callback(uint32_t map_id, bool zero) {
  auto& cache = zero ? zero_cbs_ : clear_cbs_;
  auto found = cache.find(map_id);
  if (found != cache.end()) return found->second;
  const MapSpec& spec = manifest_.maps[map_id];
  auto* cb = make_callback(std::string(zero ? "scry_zero_map" : "scry_clear_map") + std::to_string(map_id), 0);
  cache[map_id] = cb;
  FunctionState saved = enter_callback(cb);
  b_.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, 0, 0, sp_));
  llvm::Value* key = cb->getArg(1);
  uint32_t vs = spec.bpf_value_size();
  if (!zero) {
    call_helper(kMapDelete, b_.getInt64Ty(), {maps_[map_id], key});  // the element just visited
  } else if (!spec.percpu) {
    zero_bytes(cb->getArg(2), vs);
  } else {
    for_each_cpu_value(map_id, key, nullptr, [&](llvm::Value* v, llvm::Value*) { zero_bytes(v, vs); });
  }
  b_.CreateRet(i64(0));
  leave_callback(saved);
  return cb;
}

void CodeGen::gen_clear_map(const Expr& call, bool zero) {
  uint32_t map_id = uint32_t(call.args[0]->map_id);
  llvm::Function* cb = clear_callback(map_id, zero);
  set_loc(call.loc);
  call_helper(kForEachMapElem, b_.getInt64Ty(), {maps_[map_id], cb, llvm::ConstantPointerNull::get(b_.getPtrTy()), i64(0)});
}

void CodeGen::gen_print_map(const Expr& call) {
  uint32_t map_id = uint32_t(call.args[0]->map_id);
  uint64_t top = call.args.size() > 1 ? uint64_t(call.args[1]->ival) : 0;
  uint64_t div = call.args.size() > 2 ? uint64_t(call.args[2]->ival) : 0;
  llvm::Function* cb = snapshot_callback(map_id);
  set_loc(call.loc);
  auto* i64ty = b_.getInt64Ty();
  // This print's generation, counted up atomically (prints run on every CPU).
  auto* gen = b_.CreateAtomicRMW(llvm::AtomicRMWInst::Add, global_slot(kGlobalGeneration), i64(1), llvm::Align(8),
                                 llvm::AtomicOrdering::Monotonic);

  auto* ctx = alloca_bytes(kCtxSize, "snapshot", false);
  b_.CreateStore(gen, byte_ptr(ctx, kCtxGeneration));
  b_.CreateStore(i64(0), byte_ptr(ctx, kCtxSent));
  b_.CreateStore(i64(0), byte_ptr(ctx, kCtxLost));
  // Reserved before the entries: it comes first in the ring buffer, and a full ring buffer
  // drops entries (counted in it), never the record that says so. If even it has no room,
  // the print is lost as a whole and counted with the lost events.
  auto* ev = reserve_event(sizeof(PrintRecord), EventType::Print, map_id);
  call_helper(kForEachMapElem, i64ty, {maps_[map_id], cb, ctx, i64(0)});
  b_.CreateStore(i64(top), byte_ptr(ev, offsetof(PrintRecord, top)));
  b_.CreateStore(i64(div), byte_ptr(ev, offsetof(PrintRecord, div)));
  b_.CreateStore(gen, byte_ptr(ev, offsetof(PrintRecord, generation)));
  b_.CreateStore(b_.CreateLoad(i64ty, byte_ptr(ctx, kCtxSent)), byte_ptr(ev, offsetof(PrintRecord, sent)));
  b_.CreateStore(b_.CreateLoad(i64ty, byte_ptr(ctx, kCtxLost)), byte_ptr(ev, offsetof(PrintRecord, lost)));
  submit_event(ev);
}

}  // namespace scry
