// Shared state of the code generator; split by concern across codegen_*.cpp.
#pragma once
#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <map>
#include <memory>
#include <tuple>

#include "src/codegen/codegen.h"
#include "src/types/abi.h"

namespace scry {

// BPF helper ids and map types (src/types/abi.h), by their short names here.
using enum abi::Helper;
using enum abi::MapType;

// The BPF back end expands memset/memcpy into stores, and refuses (no libc to call) past
// about 128 of them: bigger buffers (str(p, 1024) in an event) go through a helper.
constexpr uint32_t kInlineCopyMax = 128;

// Integer binary operators on i64 values; comparisons give 0/1.
llvm::Value* lower_int_binop(llvm::IRBuilder<>& b, const std::string& op, llvm::Value* l,
                             llvm::Value* r, bool is_signed);

class CodeGen {
 public:
  CodeGen(const Program& prog, Manifest& m, Diagnostics& d);
  bool run(const std::vector<ProbeInstance>& instances);
  bool emit(bool want_ir, CodegenResult& out);

  // codegen.cpp: probes, statements, control flow
  void gen_probe(const ProbeInstance& inst, size_t index);
  static bool uses_stacks(const Probe& p);
  void gen_block(const Block& b);
  void gen_stmt(const Stmt& s);
  void gen_assign(const Stmt& s);
  void gen_loop(const Stmt& s);
  void gen_for_map(const Stmt& s);
  // A static BPF function (map, key, value, ctx) for bpf_for_each_map_elem; with BTF, since
  // the verifier checks callbacks by their prototype.
  // With `loop`, a bpf_loop callback instead: (u64 index, ctx).
  llvm::Function* make_callback(const std::string& name, int line, bool loop = false);
  // A bpf_loop callback (u64 index, ctx) named `base` and a number, at the current script
  // line; `body` generates it and ends each of its paths with a return (0: go on, 1: stop).
  // The caller passes it to bpf_loop (kLoop).
  llvm::Function* loop_callback(const std::string& base, const std::function<void(llvm::Function* cb)>& body);
  uint32_t loop_callbacks_ = 0;  // numbers their names
  static std::string program_name(const ProbeSpec& spec, size_t index);
  // Code generation moves into a callback and back: what belongs to the function being
  // generated is saved on entering the callback and restored on leaving it.
  struct LoopTargets { llvm::BasicBlock* brk; llvm::BasicBlock* cont; };
  // The members that belong to the function being generated (listed once: saved and
  // restored as a whole).
  auto function_members() {
    return std::tie(fn_, sp_, scratch_base_, scratch_pool_, scratch_used_, scratch_size_now_, vars_, pool_,
                    pool_used_, loops_, event_done_, probe_id_value_);
  }
  struct FunctionState {
    std::tuple<llvm::Function*, llvm::DISubprogram*, llvm::Value*, std::map<uint32_t, std::vector<llvm::Value*>>,
               std::map<uint32_t, size_t>, uint32_t, std::map<std::string, llvm::Value*>,
               std::map<uint32_t, std::vector<llvm::AllocaInst*>>, std::map<uint32_t, size_t>,
               std::vector<LoopTargets>, std::vector<llvm::BasicBlock*>, llvm::Value*>
        members;
    llvm::BasicBlock* block;  // and where the builder was
    llvm::DebugLoc dbg;
  };
  FunctionState enter_callback(llvm::Function* cb);
  void leave_callback(FunctionState& s);
  void store_var(const Expr& target, llvm::Value* v, const Type& from);
  // `v` as a value the optimiser knows nothing about. A bounds check written for the
  // verifier (which tracks less than LLVM does: it loses the range of x % n, of x / n...)
  // is kept only if LLVM cannot prove it redundant and remove it.
  llvm::Value* opaque(llvm::Value* v);
  // An i64 at most `max`, by a check the verifier sees (a helper's size argument, computed at
  // run time, must be one it can prove fits the buffer).
  llvm::Value* bounded(llvm::Value* v, uint32_t max);
  uint32_t var_size(const std::string& name) const {
    auto& sizes = prog_.probes[inst_->probe_index].var_sizes;
    auto it = sizes.find(name);
    return it == sizes.end() ? 0 : it->second;
  }
  // A variable's stack slot is per name and type: `let` in two blocks may give one name two
  // types.
  static std::string var_key(const Expr& v) { return v.str + (v.type.is_buffer() ? ":buffer" : ":word"); }

  // codegen_expr.cpp: expressions
  llvm::Value* gen_expr(const Expr& e);  // i64 for integers/probes, ptr to a buffer for strings
  llvm::Value* gen_binop(const Expr& e);
  llvm::Value* gen_builtin(const Expr& e);  // identifiers and calls: their registry entry's lowering
  llvm::Value* gen_call(const Expr& e);
  llvm::Value* gen_field(const Expr& e);
  llvm::Value* gen_args_field(const Expr& e);
  llvm::Value* btf_arg(int slot, const Type& t);

  // codegen_btf.cpp: values typed by BTF and tuples
  llvm::Value* gen_cast(const Expr& e);
  llvm::Value* gen_deref_index(const Expr& e);
  // Reads a value of type `t` at address `addr` (i64): integers and pointers are loaded
  // (bitfields extracted), strings copied into a buffer, records and arrays stay addresses.
  llvm::Value* read_typed(llvm::Value* addr, const Type& t, bool user, uint32_t shift = 0, uint32_t bits = 0);
  // Reads user memory in uprobes and when `user` (syscall arguments), else kernel memory.
  llvm::Value* probe_read(llvm::Value* dst, uint32_t size, llvm::Value* src_addr, bool user = false);
  // An address that may be a user or a kernel one (an integer argument): user memory first,
  // as str() reads it.
  void read_user_or_kernel(llvm::Value* dst, uint32_t size, llvm::Value* addr);
  bool user_space_probe() const;

  // codegen_calls.cpp: stack values
  llvm::GlobalVariable* stacks_map(uint32_t frames);
  llvm::Value* gen_stack(const Type& t);  // kstack/ustack values
  void note_user_pid(llvm::Value* pid);    // NewPid, the first time this pid is seen
  llvm::Value* gen_string_literal(const std::string& s, uint32_t size);
  llvm::Value* gen_string_eq(llvm::Value* a, uint32_t na, llvm::Value* b, uint32_t nb);
  // 1 if the n bytes at a and b are equal (compared a word at a time, unrolled).
  llvm::Value* gen_bytes_eq(llvm::Value* a, llvm::Value* b, uint32_t n);
  // A pointer to the bytes of record or array value `v` of `e`: v itself when the program
  // holds it, else a stack copy read from its address.
  llvm::Value* value_bytes(const Expr& e, llvm::Value* v);
  llvm::Value* to_bool(llvm::Value* v);
  // Stores value `v` of type `from` into `dst` laid out as `to` (ints widen, strings pad).
  void store_as(llvm::Value* dst, llvm::Value* v, const Type& from, const Type& to);
  // An i64 cut to integer type t's size and extended back by its signedness (other types and
  // 64-bit integers as they are): casts, narrow arguments, narrow stores.
  llvm::Value* fit_int(llvm::Value* v, const Type& t);
  // A tuple element (integers at their own size) stored and loaded (an i64).
  void store_element(llvm::Value* dst, llvm::Value* v, const Type& from, const Type& to);
  llvm::Value* load_element(llvm::Value* src, const Type& t);

  // codegen_maps.cpp: map definitions and access
  llvm::GlobalVariable* define_map(const std::string& name, int type, uint32_t max_entries,
                                   uint32_t key_size, uint32_t value_size);
  void define_maps();
  // The BTF map definition (libbpf reads only that) of a ".maps" global.
  void describe_map(llvm::GlobalVariable* gv, int type, uint32_t max_entries, uint32_t key_size,
                    uint32_t value_size);
  llvm::Value* gen_map_key(const Expr& map);  // pointer to the key buffer
  llvm::Value* gen_map_read(const Expr& map);
  void gen_map_store(const Expr& map, llvm::Value* value_ptr);
  void gen_map_compound(const Stmt& s);
  llvm::Value* gen_incdec(const Expr& e);
  void gen_aggregation(const Expr& map, const Expr& call);
  // What an aggregation's lowering starts from: the value (1 for count()), the key buffer,
  // and the map's value type.
  struct AggregationOperands {
    llvm::Value* value;
    llvm::Value* key;
    const Type* type;
  };
  AggregationOperands aggregation_operands(const Expr& map, const Expr& call);
  // Adds 1 to bucket `idx` of the histogram of `key` (MapSpec::bucketed: the entry of the key
  // and the bucket, inserted when it is new).
  void hist_increment(const Expr& map, llvm::Value* key, llvm::Value* idx, llvm::Value* value);
  // A bucketed map's key: `key` padded, then the u64 bucket index (0 here).
  llvm::Value* bucket_key(const MapSpec& spec, llvm::Value* key);
  // delete(@h[key]) of a histogram: the entry of every bucket, in a bpf_loop.
  void delete_buckets(uint32_t map_id, llvm::Value* bkey);
  std::map<uint32_t, llvm::Function*> delete_cbs_;  // by map id
  // Looks up `key` in map `id`; on a hit runs `update(ptr)` in place, on a miss inserts the
  // value that `init(buf)` writes into a stack buffer of `init_size` bytes (a full map is
  // counted as a drop). When another CPU inserts the key first, the insert fails (it would
  // overwrite that CPU's value) and `update` runs on the value it inserted.
  template <typename Update, typename Init>
  void upsert(int id, llvm::Value* key, uint32_t init_size, Update update, Init init) {
    auto* map = maps_[id];
    auto* p = call_helper(kMapLookup, b_.getPtrTy(), {map, key});
    auto* hit = llvm::BasicBlock::Create(ctx_, "agg.hit", fn_);
    auto* miss = llvm::BasicBlock::Create(ctx_, "agg.miss", fn_);
    auto* fail = llvm::BasicBlock::Create(ctx_, "agg.full", fn_);
    auto* done = llvm::BasicBlock::Create(ctx_, "agg.done", fn_);
    b_.CreateCondBr(b_.CreateIsNull(p), miss, hit);
    b_.SetInsertPoint(hit);
    update(p);
    b_.CreateBr(done);
    b_.SetInsertPoint(miss);
    auto* buf = alloca_bytes(init_size, "init");
    init(buf);
    auto* rc = call_helper(kMapUpdate, b_.getInt64Ty(), {map, key, buf, i64(abi::kNoExist)});
    auto* raced = llvm::BasicBlock::Create(ctx_, "agg.raced", fn_);
    auto* inserted = llvm::BasicBlock::Create(ctx_, "agg.inserted", fn_);
    b_.CreateCondBr(b_.CreateICmpSLT(rc, i64(0)), raced, done);
    b_.SetInsertPoint(raced);
    auto* again = call_helper(kMapLookup, b_.getPtrTy(), {map, key});
    b_.CreateCondBr(b_.CreateIsNull(again), fail, inserted);
    b_.SetInsertPoint(inserted);
    update(again);
    b_.CreateBr(done);
    b_.SetInsertPoint(fail);
    count_drop(drop_slot_for_map(uint32_t(id)));
    b_.CreateBr(done);
    b_.SetInsertPoint(done);
  }
  void gen_delete(const Expr& map, const Loc& call);
  void count_drop(uint32_t slot);
  llvm::Value* global_slot(GlobalSlot slot);  // the address of a u64 of the globals

  // codegen_snapshot.cpp: print(@m) copies the map into the ring buffer as it is now
  void gen_print_map(const Expr& call);
  llvm::Function* snapshot_callback(uint32_t map_id);
  void merge_percpu(llvm::Value* dst, llvm::Value* src, const MapSpec& spec);
  // Runs body(CPU c's value, dst) for every CPU's value of `key` in per-CPU map `map_id`, in
  // a bpf_loop callback (the verifier checks the body once, however many CPUs there are).
  void for_each_cpu_value(uint32_t map_id, llvm::Value* key, llvm::Value* dst,
                          const std::function<void(llvm::Value*, llvm::Value*)>& body);
  std::map<uint32_t, llvm::Function*> snapshot_cbs_;  // by map id
  // clear(@m) / zero(@m): every element deleted / set to zero, in the kernel, now.
  void gen_clear_map(const Expr& call, bool zero);
  llvm::Function* clear_callback(uint32_t map_id, bool zero);
  std::map<uint32_t, llvm::Function*> clear_cbs_, zero_cbs_;

  // codegen_output.cpp: printf, exit, print/clear/zero/time events
  void gen_call_stmt(const Expr& call);
  llvm::Value* reserve_event(uint32_t size, EventType type, uint64_t id);
  void submit_event(llvm::Value* ev);
  // printf, print(value), system, cat: a record with the formatted call's arguments.
  void gen_formatted_event(const Expr& call, EventType type);

  // Helpers
  llvm::Value* call_helper(int id, llvm::Type* ret, std::vector<llvm::Value*> args);
  // Stack buffers. Pooled ones are reused by later statements (values never outlive the
  // statement that made them), which keeps programs within the 512-byte BPF stack.
  // Buffers over kStackBufferMax bytes come from the per-CPU "scratch" map instead.
  llvm::Value* alloca_bytes(uint32_t size, const std::string& name, bool pooled = true);
  llvm::Value* scratch_bytes(uint32_t size, bool pooled);
  void begin_function(llvm::Function* fn);
  static constexpr uint32_t kStackBufferMax = 64;
  void zero_bytes(llvm::Value* p, uint32_t size);
  void copy_bytes(llvm::Value* dst, llvm::Value* src, uint32_t size);
  llvm::Value* byte_ptr(llvm::Value* base, uint64_t offset);
  void set_loc(const Loc& l);
  Loc loc_;  // the script location of the code being generated (set_loc)
  static constexpr uint32_t kScratchMax = 32768;  // bytes of big buffers one probe may use at once
  bool scratch_reported_ = false;
  // -k/-kk (manifest_.helper_check >= level): reports a failed helper call at run time, at the
  // current location: `rc` < 0, or for a lookup (`pointer`) a null result (reported as 0).
  void check_helper(llvm::Value* rc, const char* helper, uint32_t level, bool pointer = false);
  llvm::Value* i64(uint64_t v) { return b_.getInt64(v); }

  const Program& prog_;
  Manifest& manifest_;
  Diagnostics& diags_;
  llvm::LLVMContext ctx_;
  std::unique_ptr<llvm::Module> mod_;
  llvm::IRBuilder<> b_;
  std::unique_ptr<llvm::DIBuilder> di_;
  llvm::DICompileUnit* cu_ = nullptr;
  llvm::DIFile* file_ = nullptr;

  // Per program state.
  llvm::Function* fn_ = nullptr;
  llvm::DISubprogram* sp_ = nullptr;
  llvm::Value* ctx_arg_ = nullptr;
  const ProbeInstance* inst_ = nullptr;
  size_t probe_id_ = 0;
  llvm::Value* probe_id_value_ = nullptr;  // fan-in programs: the probe chosen at run time
  std::map<std::string, llvm::Value*> vars_;
  bool sleepable_ = false;          // this program may fault user pages in (uprobe.s)
  bool inst_uses_stacks_ = false;   // stack maps cannot be used by sleepable programs
  std::map<uint32_t, std::vector<llvm::AllocaInst*>> pool_;  // by size
  std::map<uint32_t, size_t> pool_used_;
  llvm::Value* scratch_base_ = nullptr;  // this function's scratch value, if it needs one
  std::map<uint32_t, std::vector<llvm::Value*>> scratch_pool_;
  std::map<uint32_t, size_t> scratch_used_;
  uint32_t scratch_size_now_ = 0, scratch_max_ = 0;
  uint32_t callback_depth_ = 0, scratch_slots_ = 1;  // callbacks nest: one scratch slot per depth
  llvm::GlobalVariable* scratch_ = nullptr;

  // Maps.
  std::vector<llvm::GlobalVariable*> maps_;  // by map id
  llvm::GlobalVariable* ringbuf_ = nullptr;
  bool ringbuf_output_ = false;  // a program sends more than exit() through the ring buffer
  llvm::GlobalVariable* drops_ = nullptr;
  llvm::GlobalVariable* globals_ = nullptr;
  // Long string literals in .rodata, by (text, size).
  std::map<std::pair<std::string, uint32_t>, llvm::GlobalVariable*> rodata_strings_;
  llvm::GlobalVariable* rodata_string(const std::string& s, uint32_t size);
  std::map<uint32_t, llvm::GlobalVariable*> stacks_;  // by depth, created when kstack/ustack are used
  llvm::GlobalVariable* user_pids_ = nullptr;  // pids already reported to the runtime (NewPid)
  llvm::Function* len_cb_ = nullptr;          // the callback len() iterates with
  std::vector<llvm::BasicBlock*> event_done_;
  std::vector<LoopTargets> loops_;  // open "event lost" blocks
};

}  // namespace scry
