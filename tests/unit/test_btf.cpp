// KernelBtf: the running kernel's BTF (skipped when unavailable) and small hand-built BTF.
#include <bpf/btf.h>
#include <linux/btf.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "src/types/btf.h"
#include "src/types/kernel_info.h"

using namespace scry;

// The machine's kernel, whatever kernel the compiler tests compile for (SCRY_KERNEL_ROOT).
static KernelBtf* machine_btf() {
  static std::unique_ptr<KernelInfo> machine = kernel_from_root("");
  return machine->btf();
}

#define KERNEL_BTF_OR_SKIP(var)                               \
  KernelBtf* var = machine_btf();                             \
  if (!var) {                                                 \
    WARN("no kernel BTF (/sys/kernel/btf/vmlinux); skipped"); \
    return;                                                   \
  }

TEST_CASE("kernel btf: task_struct members") {
  KERNEL_BTF_OR_SKIP(k);
  Type task = k->parse_type("struct task_struct");
  REQUIRE(task.kind == TypeKind::Record);
  CHECK(task.record_name == "struct task_struct");
  CHECK(task.size > 1000);
  auto pid = k->member(task, "pid");
  REQUIRE(pid);
  CHECK(pid->type == Type::integer(4, true));
  CHECK(pid->bitfield_bits == 0);
  auto comm = k->member(task, "comm");
  REQUIRE(comm);
  CHECK(comm->type == Type::string(16));
  CHECK(comm->offset > pid->offset);
  auto se = k->member(task, "se");
  REQUIRE(se);
  CHECK(se->type.kind == TypeKind::Record);
  CHECK(se->type.record_name == "struct sched_entity");
  CHECK(k->member(se->type, "vruntime"));
  auto parent = k->member(task, "real_parent");  // self-referential: pointer to a Record
  REQUIRE(parent);
  REQUIRE(parent->type.is_ptr());
  CHECK(parent->type.pointee->record_name == "struct task_struct");
  CHECK_FALSE(k->member(task, "no_such_member"));
  auto names = k->member_names(task);
  CHECK(std::find(names.begin(), names.end(), "comm") != names.end());
}

TEST_CASE("kernel btf: members inside anonymous unions and structs") {
  KERNEL_BTF_OR_SKIP(k);
  Type sock = k->parse_type("struct sock");
  REQUIRE(sock.kind == TypeKind::Record);
  auto common = k->member(sock, "__sk_common");
  REQUIRE(common);
  CHECK(common->offset == 0);
  CHECK(common->type.record_name == "struct sock_common");
  auto family = k->member(common->type, "skc_family");
  REQUIRE(family);
  CHECK(family->type == Type::integer(2, false));
  CHECK(family->offset == 16);
  // union { __addrpair skc_addrpair; struct { __be32 skc_daddr; __be32 skc_rcv_saddr; }; }
  auto saddr = k->member(common->type, "skc_rcv_saddr");
  REQUIRE(saddr);
  CHECK(saddr->offset == 4);
  CHECK(saddr->type == Type::integer(4, false));
  auto num = k->member(common->type, "skc_num");  // union at 12 > struct > second field
  REQUIRE(num);
  CHECK(num->offset == 14);
  auto names = k->member_names(common->type);
  CHECK(std::find(names.begin(), names.end(), "skc_daddr") != names.end());
}

TEST_CASE("kernel btf: bitfields") {
  KERNEL_BTF_OR_SKIP(k);
  Type common = k->parse_type("struct sock_common");
  auto reuse = k->member(common, "skc_reuse");          // unsigned char skc_reuse:4 at bit 152
  auto reuseport = k->member(common, "skc_reuseport");  // unsigned char :1 at bit 156
  REQUIRE(reuse);
  REQUIRE(reuseport);
  CHECK(reuse->type == Type::integer(1, false));
  CHECK(reuse->bitfield_bits == 4);
  CHECK(reuse->offset == 19);
  CHECK(reuse->bit_shift == 0);
  CHECK(reuseport->bitfield_bits == 1);
  CHECK(reuseport->offset == 19);
  CHECK(reuseport->bit_shift == 4);
  // unsigned int bitfields of task_struct: aligned 4-byte load units.
  Type task = k->parse_type("struct task_struct");
  auto a = k->member(task, "sched_reset_on_fork");
  auto b = k->member(task, "in_iowait");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->bitfield_bits == 1);
  CHECK(a->type == Type::integer(4, false));
  CHECK(a->offset % 4 == 0);
  CHECK(b->offset % 4 == 0);
  CHECK(b->bit_shift + b->bitfield_bits <= 32);
}

TEST_CASE("kernel btf: parse_type spellings") {
  KERNEL_BTF_OR_SKIP(k);
  Type p = k->parse_type("struct sock *");
  REQUIRE(p.is_ptr());
  CHECK(p.pointee->kind == TypeKind::Record);
  CHECK(p.pointee->record_name == "struct sock");
  CHECK(k->parse_type("struct sock*") == p);
  CHECK(k->parse_type("unsigned int") == Type::integer(4, false));
  CHECK(k->parse_type("pid_t") == Type::integer(4, true));
  CHECK(k->parse_type("u32") == Type::integer(4, false));
  CHECK(k->parse_type("int8") == Type::integer(1, true));
  CHECK(k->parse_type("uint64") == Type::integer(8, false));
  CHECK(k->parse_type("char") == Type::integer(1, true));
  CHECK(k->parse_type("long") == Type::integer(8, true));
  CHECK(k->parse_type("unsigned long long") == Type::integer(8, false));
  CHECK(k->parse_type("long unsigned int") == Type::integer(8, false));
  CHECK(k->parse_type("bool") == Type::integer(1, false));
  CHECK(k->parse_type("const char *") == Type::pointer(Type::integer(1, true)));
  CHECK(k->parse_type("void *") == Type::pointer(Type::none()));
  CHECK(k->parse_type("struct task_struct **").pointee->pointee->record_name ==
        "struct task_struct");
  CHECK(k->parse_type("union bpf_attr").record_name == "union bpf_attr");
  CHECK(k->parse_type("enum pid_type") == Type::integer(4, false));
  CHECK(k->parse_type("char[16]") == Type::string(16));
  CHECK(k->parse_type("u32[4]") == Type::array(Type::integer(4, false), 4));
  CHECK(k->parse_type("struct no_such_struct_xyz").kind == TypeKind::None);
  CHECK(k->parse_type("no_such_typedef_xyz").kind == TypeKind::None);
  CHECK(k->parse_type("unsigned unsigned").kind == TypeKind::None);
}

TEST_CASE("kernel btf: enumerators and functions") {
  KERNEL_BTF_OR_SKIP(k);
  CHECK(k->enum_value("PIDTYPE_PID") == 0);
  CHECK(k->enum_value("PIDTYPE_TGID") == 1);
  CHECK_FALSE(k->enum_value("NO_SUCH_ENUMERATOR_XYZ"));
  auto f = k->function("vfs_read");
  REQUIRE(f);
  REQUIRE(f->params.size() == 4);
  CHECK(f->params[0].first == "file");
  CHECK(f->params[1].first == "buf");
  CHECK(f->params[2].first == "count");
  CHECK(f->params[3].first == "pos");
  CHECK(f->params[0].second.pointee->record_name == "struct file");
  REQUIRE(f->params[1].second.is_ptr());  // char *: signedness as the kernel was built
  CHECK(f->params[1].second.pointee->kind == TypeKind::Integer);
  CHECK(f->params[1].second.pointee->size == 1);
  CHECK(f->params[2].second == Type::integer(8, false));
  CHECK(f->ret == Type::integer(8, true));
  CHECK_FALSE(k->function("no_such_function_xyz"));
}

TEST_CASE("hand-built btf: self reference, char arrays, packed bitfields") {
  struct btf* b = btf__new_empty();
  REQUIRE(b);
  int u32 = btf__add_int(b, "unsigned int", 4, 0);       // 1
  int chr = btf__add_int(b, "char", 1, BTF_INT_SIGNED);  // 2
  int u8 = btf__add_int(b, "unsigned char", 1, 0);       // 3
  int u8t = btf__add_typedef(b, "u8", u8);               // 4
  int node = btf__add_struct(b, "node", 40);             // 5
  int ptr = node + 1, name = node + 2, bytes = node + 3;
  REQUIRE(btf__add_field(b, "next", ptr, 0, 0) == 0);
  REQUIRE(btf__add_field(b, "name", name, 64, 0) == 0);
  REQUIRE(btf__add_field(b, "bytes", bytes, 192, 0) == 0);
  REQUIRE(btf__add_field(b, "v", u32, 224, 0) == 0);
  REQUIRE(btf__add_ptr(b, node) == ptr);
  REQUIRE(btf__add_array(b, u32, chr, 16) == name);
  REQUIRE(btf__add_array(b, u32, u8t, 4) == bytes);
  int pk = btf__add_struct(b, "pk", 3);
  REQUIRE(btf__add_field(b, "a", u8, 6, 4) == 0);  // straddles a byte: widened to uint16
  REQUIRE(btf__add_field(b, "c", u32, 10, 3) == 0);
  KernelBtf k(b);
  Type n = k.type_of(node);
  CHECK(n == Type::record("struct node", node, 40));
  auto next = k.member(n, "next");
  REQUIRE(next);
  CHECK(next->type == Type::pointer(n));
  CHECK(k.member(n, "name")->type == Type::string(16));
  CHECK(k.member(n, "bytes")->type == Type::array(Type::integer(1, false), 4));
  CHECK(k.member(n, "v")->offset == 28);
  auto a = k.member(k.type_of(pk), "a");
  REQUIRE(a);
  CHECK(a->type == Type::integer(2, false));
  CHECK(a->offset == 0);
  CHECK(a->bit_shift == 6);
  CHECK(a->bitfield_bits == 4);
  auto c = k.member(k.type_of(pk), "c");
  REQUIRE(c);
  CHECK(c->type == Type::integer(4, false));
  CHECK(c->offset == 0);
  CHECK(c->bit_shift == 10);
  CHECK(k.parse_type("struct node *") == Type::pointer(n));
  CHECK(k.parse_type("u8") == Type::integer(1, false));
}
