// BPF map definitions (BTF-described, in ".maps") and map access: reads, stores, compound
// assignment, aggregations. Aggregations update per-CPU values in place and insert only on a miss.
#include "src/builtins/builtin.h"
#include "src/codegen/codegen_internal.h"

namespace scry {

llvm::GlobalVariable* CodeGen::define_map(const std::string& name, int type, uint32_t max_entries,
                                          uint32_t key_size, uint32_t value_size) {
  auto* gv = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getPtrTy(), 4), false,
                                      llvm::GlobalValue::ExternalLinkage, nullptr, name);
  describe_map(gv, type, max_entries, key_size, value_size);
  return gv;
}

void CodeGen::describe_map(llvm::GlobalVariable* gv, int type, uint32_t max_entries, uint32_t key_size,
                           uint32_t value_size) {
  const std::string name = gv->getName().str();
  // libbpf reads map attributes from BTF: each is a member `int (*attr)[VALUE]`.
  auto* int_ty = di_->createBasicType("int", 32, llvm::dwarf::DW_ATE_signed);
  std::vector<llvm::Metadata*> members;
  auto add = [&](const char* attr, uint64_t value) {
    auto* sub = di_->getOrCreateSubrange(0, int64_t(value));
    auto* arr = di_->createArrayType(value * 32, 32, int_ty, di_->getOrCreateArray({sub}));
    auto* ptr = di_->createPointerType(arr, 64);
    members.push_back(di_->createMemberType(file_, attr, file_, 0, 64, 64, members.size() * 64,
                                            llvm::DINode::FlagZero, ptr));
  };
  add("type", type);
  add("max_entries", max_entries);
  if (key_size) add("key_size", key_size);
  if (value_size) add("value_size", value_size);
  auto* st = di_->createStructType(file_, "", file_, 0, members.size() * 64, 64,
                                   llvm::DINode::FlagZero, nullptr, di_->getOrCreateArray(members));
  // The IR type is a placeholder of 4 pointers; libbpf reads only the BTF.
  gv->setInitializer(llvm::ConstantAggregateZero::get(gv->getValueType()));
  gv->setSection(".maps");
  gv->setAlignment(llvm::Align(8));
  gv->addDebugInfo(di_->createGlobalVariableExpression(cu_, name, name, file_, 0, st, false));
}

void CodeGen::define_maps() {
  for (auto& m : manifest_.maps) {
    int type = m.percpu ? kPercpuHash : kHash;
    maps_.push_back(define_map(m.bpf_name, type, m.max_entries ? m.max_entries : 1, m.bpf_key_size(),
                               m.bpf_value_size()));
  }
  // Described (sized) at the end, once it is known what the programs send through it.
  ringbuf_ = new llvm::GlobalVariable(*mod_, llvm::ArrayType::get(b_.getPtrTy(), 4), false,
                                     llvm::GlobalValue::ExternalLinkage, nullptr, manifest_.ringbuf_map);
  drops_ = define_map(manifest_.drops_map, kPercpuArray, 1 + manifest_.maps.size(), 4, 8);
  // The globals: u64 slots in .bss, which the programs read and write as memory (no helper
  // call); libbpf makes it an array map with one element. Its BTF comes from this debug info.
  auto* ty = llvm::ArrayType::get(b_.getInt64Ty(), kGlobalSlots);
  globals_ = new llvm::GlobalVariable(*mod_, ty, false, llvm::GlobalValue::ExternalLinkage,
                                      llvm::ConstantAggregateZero::get(ty), "scry_globals");
  globals_->setSection(".bss");
  globals_->setAlignment(llvm::Align(8));
  auto* u64 = di_->createBasicType("unsigned long long", 64, llvm::dwarf::DW_ATE_unsigned);
  auto* arr = di_->createArrayType(64 * kGlobalSlots, 64, u64,
                                   di_->getOrCreateArray({di_->getOrCreateSubrange(0, int64_t(kGlobalSlots))}));
  globals_->addDebugInfo(di_->createGlobalVariableExpression(cu_, "scry_globals", "scry_globals", file_, 0, arr, false));
}

llvm::Value* CodeGen::global_slot(GlobalSlot slot) {
  return b_.CreateConstGEP2_64(globals_->getValueType(), globals_, 0, slot);
}

void CodeGen::count_drop(uint32_t slot) {
  auto* key = alloca_bytes(4, "dropkey");
  b_.CreateStore(b_.getInt32(slot), key);
  auto* p = call_helper(kMapLookup, b_.getPtrTy(), {drops_, key});
  auto* inc = llvm::BasicBlock::Create(ctx_, "drop.inc", fn_);
  auto* done = llvm::BasicBlock::Create(ctx_, "drop.done", fn_);
  b_.CreateCondBr(b_.CreateIsNull(p), done, inc);
  b_.SetInsertPoint(inc);
  b_.CreateStore(b_.CreateAdd(b_.CreateLoad(b_.getInt64Ty(), p), i64(1)), p);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

llvm::Value* CodeGen::gen_map_key(const Expr& map) {
  const MapSpec& spec = manifest_.maps[map.map_id];
  auto* key = alloca_bytes(spec.key_size(), "key");
  if (map.args.empty()) {
    b_.CreateStore(i64(0), key);
    return key;
  }
  zero_bytes(key, spec.key_size());  // padding is part of a hash key
  if (map.args.size() == 1) {
    store_as(key, gen_expr(*map.args[0]), map.args[0]->type, spec.key);
    return key;
  }
  for (size_t i = 0; i < map.args.size(); i++)
    store_as(byte_ptr(key, spec.key.offsets[i]), gen_expr(*map.args[i]), map.args[i]->type,
             spec.key.elems[i]);
  return key;
}

llvm::Value* CodeGen::gen_map_read(const Expr& map) {
  const MapSpec& spec = manifest_.maps[map.map_id];
  auto* key = gen_map_key(map);
  set_loc(map.loc);
  auto* p = call_helper(kMapLookup, b_.getPtrTy(), {maps_[map.map_id], key});
  check_helper(p, "map_lookup_elem", 2, true);
  auto* found = llvm::BasicBlock::Create(ctx_, "map.found", fn_);
  auto* done = llvm::BasicBlock::Create(ctx_, "map.done", fn_);
  auto* start = b_.GetInsertBlock();
  if (spec.value.is_buffer()) {
    auto* buf = alloca_bytes(spec.value.size, "mapstr");
    zero_bytes(buf, spec.value.size);
    b_.CreateCondBr(b_.CreateIsNull(p), done, found);
    b_.SetInsertPoint(found);
    copy_bytes(buf, p, spec.value.size);
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
    return buf;
  }
  b_.CreateCondBr(b_.CreateIsNull(p), done, found);
  b_.SetInsertPoint(found);
  auto* v = b_.CreateLoad(b_.getInt64Ty(), p);
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  auto* phi = b_.CreatePHI(b_.getInt64Ty(), 2);
  phi->addIncoming(i64(0), start);
  phi->addIncoming(v, found);
  return phi;
}

void CodeGen::gen_map_store(const Expr& map, llvm::Value* value_ptr) {
  auto* key = gen_map_key(map);
  set_loc(map.loc);
  auto* rc = call_helper(kMapUpdate, b_.getInt64Ty(), {maps_[map.map_id], key, value_ptr, i64(0)});
  check_helper(rc, "map_update_elem", 1);
  auto* fail = llvm::BasicBlock::Create(ctx_, "update.fail", fn_);
  auto* done = llvm::BasicBlock::Create(ctx_, "update.done", fn_);
  b_.CreateCondBr(b_.CreateICmpSLT(rc, i64(0)), fail, done);
  b_.SetInsertPoint(fail);
  count_drop(drop_slot_for_map(map.map_id));  // reported to the user as "map full"
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

void CodeGen::gen_map_compound(const Stmt& s) {
  const Expr& map = *s.target;
  std::string op = s.op.substr(0, s.op.size() - 1);
  llvm::Value* v = gen_expr(*s.value);
  if (s.scale > 1) v = b_.CreateMul(v, i64(uint64_t(s.scale)));  // a pointer moves by elements
  auto* key = gen_map_key(map);
  bool is_signed = manifest_.maps[map.map_id].value.is_signed && s.value->type.is_signed;
  auto* i64ty = b_.getInt64Ty();
  upsert(map.map_id, key, 8,
         [&](llvm::Value* p) {
           // += and -= are atomic: probes on other CPUs update the same entry (the others are
           // not common enough on shared counters to pay for a compare-and-swap loop).
           if (op == "+" || op == "-") {
             b_.CreateAtomicRMW(llvm::AtomicRMWInst::Add, p, op == "+" ? v : b_.CreateNeg(v), llvm::Align(8),
                                llvm::AtomicOrdering::Monotonic);
             return;
           }
           b_.CreateStore(lower_int_binop(b_, op, b_.CreateLoad(i64ty, p), v, is_signed), p);
         },
         [&](llvm::Value* buf) { b_.CreateStore(lower_int_binop(b_, op, i64(0), v, is_signed), buf); });
}

// ++/-- of a variable or a map entry: the new value is stored; the expression is the new
// value (prefix) or the old one (postfix). A missing map entry counts from 0.
llvm::Value* CodeGen::gen_incdec(const Expr& e) {
  const Expr& target = *e.args[0];
  auto step = [&](llvm::Value* old) {
    return e.op == "++" ? b_.CreateAdd(old, i64(uint64_t(e.ival))) : b_.CreateSub(old, i64(uint64_t(e.ival)));
  };
  bool prefix = e.str == "pre";
  auto* i64ty = b_.getInt64Ty();
  if (target.kind == ExprKind::Var) {
    auto it = vars_.find(var_key(target));
    if (it == vars_.end()) return i64(0);
    llvm::Value* old = b_.CreateLoad(i64ty, it->second);
    store_as(it->second, step(old), target.type, target.type);
    llvm::Value* now = b_.CreateLoad(i64ty, it->second);  // as stored: narrow types wrap
    return prefix ? now : old;
  }
  auto* key = gen_map_key(target);
  set_loc(e.loc);
  auto* result = alloca_bytes(8, "incdec");
  upsert(target.map_id, key, 8,
         [&](llvm::Value* p) {  // atomic: probes on other CPUs count on the same entry
           int64_t delta = e.op == "++" ? e.ival : -e.ival;
           llvm::Value* old = b_.CreateAtomicRMW(llvm::AtomicRMWInst::Add, p, i64(uint64_t(delta)), llvm::Align(8),
                                                 llvm::AtomicOrdering::Monotonic);
           llvm::Value* now = step(old);
           b_.CreateStore(prefix ? now : old, result);
         },
         [&](llvm::Value* buf) {
           llvm::Value* now = step(i64(0));
           b_.CreateStore(now, buf);
           b_.CreateStore(prefix ? now : i64(0), result);
         });
  return b_.CreateLoad(i64ty, result);
}

void CodeGen::gen_aggregation(const Expr& map, const Expr& call) {
  find_call(call.str)->lower(*this, call, &map);
}

CodeGen::AggregationOperands CodeGen::aggregation_operands(const Expr& map, const Expr& call) {
  AggregationOperands ops;
  ops.value = call.args.empty() ? i64(1) : gen_expr(*call.args[0]);
  ops.key = gen_map_key(map);
  ops.type = &manifest_.maps[map.map_id].value;
  set_loc(call.loc);
  return ops;
}

void CodeGen::hist_increment(const Expr& map, llvm::Value* key, llvm::Value* idx, llvm::Value* value) {
  // The map's key is (the key, the bucket): each bucket in use is an entry of its own.
  const MapSpec& spec = manifest_.maps[map.map_id];
  auto* bkey = bucket_key(spec, key);
  auto add = [&](llvm::Value* bucket, llvm::Value* n) {
    b_.CreateStore(bucket, byte_ptr(bkey, spec.bpf_key_size() - 8));
    upsert(map.map_id, bkey, 8,
           [&](llvm::Value* p) { b_.CreateStore(b_.CreateAdd(b_.CreateLoad(b_.getInt64Ty(), p), n), p); },
           [&](llvm::Value* buf) { b_.CreateStore(n, buf); });
  };
  add(idx, i64(1));
  if (spec.hist_sum) add(i64(spec.value.buckets()), value);  // the sum's own slot, after the buckets
}

llvm::Value* CodeGen::bucket_key(const MapSpec& spec, llvm::Value* key) {
  auto* bkey = alloca_bytes(spec.bpf_key_size(), "bucketkey");
  zero_bytes(bkey, spec.bpf_key_size());  // padding is part of a hash key
  copy_bytes(bkey, key, spec.key_size());
  return bkey;
}

void CodeGen::gen_delete(const Expr& map, const Loc& call) {
  auto* key = gen_map_key(map);
  set_loc(call);  // -k names the delete() call
  const MapSpec& spec = manifest_.maps[map.map_id];
  if (spec.bucketed) return delete_buckets(map.map_id, bucket_key(spec, key));
  check_helper(call_helper(kMapDelete, b_.getInt64Ty(), {maps_[map.map_id], key}), "map_delete_elem", 1);
}

// delete(@h[key]) of a histogram deletes the entry of each bucket: a bpf_loop over the buckets
// (an lhist may have 1,000), whose callback writes the index into the key on the caller's stack.
void CodeGen::delete_buckets(uint32_t map_id, llvm::Value* bkey) {
  const MapSpec& spec = manifest_.maps[map_id];
  llvm::Function*& cb = delete_cbs_[map_id];
  if (!cb) {
    cb = loop_callback("scry_delete_buckets", [&](llvm::Function* cb) {
      llvm::Value* k = cb->getArg(1);
      b_.CreateStore(cb->getArg(0), byte_ptr(k, spec.bpf_key_size() - 8));
      call_helper(kMapDelete, b_.getInt64Ty(), {maps_[map_id], k});
      b_.CreateRet(i64(0));
    });
  }
  call_helper(kLoop, b_.getInt64Ty(), {i64(spec.bucket_slots()), cb, bkey, i64(0)});
}

}  // namespace scry
