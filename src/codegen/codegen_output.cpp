// Ring buffer records (every one starts with an EventHeader {type, id}), and calls made as
// statements: their lowering is in the builtin registry (src/builtins).
#include "src/codegen/codegen_internal.h"

namespace scry {

llvm::Value* CodeGen::reserve_event(uint32_t size, EventType type, uint64_t id) {
  if (type != EventType::Exit) ringbuf_output_ = true;
  auto* ev = call_helper(kRingbufReserve, b_.getPtrTy(), {ringbuf_, i64(size), i64(0)});
  auto* ok = llvm::BasicBlock::Create(ctx_, "event.ok", fn_);
  auto* lost = llvm::BasicBlock::Create(ctx_, "event.lost", fn_);
  b_.CreateCondBr(b_.CreateIsNull(ev), lost, ok);
  b_.SetInsertPoint(lost);
  count_drop(kDropRingbuf);  // the ring buffer is full: counted and reported, never silent
  event_done_.push_back(b_.GetInsertBlock());
  b_.SetInsertPoint(ok);
  b_.CreateStore(i64(uint64_t(type)), ev);
  b_.CreateStore(i64(id), byte_ptr(ev, 8));
  return ev;
}

void CodeGen::check_helper(llvm::Value* rc, const char* helper, uint32_t level, bool pointer) {
  if (manifest_.helper_check < level) return;
  uint32_t site = uint32_t(manifest_.helper_sites.size());
  manifest_.helper_sites.push_back({helper, loc_.line, loc_.col, loc_.end_col, "", ""});  // file, source: the driver
  auto* failed = llvm::BasicBlock::Create(ctx_, "helper.failed", fn_);
  auto* done = llvm::BasicBlock::Create(ctx_, "helper.ok", fn_);
  b_.CreateCondBr(pointer ? b_.CreateIsNull(rc) : b_.CreateICmpSLT(rc, i64(0)), failed, done);
  b_.SetInsertPoint(failed);
  auto* ev = reserve_event(sizeof(EventHeader) + 8, EventType::HelperError, site);
  b_.CreateStore(pointer ? i64(0) : rc, byte_ptr(ev, sizeof(EventHeader)));
  submit_event(ev);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

void CodeGen::submit_event(llvm::Value* ev) {
  call_helper(kRingbufSubmit, b_.getVoidTy(), {ev, i64(0)});
  auto* done = llvm::BasicBlock::Create(ctx_, "event.done", fn_);
  b_.CreateBr(done);
  llvm::BasicBlock* lost = event_done_.back();
  event_done_.pop_back();
  llvm::IRBuilder<> lb(lost);
  lb.CreateBr(done);
  b_.SetInsertPoint(done);
}

void CodeGen::gen_formatted_event(const Expr& call, EventType type) {
  if (call.slot < 0) return;
  const PrintfSpec& spec = manifest_.printfs[call.slot];
  // Evaluate the arguments before reserving: they may branch and read maps.
  size_t first = spec.print_value ? 0 : 1;  // skip the format
  std::vector<llvm::Value*> vals;
  for (size_t i = first; i < call.args.size(); i++) vals.push_back(gen_expr(*call.args[i]));
  uint32_t size = sizeof(EventHeader);
  for (auto& t : spec.args) size += (t.size + 7) / 8 * 8;
  auto* ev = reserve_event(size, type, call.slot);
  for (size_t i = 0; i < vals.size(); i++)
    store_as(byte_ptr(ev, spec.offsets[i]), vals[i], call.args[i + first]->type, spec.args[i]);
  submit_event(ev);
}

void CodeGen::gen_call_stmt(const Expr& call) { gen_call(call); }

}  // namespace scry
