// Writes a fake kernel into a directory laid out as / is (src/types/kernel_info.h): a small BTF
// with the types, functions and raw tracepoints the compiler's tests use, the tracepoint
// formats beside this file (copied from a real kernel), a kallsyms, the traceable functions and
// a kprobe blacklist. With SCRY_KERNEL_ROOT naming it, scry compiles for this kernel: without
// the machine's, and without root.
//
// usage: make_fake_kernel SOURCE_DIR OUT_DIR
#include <bpf/btf.h>
#include <linux/btf.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Fields {
  struct btf* b;
  int add(const char* name, int type, uint32_t byte_offset, uint32_t bitfield_bits = 0, uint32_t bit = 0) {
    return btf__add_field(b, name, type, byte_offset * 8 + bit, bitfield_bits);
  }
};

// A function `name(params...)` returning `ret`, as BTF_KIND_FUNC with its prototype.
int add_function(struct btf* b, const char* name, int ret, std::vector<std::pair<const char*, int>> params) {
  int proto = btf__add_func_proto(b, ret);
  for (auto& [pname, ptype] : params) btf__add_func_param(b, pname, ptype);
  return btf__add_func(b, name, BTF_FUNC_GLOBAL, proto);
}

struct btf* build_btf() {
  struct btf* b = btf__new_empty();
  int s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  int u32 = btf__add_int(b, "unsigned int", 4, 0);
  int s64 = btf__add_int(b, "long", 8, BTF_INT_SIGNED);
  int u64 = btf__add_int(b, "long unsigned int", 8, 0);
  int s64ll = btf__add_int(b, "long long", 8, BTF_INT_SIGNED);
  int ch = btf__add_int(b, "char", 1, BTF_INT_SIGNED);
  int u16 = btf__add_int(b, "short unsigned int", 2, 0);  // umode_t
  int boolean = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
  int pid_t = btf__add_typedef(b, "pid_t", s32);
  int size_t = btf__add_typedef(b, "size_t", u64);
  int ssize_t = btf__add_typedef(b, "ssize_t", s64);
  int loff_t = btf__add_typedef(b, "loff_t", s64ll);
  btf__add_typedef(b, "u32", u32);
  btf__add_typedef(b, "u64", u64);
  btf__add_typedef(b, "umode_t", u16);
  int bool_t = btf__add_typedef(b, "bool", boolean);
  int comm = btf__add_array(b, u32, ch, 16);

  // struct task_struct: a few members at made-up offsets, two of them bitfields. Its pointer
  // comes first (fields must follow their struct), to the id the struct gets next.
  int task_ptr = btf__add_ptr(b, int(btf__type_cnt(b)) + 1);
  int task = btf__add_struct(b, "task_struct", 64);
  Fields f{b};
  f.add("pid", pid_t, 0);
  f.add("tgid", pid_t, 4);
  f.add("comm", comm, 8);
  f.add("real_parent", task_ptr, 24);
  f.add("parent", task_ptr, 32);
  f.add("flags", u32, 40);
  f.add("in_execve", u32, 44, 1, 0);
  f.add("in_iowait", u32, 44, 1, 1);

  btf__add_struct(b, "__kernel_timespec", 16);
  f.add("tv_sec", s64ll, 0);
  f.add("tv_nsec", s64ll, 8);

  int file = btf__add_struct(b, "file", 16);
  f.add("f_flags", u32, 0);
  f.add("f_pos", loff_t, 8);
  int file_ptr = btf__add_ptr(b, file);

  btf__add_enum(b, "pid_type", 4);
  btf__add_enum_value(b, "PIDTYPE_PID", 0);
  btf__add_enum_value(b, "PIDTYPE_TGID", 1);

  int char_ptr = btf__add_ptr(b, ch);
  int loff_ptr = btf__add_ptr(b, loff_t);
  for (const char* name : {"vfs_read", "vfs_write"})
    add_function(b, name, ssize_t, {{"file", file_ptr}, {"buf", char_ptr}, {"count", size_t}, {"pos", loff_ptr}});
  add_function(b, "do_nanosleep", s32, {{"t", u64}, {"mode", u32}});

  // The raw tracepoint sched_switch: its btf_trace_ typedef and its __bpf_trace_ function.
  int void_ptr = btf__add_ptr(b, 0);
  std::vector<std::pair<const char*, int>> args = {
      {"__data", void_ptr}, {"preempt", bool_t}, {"prev", task_ptr}, {"next", task_ptr}, {"prev_state", u32}};
  int proto = btf__add_func_proto(b, 0);
  for (auto& [pname, ptype] : args) btf__add_func_param(b, "", ptype);
  btf__add_typedef(b, "btf_trace_sched_switch", btf__add_ptr(b, proto));
  add_function(b, "__bpf_trace_sched_switch", 0, args);
  (void)task;
  return b;
}

// A module's BTF, split from the kernel's as /sys/kernel/btf/MODULE is: its own struct, and a
// function taking a pointer to it and a kernel type (fentry:fakemod:fakemod_request).
struct btf* build_module_btf(struct btf* kernel) {
  struct btf* m = btf__new_empty_split(kernel);
  int s32 = btf__find_by_name(kernel, "int");
  int file = btf__find_by_name_kind(kernel, "file", BTF_KIND_STRUCT);
  int req = btf__add_struct(m, "fakemod_req", 16);
  btf__add_field(m, "tag", s32, 0, 0);
  btf__add_field(m, "len", btf__find_by_name(kernel, "long"), 64, 0);
  add_function(m, "fakemod_request", s32, {{"req", btf__add_ptr(m, req)}, {"file", btf__add_ptr(m, file)}});
  add_function(m, "fakemod_reply", s32, {{"req", btf__add_ptr(m, req)}});
  return m;
}

void write_btf(struct btf* b, const fs::path& to) {
  uint32_t size = 0;
  const void* raw = btf__raw_data(b, &size);
  std::ofstream(to, std::ios::binary).write(static_cast<const char*>(raw), size);
}

bool copy_into(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to.parent_path(), ec);
  return fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: make_fake_kernel SOURCE_DIR OUT_DIR\n");
    return 2;
  }
  fs::path src = argv[1], out = argv[2];
  std::error_code ec;
  fs::remove_all(out, ec);
  fs::create_directories(out / "sys/kernel/btf", ec);

  struct btf* b = build_btf();
  write_btf(b, out / "sys/kernel/btf/vmlinux");
  struct btf* m = build_module_btf(b);
  write_btf(m, out / "sys/kernel/btf/fakemod");
  btf__free(m);
  btf__free(b);

  // Tracepoints: every events/CATEGORY/EVENT/format beside this program's source.
  std::vector<std::string> events;
  for (auto& cat : fs::directory_iterator(src / "events"))
    for (auto& ev : fs::directory_iterator(cat.path())) {
      std::string name = cat.path().filename().string() + ":" + ev.path().filename().string();
      events.push_back(name);
      if (!copy_into(ev.path() / "format", out / "sys/kernel/tracing/events" / cat.path().filename() /
                                               ev.path().filename() / "format"))
        return 1;
    }
  std::ofstream avail(out / "sys/kernel/tracing/available_events");
  for (auto& e : events) avail << e << "\n";
  avail.close();
  if (!copy_into(src / "kallsyms", out / "proc/kallsyms")) return 1;
  // What kprobe wildcards expand over: the functions ftrace can attach to, minus the kernel's
  // kprobe blacklist (in debugfs).
  if (!copy_into(src / "available_filter_functions", out / "sys/kernel/tracing/available_filter_functions")) return 1;
  if (!copy_into(src / "kprobes_blacklist", out / "sys/kernel/debug/kprobes/blacklist")) return 1;
  // Readable by anyone: the tests that use it run scry without root.
  for (auto& p : fs::recursive_directory_iterator(out))
    chmod(p.path().c_str(), p.is_directory() ? 0755 : 0644);
  chmod(out.c_str(), 0755);
  return 0;
}
