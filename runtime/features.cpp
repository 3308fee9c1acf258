#include "runtime/features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <memory>

#include "runtime/fd.h"

namespace scry {

namespace {

// r0 = 0; exit: the smallest program every type accepts.
const bpf_insn kReturnZero[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

bool exists(const char* path) { return access(path, F_OK) == 0; }

bool has_helper(bpf_prog_type type, bpf_func_id helper) { return libbpf_probe_bpf_helper(type, helper, nullptr) == 1; }

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};

// A tracing program of `attach` type on the kernel function `func` (by its BTF id).
UniqueFd load_tracing(btf* vmlinux, bpf_attach_type attach, const char* func) {
  if (!vmlinux) return UniqueFd();
  int id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
  if (id <= 0) return UniqueFd();
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach, .attach_btf_id = uint32_t(id));
  return UniqueFd(bpf_prog_load(BPF_PROG_TYPE_TRACING, "scry_probe", "GPL", kReturnZero, 2, &opts));
}

// fentry loads only where the kernel has BPF trampolines and allows them.
bool fentry_loads(btf* vmlinux) {
  for (const char* f : {"bpf_fentry_test1", "vfs_read"})
    if (load_tracing(vmlinux, BPF_TRACE_FENTRY, f).valid()) return true;
  return false;
}

bool kprobe_multi_links() {
  LIBBPF_OPTS(bpf_prog_load_opts, lopts, .expected_attach_type = BPF_TRACE_KPROBE_MULTI);
  UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_KPROBE, "scry_probe", "GPL", kReturnZero, 2, &lopts));
  if (!prog.valid()) return false;
  const char* syms[] = {"vfs_read"};
  LIBBPF_OPTS(bpf_link_create_opts, opts);
  opts.kprobe_multi.cnt = 1;
  opts.kprobe_multi.syms = syms;
  return UniqueFd(bpf_link_create(prog.get(), 0, BPF_TRACE_KPROBE_MULTI, &opts)).valid();
}

bool hardware_counters() {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_HARDWARE;
  attr.size = sizeof attr;
  attr.config = PERF_COUNT_HW_CPU_CYCLES;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  return UniqueFd(int(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0))).valid();
}

KernelFeatures probe_features() {
  KernelFeatures f;
  f.btf = exists("/sys/kernel/btf/vmlinux");
  std::unique_ptr<btf, BtfDeleter> vmlinux(f.btf ? btf__load_vmlinux_btf() : nullptr);
  if (vmlinux && libbpf_get_error(vmlinux.get())) vmlinux.release();
  f.kprobe = kernel_has_kprobes();
  f.kprobe_multi = f.kprobe && kprobe_multi_links();
  f.kfunc = fentry_loads(vmlinux.get());
  f.iter_task = load_tracing(vmlinux.get(), BPF_TRACE_ITER, "bpf_iter_task").valid();
  f.iter_task_file = load_tracing(vmlinux.get(), BPF_TRACE_ITER, "bpf_iter_task_file").valid();
  f.hardware = hardware_counters();
  f.uprobe_refcount = exists("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset");
  f.probe_read_kernel = has_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_probe_read_kernel);
  f.probe_read_user = has_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_probe_read_user);
  f.get_current_cgroup_id = has_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_get_current_cgroup_id);
  f.send_signal = has_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_send_signal);
  f.override_return = f.kprobe && has_helper(BPF_PROG_TYPE_KPROBE, BPF_FUNC_override_return);
  // bpf_loop (5.17) implies bounded loops (5.3); scry needs it for print() and for-loops.
  f.loop = has_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_loop);
  f.ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) == 1;
  f.hash = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_HASH, nullptr) == 1;
  f.percpu_hash = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERCPU_HASH, nullptr) == 1;
  f.array = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_ARRAY, nullptr) == 1;
  f.percpu_array = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERCPU_ARRAY, nullptr) == 1;
  f.stack_trace = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_STACK_TRACE, nullptr) == 1;
  f.perf_event_array = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERF_EVENT_ARRAY, nullptr) == 1;
  // path() (bpf_d_path) is not implemented by scry yet, whatever the kernel allows.
  f.dpath = false;
  return f;
}

const char* yn(bool b) { return b ? "yes" : "no"; }

}  // namespace

bool kernel_has_kprobes() {
  return exists("/sys/bus/event_source/devices/kprobe") || exists("/sys/kernel/tracing/kprobe_events") ||
         exists("/sys/kernel/debug/tracing/kprobe_events");
}

const KernelFeatures& kernel_features() {
  static const KernelFeatures f = probe_features();
  return f;
}

void print_info(FILE* out, const char* version) {
  libbpf_set_print(nullptr);  // the probes' failures are answers, not errors
  const KernelFeatures& f = kernel_features();
  utsname u{};
  uname(&u);
  fprintf(out, "System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version, u.machine);
  fprintf(out, "Build\n  version: scry %s\n  LLVM: %d\n  unsafe uprobe: no\n  bfd: no\n", version, SCRY_LLVM_MAJOR);
  fprintf(out, "  libdw (DWARF support): yes\n  bcc library path resolution: yes\n\n");
  fprintf(out, "Kernel helpers\n");
  fprintf(out, "  probe_read_kernel: %s\n  probe_read_kernel_str: %s\n", yn(f.probe_read_kernel),
          yn(f.probe_read_kernel));
  fprintf(out, "  probe_read_user: %s\n  probe_read_user_str: %s\n", yn(f.probe_read_user), yn(f.probe_read_user));
  fprintf(out, "  get_current_cgroup_id: %s\n  send_signal: %s\n", yn(f.get_current_cgroup_id), yn(f.send_signal));
  fprintf(out, "  override_return: %s\n  dpath: %s\n  skboutput: no\n\n", yn(f.override_return), yn(f.dpath));
  fprintf(out, "Kernel features\n  Loop support: %s\n  btf: %s\n", yn(f.loop), yn(f.btf));
  fprintf(out, "  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): %s\n\n", yn(f.uprobe_refcount));
  fprintf(out,
          "Map types\n  hash: %s\n  percpu hash: %s\n  array: %s\n  percpu array: %s\n  stack_trace: %s\n"
          "  perf_event_array: %s\n  ringbuf: %s\n\n",
          yn(f.hash), yn(f.percpu_hash), yn(f.array), yn(f.percpu_array), yn(f.stack_trace), yn(f.perf_event_array),
          yn(f.ringbuf));
  fprintf(out, "Probe types\n  kprobe: %s\n  tracepoint: yes\n  perf_event: yes\n", yn(f.kprobe));
  fprintf(out, "  hardware: %s\n  kfunc: %s\n", yn(f.hardware), yn(f.kfunc));
  fprintf(out, "  iter:task: %s\n  iter:task_file: %s\n", yn(f.iter_task), yn(f.iter_task_file));
  fprintf(out, "  kprobe_multi: %s\n", yn(f.kprobe_multi));
}

bool has_bpf_privileges() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return geteuid() == 0;
  auto has = [&](int cap) { return (data[cap / 32].effective >> (cap % 32)) & 1; };
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

}  // namespace scry
