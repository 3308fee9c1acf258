// The task a probe fires in: ids, name, CPU, cgroup, user.
#include "src/builtins/family.h"
#ifndef SCRY_CODEGEN
#include <pwd.h>
#include <sys/stat.h>

#include "runtime/symbols/cgroups.h"
#include "src/types/btf.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

// Identifiers whose value is one 64-bit word made from a helper's result.
#define WORD_TYPE TYPING([](Sema&, Expr&) { return Type::integer(8, false); })

#ifndef SCRY_CODEGEN
// `container` and container(id): a cgroup id, named from its cgroup's path when printed.
std::string print_container(const Type&, const uint8_t* p, const ValueNames&) { return container_name(word_at(p)); }
#endif

}  // namespace

const std::vector<Builtin>& process_builtins() {
  static const std::vector<Builtin> family = {
      {.name = "pid",
       .form = Form::Identifier,
       .signature = "pid",
       .doc = "process id (kernel tgid) of the current task",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateLShr(cg.call_helper(kGetCurrentPidTgid, cg.b_.getInt64Ty(), {}), 32);
       })},
      {.name = "tid",
       .form = Form::Identifier,
       .signature = "tid",
       .doc = "thread id (kernel pid) of the current task",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateAnd(cg.call_helper(kGetCurrentPidTgid, cg.b_.getInt64Ty(), {}), 0xffffffff);
       })},
      {.name = "uid",
       .form = Form::Identifier,
       .signature = "uid",
       .doc = "user id of the current task",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateAnd(cg.call_helper(kGetCurrentUidGid, cg.b_.getInt64Ty(), {}), 0xffffffff);
       })},
      {.name = "gid",
       .form = Form::Identifier,
       .signature = "gid",
       .doc = "group id of the current task",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateLShr(cg.call_helper(kGetCurrentUidGid, cg.b_.getInt64Ty(), {}), 32);
       })},
      {.name = "username",
       .form = Form::Identifier,
       .signature = "username",
       .doc = "name of the current user",
       .type = TYPING([](Sema&, Expr&) { return Type::special_value("username", 8); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateAnd(cg.call_helper(kGetCurrentUidGid, cg.b_.getInt64Ty(), {}), 0xffffffff);
       }),
       .value_kind = "username",
       .print = PRINTING([](const Type&, const uint8_t* p, const ValueNames&) -> std::string {
         uint64_t uid = word_at(p);
         struct passwd* pw = getpwuid(uid_t(uid));
         return pw ? pw->pw_name : std::to_string(uid);
       })},
      {.name = "comm",
       .form = Form::Identifier,
       .signature = "comm",
       .doc = "name of the current task",
       .type = TYPING([](Sema&, Expr&) { return Type::string(16); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         auto* buf = cg.alloca_bytes(16, "comm");
         cg.zero_bytes(buf, 16);
         cg.call_helper(kGetCurrentComm, cg.b_.getInt64Ty(), {buf, cg.b_.getInt32(16)});
         return buf;
       })},
      {.name = "cpu",
       .form = Form::Identifier,
       .signature = "cpu",
       .doc = "the CPU the probe fires on",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateZExt(cg.call_helper(kGetSmpProcessorId, cg.b_.getInt32Ty(), {}), cg.b_.getInt64Ty());
       })},
      {.name = "numaid",
       .form = Form::Identifier,
       .signature = "numaid",
       .doc = "NUMA node of the current CPU",
       .type = TYPING([](Sema&, Expr&) { return Type::integer(4, false); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateZExt(cg.call_helper(kGetNumaNodeId, cg.b_.getInt32Ty(), {}), cg.b_.getInt64Ty());
       })},
      {.name = "rand",
       .form = Form::Identifier,
       .signature = "rand",
       .doc = "a random number",
       .type = TYPING([](Sema&, Expr&) { return Type::integer(4, false); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateZExt(cg.call_helper(kGetPrandomU32, cg.b_.getInt32Ty(), {}), cg.b_.getInt64Ty());
       })},
      {.name = "cgroup",
       .form = Form::Identifier,
       .signature = "cgroup",
       .doc = "cgroup v2 id of the current task",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.call_helper(kGetCurrentCgroupId, cg.b_.getInt64Ty(), {});
       })},
      {.name = "container",
       .form = Form::Identifier,
       .signature = "container",
       .doc = "the current task's container (docker:ID, containerd:ID, a systemd unit, or its cgroup)",
       .type = TYPING([](Sema&, Expr&) { return Type::special_value("container", 8); }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.call_helper(kGetCurrentCgroupId, cg.b_.getInt64Ty(), {});
       }),
       .value_kind = "container",
       .print = PRINTING(print_container)},
      {.name = "container",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "container(cgroup_id)",
       .doc = "the container of a cgroup v2 id (a socket's: sk->sk_cgrp_data.cgroup->kn->id)",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.need(e, 0, s.arg(e, 0).is_int(), "a cgroup id")) return Type::none();
         return Type::special_value("container", 8);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* { return cg.gen_expr(*e.args[0]); }),
       .value_kind = "container",
       .print = PRINTING(print_container)},
      {.name = "cpid",
       .form = Form::Identifier,
       .signature = "cpid",
       .doc = "pid of the -c command",
       .type = WORD_TYPE,
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.b_.CreateLoad(cg.b_.getInt64Ty(), cg.global_slot(kGlobalCpid));
       })},
      {.name = "curtask",
       .form = Form::Identifier,
       .signature = "curtask",
       .doc = "the current task",
       .type = TYPING([](Sema&, Expr&) {
         KernelBtf* btf = KernelBtf::get();
         Type task = btf ? btf->parse_type("struct task_struct") : Type::none();
         return task.kind == TypeKind::Record ? Type::pointer(task) : Type::integer(8, false);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr&, const Expr*) -> llvm::Value* {
         return cg.call_helper(kGetCurrentTask, cg.b_.getInt64Ty(), {});
       })},
      {.name = "cgroupid",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 1,
       .signature = "cgroupid(PATH)",
       .doc = "cgroup id of a cgroup v2 path",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.literal_str(e, 0, "a path")) return Type::none();
         std::string path = e.args[0]->str;
         struct stat st;
         if (stat(path.c_str(), &st) != 0 && stat((path = "/sys/fs/cgroup/unified/" + path).c_str(), &st) != 0) {
           s.error(DiagKind::BadLiteralArg, e.args[0]->loc, "no cgroup at '" + e.args[0]->str + "'");
           return Type::none();
         }
         s.manifest().compile_inputs.push_back(path);  // a cgroup made again gets another id
         return Sema::fold_unsigned(e, st.st_ino);
       })},
      {.name = "cgroup_path",
       .form = Form::Value,
       .min_args = 1,
       .max_args = 2,
       .signature = "cgroup_path(id [, filter])",
       .doc = "a cgroup's path in each hierarchy (those matching filter), found when printed",
       .type = TYPING([](Sema& s, Expr& e) {
         if (!s.need(e, 0, s.arg(e, 0).is_int(), "a cgroup id")) return Type::none();
         if (e.args.size() == 2 && !s.literal_str(e, 1, "its hierarchy filter")) return Type::none();
         s.add_slot(e, s.manifest().cgroup_filters, e.args.size() == 2 ? e.args[1]->str : std::string("*"));
         return Type::special_value("cgroup_path", 16);
       }),
       .lower = LOWERING([](CodeGen& cg, const Expr& e, const Expr*) -> llvm::Value* {
         auto* buf = cg.alloca_bytes(16, "cgroup_path");  // {u64 cgroup id, u64 filter index}
         cg.b_.CreateStore(cg.gen_expr(*e.args[0]), buf);
         cg.b_.CreateStore(cg.i64(uint64_t(e.slot)), cg.byte_ptr(buf, 8));
         return buf;
       }),
       .value_kind = "cgroup_path",
       .print = PRINTING([](const Type&, const uint8_t* p, const ValueNames& names) -> std::string {
         uint64_t filter = word_at(p + 8);
         return cgroup_paths(word_at(p), filter < names.cgroup_filters.size() ? names.cgroup_filters[filter] : "*");
       })},
  };
  return family;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
