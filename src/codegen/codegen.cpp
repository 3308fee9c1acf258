// Probes, statements and control flow.
#include <llvm/IR/IntrinsicsBPF.h>
#include <llvm/IR/Verifier.h>

#include "src/builtins/builtin.h"
#include "src/probes/provider.h"
#include "src/codegen/codegen_internal.h"

namespace scry {

CodeGen::CodeGen(const Program& prog, Manifest& m, Diagnostics& d)
    : prog_(prog), manifest_(m), diags_(d), b_(ctx_) {
  mod_ = std::make_unique<llvm::Module>("scry", ctx_);
  mod_->setTargetTriple("bpfel");
  mod_->setDataLayout("e-m:e-p:64:64-i64:64-i128:128-n32:64-S128");
  mod_->addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
  mod_->addModuleFlag(llvm::Module::Warning, "Dwarf Version", 5);
  di_ = std::make_unique<llvm::DIBuilder>(*mod_);
  // The script's text is embedded, so the BTF line info (and verifier logs) quote it.
  file_ = di_->createFile(diags_.filename(), ".", std::nullopt, llvm::StringRef(diags_.source()));
  cu_ = di_->createCompileUnit(llvm::dwarf::DW_LANG_C, file_, "scry", true, "", 0);
}

void CodeGen::set_loc(const Loc& l) {
  loc_ = l;
  if (sp_) b_.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, l.line, l.col, sp_));
}

llvm::Value* CodeGen::call_helper(int id, llvm::Type* ret, std::vector<llvm::Value*> args) {
  std::vector<llvm::Type*> types;
  for (auto* a : args) types.push_back(a->getType());
  auto* fty = llvm::FunctionType::get(ret, types, false);
  auto* callee = llvm::ConstantExpr::getIntToPtr(b_.getInt64(id), b_.getPtrTy());
  auto* call = b_.CreateCall(fty, callee, args);
  // What does not change while a program runs (its task, CPU, cgroup) is read once: LLVM may
  // merge repeated calls, so `pid` used 200 times in one expression is one call, not 200
  // results kept alive across calls (which would not fit the 512-byte stack).
  switch (id) {
    case kGetCurrentPidTgid: case kGetCurrentUidGid: case kGetSmpProcessorId: case kGetNumaNodeId:
    case kGetCurrentCgroupId:
      call->setDoesNotAccessMemory();
      call->setDoesNotThrow();
      break;
    default: break;
  }
  return call;
}

llvm::Value* CodeGen::opaque(llvm::Value* v) {
  // llvm.bpf.passthrough is an identity the optimiser cannot see through; the BPF back end
  // removes it after optimisation. Each call gets its own sequence number.
  static uint32_t seq = 0;
  return b_.CreateIntrinsic(llvm::Intrinsic::bpf_passthrough, {v->getType(), v->getType()},
                            {b_.getInt32(seq++), v});
}

llvm::Value* CodeGen::bounded(llvm::Value* v, uint32_t max) {
  v = opaque(v);
  return b_.CreateSelect(b_.CreateICmpUGT(v, i64(max)), i64(max), v);
}

void CodeGen::begin_function(llvm::Function* fn) {
  // "entry" holds the stack allocations (and, if needed, the scratch map lookup) and
  // branches to "body", where the code starts.
  fn_ = fn;
  auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
  auto* body = llvm::BasicBlock::Create(ctx_, "body", fn);
  llvm::IRBuilder<>(entry).CreateBr(body);
  b_.SetInsertPoint(body);
  scratch_base_ = nullptr;
  scratch_pool_.clear();
  scratch_used_.clear();
}

llvm::Value* CodeGen::scratch_bytes(uint32_t size, bool pooled) {
  // A pooled buffer (a statement's temporary) is addressed where it is used: an address
  // computed once at the function's entry stays live through the whole function, and with
  // only four registers kept across helper calls, each such address costs 8 bytes of stack.
  // (Its pool keeps the offset.) A variable's buffer, which any later block may use, is
  // addressed at the entry.
  auto& list = scratch_pool_[size];
  size_t& used = scratch_used_[size];
  auto here = [&](llvm::Value* off) { return b_.CreateGEP(b_.getInt8Ty(), scratch_base_, off); };
  if (pooled && used < list.size()) return here(list[used++]);
  llvm::BasicBlock* entry = &fn_->getEntryBlock();
  if (!scratch_base_) {
    if (!scratch_) scratch_ = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getPtrTy(), 4), false,
                                                       llvm::GlobalValue::ExternalLinkage, nullptr, "scratch");
    // One lookup of this CPU's scratch value per program run; without it the program returns.
    llvm::Instruction* term = entry->getTerminator();
    llvm::IRBuilder<> eb(term);
    eb.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, sp_->getLine(), 0, sp_));
    auto* key = eb.CreateAlloca(b_.getInt32Ty());
    key->moveBefore(&*entry->begin());
    // A callback runs while its caller's buffers are in use: each callback depth has its
    // own slot of the scratch map.
    eb.CreateStore(eb.getInt32(callback_depth_), key);
    scratch_slots_ = std::max(scratch_slots_, callback_depth_ + 1);
    auto* fty = llvm::FunctionType::get(b_.getPtrTy(), {b_.getPtrTy(), b_.getPtrTy()}, false);
    scratch_base_ = eb.CreateCall(fty, llvm::ConstantExpr::getIntToPtr(eb.getInt64(kMapLookup), b_.getPtrTy()),
                                  {scratch_, key});
    auto* bail = llvm::BasicBlock::Create(ctx_, "no.scratch", fn_);
    llvm::IRBuilder<>(bail).CreateRet(llvm::ConstantInt::get(fn_->getReturnType(), 0));
    auto* body = term->getSuccessor(0);
    eb.CreateCondBr(eb.CreateIsNull(scratch_base_), bail, body);
    term->eraseFromParent();
    scratch_size_now_ = 0;
  }
  uint32_t off = scratch_size_now_;
  scratch_size_now_ += (size + 7) / 8 * 8;
  // The scratch map's value is per-CPU memory, which the kernel allocates in units of at most
  // 32 KB: a bigger value fails the load with a bare E2BIG, so it is a located error here.
  if (scratch_size_now_ > kScratchMax && !scratch_reported_) {
    scratch_reported_ = true;
    diags_.report(DiagKind::LimitExceeded, loc_,
                  "this probe needs more than " + std::to_string(kScratchMax / 1024) +
                      " KB for its strings and buffers at once, the most a BPF per-CPU value holds")
        .notes.push_back("use shorter strings (str(x, N), shorter literals) or fewer of them per probe");
  }
  scratch_max_ = std::max(scratch_max_, scratch_size_now_);
  if (pooled) {
    list.push_back(b_.getInt64(off));
    used++;
    return here(b_.getInt64(off));
  }
  llvm::IRBuilder<> eb(entry->getTerminator());
  return eb.CreateGEP(b_.getInt8Ty(), scratch_base_, eb.getInt64(off));
}

llvm::Value* CodeGen::alloca_bytes(uint32_t size, const std::string& name, bool pooled) {
  // Big buffers live in a per-CPU scratch map value, not on the 512-byte stack.
  if (size > kStackBufferMax) return scratch_bytes(size, pooled);
  if (pooled) {
    auto& free_list = pool_[size];
    size_t& used = pool_used_[size];
    if (used < free_list.size()) return free_list[used++];
  }
  llvm::IRBuilder<> entry(&fn_->getEntryBlock(), fn_->getEntryBlock().begin());
  auto* a = entry.CreateAlloca(llvm::ArrayType::get(b_.getInt8Ty(), size ? size : 1), nullptr, name);
  a->setAlignment(llvm::Align(8));
  if (pooled) {
    pool_[size].push_back(a);
    pool_used_[size]++;
  }
  return a;
}


void CodeGen::zero_bytes(llvm::Value* p, uint32_t size) {
  if (size <= kInlineCopyMax) {
    b_.CreateMemSet(p, b_.getInt8(0), size, llvm::MaybeAlign(1));
    return;
  }
  // bpf_probe_read_kernel fills its destination with zeros when the read fails, as a read
  // of address 0 does.
  call_helper(kProbeReadKernel, b_.getInt64Ty(), {p, i64(size), llvm::ConstantPointerNull::get(b_.getPtrTy())});
}

void CodeGen::copy_bytes(llvm::Value* dst, llvm::Value* src, uint32_t size) {
  if (size <= kInlineCopyMax) {
    b_.CreateMemCpy(dst, llvm::MaybeAlign(1), src, llvm::MaybeAlign(1), size);
    return;
  }
  call_helper(kProbeReadKernel, b_.getInt64Ty(), {dst, i64(size), src});
}

llvm::Value* CodeGen::byte_ptr(llvm::Value* base, uint64_t offset) {
  if (!offset) return base;
  return b_.CreateGEP(b_.getInt8Ty(), base, b_.getInt64(offset));
}

// Whether a probe's code mentions kstack or ustack (stack maps rule out sleepable programs).
static bool mentions_stacks(const Expr& e) {
  if ((e.kind == ExprKind::Builtin || e.kind == ExprKind::Call) && (e.str == "kstack" || e.str == "ustack"))
    return true;
  for (auto& a : e.args)
    if (mentions_stacks(*a)) return true;
  return false;
}

static bool block_mentions_stacks(const Block& b) {
  for (auto& s : b) {
    for (const Expr* e : {s->target.get(), s->value.get(), s->value2.get()})
      if (e && mentions_stacks(*e)) return true;
    if (block_mentions_stacks(s->body) || block_mentions_stacks(s->else_body)) return true;
  }
  return false;
}

bool CodeGen::uses_stacks(const Probe& p) {
  return (p.predicate && mentions_stacks(*p.predicate)) || block_mentions_stacks(p.body);
}

static std::string section_for(const ProbeSpec& s) { return provider_for(s.kind).section(s); }

// A program's name: its index, then the last part of its probe's name ("p3_ksys_read",
// "p0_BEGIN"), so that `bpftool prog` (which shows the first 15 characters) says what each
// program traces. Unique by the index; [A-Za-z0-9_] only, as the kernel requires.
std::string CodeGen::program_name(const ProbeSpec& spec, size_t index) {
  std::string last = spec.name.substr(spec.name.rfind(':') + 1);  // npos + 1: all of it
  std::string out = "p" + std::to_string(index) + "_";
  for (char c : last.substr(0, 24)) out += isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

void CodeGen::gen_probe(const ProbeInstance& inst, size_t index) {
  const Probe& probe = prog_.probes[inst.probe_index];
  inst_ = &inst;
  vars_.clear();
  pool_.clear();
  pool_used_.clear();
  ProbeSpec spec = inst.spec;
  spec.prog_name = program_name(spec, index);
  auto* fty = llvm::FunctionType::get(b_.getInt64Ty(), {b_.getPtrTy()}, false);
  auto* fn = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, spec.prog_name, mod_.get());
  fn_ = fn;
  fn_->setSection(section_for(spec));
  sleepable_ = false;
  inst_uses_stacks_ = uses_stacks(probe);
  ctx_arg_ = fn_->getArg(0);
  ctx_arg_->setName("ctx");

  auto* i64ty = di_->createBasicType("long", 64, llvm::dwarf::DW_ATE_signed);
  auto* ptrty = di_->createPointerType(nullptr, 64);
  auto* sty = di_->createSubroutineType(di_->getOrCreateTypeArray({i64ty, ptrty}));
  sp_ = di_->createFunction(file_, spec.prog_name, spec.prog_name, file_, probe.loc.line, sty,
                            probe.loc.line, llvm::DINode::FlagPrototyped,
                            llvm::DISubprogram::SPFlagDefinition);
  fn_->setSubprogram(sp_);
  // The kernel's BTF check wants every parameter of a function prototype named.
  di_->createParameterVariable(sp_, "ctx", 1, file_, probe.loc.line, ptrty, true);
  fn_->addFnAttr(llvm::Attribute::NoUnwind);  // no .eh_frame
  begin_function(fn);
  set_loc(probe.loc);
  probe_id_value_ = nullptr;
  if (!provider_for(inst.spec.kind).run_by_scry) {
    // After exit(), the probes that are still attached until scry detaches them do nothing:
    // nothing after exit() shows, however fast they fire.
    auto* run = llvm::BasicBlock::Create(ctx_, "running", fn_);
    auto* over = llvm::BasicBlock::Create(ctx_, "exited", fn_);
    b_.CreateCondBr(b_.CreateICmpNE(b_.CreateLoad(b_.getInt64Ty(), global_slot(kGlobalExit)), i64(0)), over, run);
    b_.SetInsertPoint(over);
    b_.CreateRet(i64(0));
    b_.SetInsertPoint(run);
  }
  // A prologue may name probes of its own (a fan-in's syscalls, a shared program's functions):
  // they come right before this probe in the manifest.
  size_t named_before = manifest_.probes.size();
  if (const Provider& p = provider_for(inst.spec.kind); p.prologue) p.prologue(*this, inst);
  if (!spec.funcs.empty()) spec.funcs_base = uint32_t(named_before);
  probe_id_ = manifest_.probes.size();  // where this probe's spec goes, after those
  if (probe.predicate) {
    set_loc(probe.predicate->loc);
    auto* cond = to_bool(gen_expr(*probe.predicate));
    auto* body = llvm::BasicBlock::Create(ctx_, "body", fn_);
    auto* skip = llvm::BasicBlock::Create(ctx_, "skip", fn_);
    b_.CreateCondBr(cond, body, skip);
    b_.SetInsertPoint(skip);
    b_.CreateRet(b_.getInt64(0));
    b_.SetInsertPoint(body);
  }
  gen_block(probe.body);
  if (!b_.GetInsertBlock()->getTerminator()) b_.CreateRet(b_.getInt64(0));
  di_->finalizeSubprogram(sp_);
  sp_ = nullptr;
  b_.SetCurrentDebugLocation(llvm::DebugLoc());
  if (sleepable_) fn->setSection(section_for(spec) + ".s");  // uprobe.s, uretprobe.s
  manifest_.probes.push_back(spec);
}

void CodeGen::gen_block(const Block& blk) {
  for (auto& s : blk) {
    if (b_.GetInsertBlock()->getTerminator()) {
      // Code after exit() is unreachable; keep generating into a dead block for simplicity.
      b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "dead", fn_));
    }
    gen_stmt(*s);
  }
}

void CodeGen::gen_stmt(const Stmt& s) {
  set_loc(s.loc);
  pool_used_.clear();
  scratch_used_.clear();
  switch (s.kind) {
    case StmtKind::ExprStmt:
      if (s.value->kind == ExprKind::Call && s.value->type.kind == TypeKind::None)
        gen_call_stmt(*s.value);
      else
        gen_expr(*s.value);
      break;
    case StmtKind::Assign:
      gen_assign(s);
      break;
    case StmtKind::If: {
      auto* cond = to_bool(gen_expr(*s.value));
      auto* then_bb = llvm::BasicBlock::Create(ctx_, "then", fn_);
      auto* else_bb = llvm::BasicBlock::Create(ctx_, "else", fn_);
      auto* done = llvm::BasicBlock::Create(ctx_, "endif", fn_);
      b_.CreateCondBr(cond, then_bb, else_bb);
      b_.SetInsertPoint(then_bb);
      gen_block(s.body);
      if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(done);
      b_.SetInsertPoint(else_bb);
      gen_block(s.else_body);
      if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(done);
      b_.SetInsertPoint(done);
      break;
    }
    case StmtKind::While:
    case StmtKind::ForRange:
      gen_loop(s);
      break;
    case StmtKind::ForMap:
      gen_for_map(s);
      break;
    case StmtKind::Unroll:
      for (int64_t i = 0; i < s.count; i++) gen_block(s.body);
      break;
    case StmtKind::Break:
    case StmtKind::Continue:
      if (!loops_.empty()) b_.CreateBr(s.kind == StmtKind::Break ? loops_.back().brk : loops_.back().cont);
      break;
    case StmtKind::Return:
      b_.CreateRet(i64(0));
      break;
    case StmtKind::Let:
      if (s.value) store_var(*s.target, gen_expr(*s.value), s.value->type);
      break;
  }
}

void CodeGen::gen_loop(const Stmt& s) {
  // while (cond) body   /   for ($i : a .. b) body   (the end is exclusive)
  auto* cond_bb = llvm::BasicBlock::Create(ctx_, "loop.cond", fn_);
  auto* body_bb = llvm::BasicBlock::Create(ctx_, "loop.body", fn_);
  auto* step_bb = llvm::BasicBlock::Create(ctx_, "loop.step", fn_);
  auto* end_bb = llvm::BasicBlock::Create(ctx_, "loop.end", fn_);
  llvm::Value* var = nullptr;
  llvm::Value* limit = nullptr;
  if (s.kind == StmtKind::ForRange) {
    store_var(*s.target, gen_expr(*s.value), s.value->type);
    var = vars_[var_key(*s.target)];
    limit = alloca_bytes(8, "for.end", false);
    b_.CreateStore(gen_expr(*s.value2), limit);
  }
  b_.CreateBr(cond_bb);
  b_.SetInsertPoint(cond_bb);
  llvm::Value* cond;
  if (var)
    cond = b_.CreateICmpSLT(b_.CreateLoad(b_.getInt64Ty(), var), b_.CreateLoad(b_.getInt64Ty(), limit));
  else
    cond = to_bool(gen_expr(*s.value));
  b_.CreateCondBr(cond, body_bb, end_bb);
  b_.SetInsertPoint(body_bb);
  loops_.push_back({end_bb, step_bb});
  gen_block(s.body);
  loops_.pop_back();
  if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(step_bb);
  b_.SetInsertPoint(step_bb);
  if (var) b_.CreateStore(b_.CreateAdd(b_.CreateLoad(b_.getInt64Ty(), var), i64(1)), var);
  b_.CreateBr(cond_bb);
  b_.SetInsertPoint(end_bb);
}

llvm::Function* CodeGen::make_callback(const std::string& name, int line, bool loop) {
  auto* pty = b_.getPtrTy();
  // bpf_for_each_map_elem: (map, key, value, ctx); bpf_loop: (u64 index, ctx).
  std::vector<llvm::Type*> params = loop ? std::vector<llvm::Type*>{b_.getInt64Ty(), pty}
                                         : std::vector<llvm::Type*>{pty, pty, pty, pty};
  auto* fty = llvm::FunctionType::get(b_.getInt64Ty(), params, false);
  auto* fn = llvm::Function::Create(fty, llvm::Function::InternalLinkage, name, mod_.get());
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  fn->addFnAttr(llvm::Attribute::NoInline);
  auto* i64ty = di_->createBasicType("long", 64, llvm::dwarf::DW_ATE_signed);
  auto* ptrty = di_->createPointerType(nullptr, 64);
  std::vector<llvm::Metadata*> sig = {i64ty};
  for (auto* p : params) sig.push_back(p == pty ? static_cast<llvm::Metadata*>(ptrty) : i64ty);
  auto* sty = di_->createSubroutineType(di_->getOrCreateTypeArray(sig));
  auto* sp = di_->createFunction(file_, name, name, file_, line, sty, line, llvm::DINode::FlagPrototyped,
                                 llvm::DISubprogram::SPFlagDefinition | llvm::DISubprogram::SPFlagLocalToUnit);
  fn->setSubprogram(sp);
  std::vector<const char*> names = loop ? std::vector<const char*>{"index", "ctx"}
                                        : std::vector<const char*>{"map", "key", "value", "ctx"};
  for (unsigned i = 0; i < names.size(); i++)
    di_->createParameterVariable(sp, names[i], i + 1, file_, line,
                                 params[i] == pty ? static_cast<llvm::DIType*>(ptrty) : i64ty, true);
  return fn;
}

llvm::Function* CodeGen::loop_callback(const std::string& base,
                                       const std::function<void(llvm::Function* cb)>& body) {
  auto* cb = make_callback(base + std::to_string(loop_callbacks_++), 0, true);
  llvm::DebugLoc here = b_.getCurrentDebugLocation();
  FunctionState saved = enter_callback(cb);
  b_.SetCurrentDebugLocation(llvm::DILocation::get(ctx_, here ? here.getLine() : 0, 0, sp_));
  body(cb);
  leave_callback(saved);
  return cb;
}

CodeGen::FunctionState CodeGen::enter_callback(llvm::Function* cb) {
  FunctionState s{function_members(), b_.GetInsertBlock(), b_.getCurrentDebugLocation()};
  callback_depth_++;
  probe_id_value_ = nullptr;
  sp_ = cb->getSubprogram();
  vars_.clear();
  pool_.clear();
  pool_used_.clear();
  loops_.clear();
  event_done_.clear();
  begin_function(cb);
  return s;
}

void CodeGen::leave_callback(FunctionState& s) {
  di_->finalizeSubprogram(sp_);
  function_members() = s.members;
  callback_depth_--;
  b_.SetInsertPoint(s.block);
  b_.SetCurrentDebugLocation(s.dbg);
}

void CodeGen::gen_for_map(const Stmt& s) {
  const Expr& m = *s.value;
  const MapSpec& spec = manifest_.maps[m.map_id];
  auto* cb = make_callback(fn_->getName().str() + "_for" + std::to_string(s.loc.line) + "_" +
                               std::to_string(s.loc.col), s.loc.line);
  // A program for many probes knows at run time which one fired: the callback gets it
  // through its context.
  llvm::Value* probe_slot = llvm::ConstantPointerNull::get(b_.getPtrTy());
  bool pass_probe = probe_id_value_ != nullptr;
  if (pass_probe) {
    probe_slot = alloca_bytes(8, "for.probe", false);
    b_.CreateStore(probe_id_value_, probe_slot);
  }
  // Generate the body into the callback, then come back.
  FunctionState saved = enter_callback(cb);
  set_loc(s.loc);
  if (pass_probe) probe_id_value_ = b_.CreateLoad(b_.getInt64Ty(), cb->getArg(3));
  // $key and $value are copies: the body may write to them.
  const Type& kt = s.target->type;
  llvm::Value* keyp = cb->getArg(1);
  store_var(*s.target, kt.is_buffer() ? keyp : b_.CreateLoad(b_.getInt64Ty(), keyp), spec.key);
  if (s.value2->type.kind != TypeKind::None) {
    Type vt = spec.value.is_aggregation() ? Type::integer(8, spec.value.is_signed) : spec.value;
    llvm::Value* valp = cb->getArg(2);
    if (spec.percpu) {  // the callback gets this CPU's value: all CPUs' are merged
      valp = alloca_bytes(spec.value.value_size(), "merged");
      zero_bytes(valp, spec.value.value_size());
      for_each_cpu_value(uint32_t(m.map_id), keyp, valp,
                         [&](llvm::Value* v, llvm::Value* d) { merge_percpu(d, v, spec); });
    }
    store_var(*s.value2, s.value2->type.is_buffer() ? valp : b_.CreateLoad(b_.getInt64Ty(), valp), vt);
  }
  auto* stop = llvm::BasicBlock::Create(ctx_, "for.break", cb);
  auto* next = llvm::BasicBlock::Create(ctx_, "for.next", cb);
  loops_.push_back({stop, next});
  gen_block(s.body);
  loops_.pop_back();
  if (!b_.GetInsertBlock()->getTerminator()) b_.CreateBr(next);
  b_.SetInsertPoint(next);
  b_.CreateRet(i64(0));  // 0: go on to the next element
  b_.SetInsertPoint(stop);
  b_.CreateRet(i64(1));  // 1: stop the iteration (break)
  leave_callback(saved);
  call_helper(kForEachMapElem, b_.getInt64Ty(), {maps_[m.map_id], cb, probe_slot, i64(0)});
}

void CodeGen::store_var(const Expr& target, llvm::Value* v, const Type& from) {
  const Type& vt = target.type;
  auto it = vars_.find(var_key(target));
  if (it == vars_.end())
    it = vars_.emplace(var_key(target),
                       alloca_bytes(vt.is_buffer() ? std::max(vt.size, var_size(target.str)) : 8,
                                    target.str.substr(1), false)).first;
  store_as(it->second, v, from, vt);
}

void CodeGen::gen_assign(const Stmt& s) {
  const Expr& target = *s.target;
  if (target.kind == ExprKind::Map) {
    if (s.value->kind == ExprKind::Call && s.value->type.is_aggregation())
      return gen_aggregation(target, *s.value);
    if (s.op != "=") return gen_map_compound(s);
    llvm::Value* v = gen_expr(*s.value);
    const Type& mt = manifest_.maps[target.map_id].value;
    auto* buf = alloca_bytes(mt.value_size(), "mapval");
    store_as(buf, v, s.value->type, mt);
    return gen_map_store(target, buf);
  }
  // Scratch variable: integers are i64 slots, strings are buffers of the variable's size.
  const Type& vt = target.type;
  if (s.op == "=") {
    store_var(target, gen_expr(*s.value), s.value->type);
    return;
  }
  auto it = vars_.find(var_key(target));
  if (it == vars_.end()) return;
  auto* old = b_.CreateLoad(b_.getInt64Ty(), it->second);
  std::string op = s.op.substr(0, s.op.size() - 1);  // "+=" -> "+"
  llvm::Value* rhs = gen_expr(*s.value);
  if (s.scale > 1) rhs = b_.CreateMul(rhs, i64(uint64_t(s.scale)));  // a pointer moves by elements
  store_as(it->second, lower_int_binop(b_, op, old, rhs, vt.is_signed && s.value->type.is_signed), vt, vt);
}

bool CodeGen::run(const std::vector<ProbeInstance>& instances) {
  define_maps();
  for (size_t i = 0; i < instances.size(); i++) gen_probe(instances[i], i);
  // The ring buffer: 4 MiB for programs that send output (bursts of printf() must not be
  // lost), one page for those that only ever send exit(): its pages are resident for the
  // whole run, and most of a one-liner's memory otherwise.
  manifest_.ringbuf_size = ringbuf_output_ ? (1u << 22) : 4096;
  describe_map(ringbuf_, kRingbuf, manifest_.ringbuf_size, 0, 0);
  if (scratch_) {  // sized now that every program's need is known
    describe_map(scratch_, kPercpuArray, scratch_slots_, 4, scratch_max_);
  }
  // The kernel requires a GPL-compatible license for the tracing helpers.
  auto* lic_init = llvm::ConstantDataArray::getString(ctx_, "GPL");
  auto* lic = new llvm::GlobalVariable(*mod_, lic_init->getType(), true,
                                       llvm::GlobalValue::ExternalLinkage, lic_init, "_license");
  lic->setSection("license");
  di_->finalize();
  std::string err;
  llvm::raw_string_ostream os(err);
  if (llvm::verifyModule(*mod_, &os)) {
    diags_.report(DiagKind::VerifierRejected, Loc{}, "internal error: invalid IR: " + os.str());
    return false;
  }
  return !diags_.has_errors();  // limits found while generating (scratch_bytes)
}

extern "C" __attribute__((visibility("default"))) bool scry_generate(
    const Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest, Diagnostics& diags,
    bool want_ir, CodegenResult& out) {
  CodeGen cg(prog, manifest, diags);
  if (!cg.run(instances)) return false;
  return cg.emit(want_ir, out);
}

}  // namespace scry
