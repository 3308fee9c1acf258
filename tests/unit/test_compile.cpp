// The compiler (preprocess, parse, probes, sema, codegen) run on scripts, for the fake kernel
// of tests/fake_kernel (SCRY_KERNEL_ROOT, set by CTest): no kernel, no root. Sema is checked
// by the types and diagnostics it gives, codegen by the IR and the object it makes (the code
// generator plugin is SCRY_CODEGEN_PLUGIN).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "src/builtins/builtin.h"
#include "src/driver/driver.h"
#include "src/probes/provider.h"
#include "src/probes/tracepoint_format.h"
#include "src/types/kernel_info.h"

using namespace scry;

namespace {

bool have_fake_kernel() { return getenv("SCRY_KERNEL_ROOT") != nullptr; }

// Outside CTest there is no fake kernel: the test fails (no assertion is an error there)
// rather than pass having checked nothing.
#define FAKE_KERNEL_OR_SKIP()                                                           \
  if (!have_fake_kernel()) {                                                            \
    FAIL("SCRY_KERNEL_ROOT is not set: run the compiler's tests through CTest");       \
    return;                                                                             \
  }

struct Compiled {
  bool ok;
  std::string errors;  // rendered diagnostics
  Compilation c;
};

Compiled compile_script(const std::string& script, Stage last, bool want_ir = false) {
  DriverOptions opts;
  opts.source = script;
  opts.filename = "test.bt";
  if (want_ir) opts.dump = "ir";
  Diagnostics diags(opts.filename, opts.source);
  Compiled out;
  out.ok = compile(opts, diags, out.c, last);
  for (auto& d : diags.all()) out.errors += diags.render(d);
  return out;
}

// The typed tree of the instance `i`'s own block.
std::string typed_block(const Compilation& c, size_t i) {
  Program one;
  one.probes.push_back(clone(c.prog.probes[c.instances[i].probe_index]));
  return dump_ast(one, true);
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("sema: tracepoint fields typed from the format file") {
  FAKE_KERNEL_OR_SKIP();
  auto r = compile_script("tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); @f = args->flags; }",
                          Stage::Typed);
  INFO(r.errors);
  REQUIRE(r.ok);
  REQUIRE(r.c.instances.size() == 1);
  std::string t = typed_block(r.c, 0);
  CHECK(contains(t, "field ->filename"));
  CHECK(contains(t, ":: int8 *"));  // a pointer into the process's memory
  CHECK(contains(t, "field ->flags"));
  CHECK(r.c.manifest.maps.size() == 2);
}

TEST_CASE("sema: one block on several probes is typed for each probe") {
  FAKE_KERNEL_OR_SKIP();
  // filename is a pointer at offset 24 of sys_enter_openat and a __data_loc string at offset
  // 8 of sched_process_exec: each probe's copy of the block has its own type.
  auto r = compile_script(
      "tracepoint:syscalls:sys_enter_openat, tracepoint:sched:sched_process_exec { @[probe] = count(); "
      "$f = args->filename; }",
      Stage::Typed);
  INFO(r.errors);
  REQUIRE(r.ok);
  REQUIRE(r.c.instances.size() == 2);
  CHECK(r.c.instances[0].probe_index != r.c.instances[1].probe_index);
  std::string openat = typed_block(r.c, 0), exec = typed_block(r.c, 1);
  CHECK(contains(openat, "field ->filename <1:102> :: int8 *"));
  CHECK(contains(exec, "field ->filename <1:102> :: string["));
}

TEST_CASE("sema: BTF-typed raw tracepoint arguments and struct members") {
  FAKE_KERNEL_OR_SKIP();
  auto r = compile_script("rawtracepoint:sched_switch { @[args.next->comm] = count(); @p = args.prev->pid; }",
                          Stage::Typed);
  INFO(r.errors);
  REQUIRE(r.ok);
  std::string t = typed_block(r.c, 0);
  CHECK(contains(t, ":: string[16]"));
  CHECK(contains(t, "field ->pid"));
  CHECK(contains(t, ":: int32"));
}

TEST_CASE("sema: scripts with C definitions compiled one after another in one process") {
  FAKE_KERNEL_OR_SKIP();
  // Each script's types replace the last one's (found by the fuzzer: the second script's types
  // were built on the first's, which were then freed; the sanitizer lane reads such memory).
  for (int round = 0; round < 3; round++) {
    std::string field = "f" + std::to_string(round);
    auto r = compile_script("struct s { int a; long " + field + "; }; struct opaque; BEGIN { $p = (struct s *)0; @ = $p->" +
                                field + "; $t = (struct task_struct *)0; @c = $t->comm; }",
                            Stage::Typed);
    INFO(r.errors);
    CHECK(r.ok);
    auto bad = compile_script("struct s2 { int a; }; BEGIN { $p = (struct s *)0; @ = $p->" + field + "; }", Stage::Typed);
    CHECK(!bad.ok);  // struct s of the script before is gone
  }
}

TEST_CASE("sema: diagnostics name what exists") {
  FAKE_KERNEL_OR_SKIP();
  auto r = compile_script("tracepoint:syscalls:sys_enter_openat { @ = args->nope; }", Stage::Typed);
  CHECK(!r.ok);
  CHECK(contains(r.errors, "tracepoint:syscalls:sys_enter_openat has no field 'nope'"));
  CHECK(contains(r.errors, "its fields are: __syscall_nr, dfd, filename, flags, mode"));
  r = compile_script("BEGIN { @x = 1; } END { @x = \"s\"; }", Stage::Typed);
  CHECK(!r.ok);
  CHECK(contains(r.errors, "type mismatch for @x"));
  r = compile_script("kprobe:vfs_read { @ = arg7; }", Stage::Typed);
  CHECK(contains(r.errors, "only arg0 to arg5 are passed in registers"));
  r = compile_script("tracepoint:syscalls:sys_enter_openat { @ = retval; }", Stage::Typed);
  CHECK(contains(r.errors, "retval is only available in kretprobe, uretprobe and fexit probes"));
}

TEST_CASE("sema: kprobe names and kaddr() come from the kernel's symbols") {
  FAKE_KERNEL_OR_SKIP();
  auto r = compile_script("kprobe:vfs_* { @[func] = count(); } BEGIN { @a = kaddr(\"jiffies\"); }", Stage::Typed);
  INFO(r.errors);
  REQUIRE(r.ok);
  // One program shared by vfs_read and vfs_write (the traceable matches), and BEGIN.
  REQUIRE(r.c.instances.size() == 2);
  CHECK(r.c.instances[0].spec.name == "kprobe:vfs_*");
  CHECK(r.c.instances[0].spec.funcs == std::vector<std::string>{"vfs_read", "vfs_write"});
  // Naming `probe` needs a program per function; a match of one function is a plain kprobe.
  r = compile_script("kprobe:vfs_* { @[probe] = count(); } kprobe:vfs_rea* { }", Stage::Typed);
  REQUIRE(r.ok);
  REQUIRE(r.c.instances.size() == 3);
  CHECK(r.c.instances[0].spec.funcs.empty());
  CHECK(r.c.instances[2].spec.name == "kprobe:vfs_read");
  auto missing = compile_script("kprobe:no_such_function { }", Stage::Typed);
  CHECK(contains(missing.errors, "kernel function 'no_such_function' does not exist here"));
}

TEST_CASE("registry: every builtin has a type rule, every value a printer") {
  for (const Builtin* b : all_builtins()) {
    INFO(b->name);
    CHECK(b->type != nullptr);
    CHECK(b->signature != nullptr);
    CHECK(b->doc != nullptr);
    if (b->value_kind) CHECK(find_printer(b->value_kind) != nullptr);
  }
  for (const Provider* p : all_providers()) {
    INFO(p->name);
    if (p->syntax) CHECK(p->expand != nullptr);  // one written in scripts (not the watchpoint setup)
    CHECK(!p->kinds.empty());
    for (ProbeKind k : p->kinds) CHECK(&provider_for(k) == p);
  }
}

TEST_CASE("codegen: sections, helpers and per-probe argument offsets in the IR") {
  FAKE_KERNEL_OR_SKIP();
  REQUIRE(getenv("SCRY_CODEGEN_PLUGIN") != nullptr);
  auto r = compile_script(
      "tracepoint:syscalls:sys_enter_openat, tracepoint:sched:sched_process_exec { @[pid] = count(); "
      "@f = str(args->filename); }",
      Stage::Code, true);
  INFO(r.errors);
  REQUIRE(r.ok);
  const std::string& ir = r.c.code.ir;
  CHECK(contains(ir, "section \"tracepoint/syscalls/sys_enter_openat\""));
  CHECK(contains(ir, "section \"tracepoint/sched/sched_process_exec\""));
  CHECK(contains(ir, "inttoptr (i64 14 to ptr)"));  // bpf_get_current_pid_tgid, for pid
  // openat's filename: a pointer read at ctx + 24; exec's: a __data_loc word at ctx + 8.
  CHECK(contains(ir, "i64 24"));
  CHECK(contains(ir, "i64 8"));
  REQUIRE(r.c.code.elf.size() > 4);
  CHECK(std::string(r.c.code.elf.begin(), r.c.code.elf.begin() + 4) == "\x7f" "ELF");
  CHECK(r.c.manifest.probes.size() == 2);
}

TEST_CASE("tracepoint formats: a [] inside the type is not the field's array") {
  auto f = parse_tracepoint_format("sched", "sched_process_exec",
                                   "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
                                   "\tfield:char comm[16];\toffset:12;\tsize:16;\tsigned:0;\n");
  REQUIRE(f.fields.size() == 2);
  CHECK(f.fields[0].name == "filename");
  CHECK(f.fields[0].c_type == "__data_loc char[]");
  CHECK(f.fields[0].data_loc);
  CHECK(f.fields[0].type.is_str());
  CHECK(f.fields[1].name == "comm");
  CHECK(f.fields[1].c_type == "char[16]");
  CHECK(f.fields[1].type == Type::string(16));
}
