// What this kernel (and this build of scry) can do, measured by trying it: helpers and map
// types probed by loading small programs, probe kinds by loading or opening what they need.
// `scry --info` prints it in bpftrace's layout, so that tools written against bpftrace's
// feature report (its runtime test suite among them) read it unchanged.
#pragma once
#include <cstdio>
#include <string>

namespace scry {

struct KernelFeatures {
  bool btf = false;           // /sys/kernel/btf/vmlinux
  bool kprobe = false;        // a kprobe PMU or tracefs kprobe_events
  bool kprobe_multi = false;  // BPF_TRACE_KPROBE_MULTI links
  bool kfunc = false;         // fentry/fexit programs load (BPF trampolines)
  bool iter_task = false, iter_task_file = false;
  bool hardware = false;         // a hardware PMU (perf_event_open of cycles)
  bool uprobe_refcount = false;  // USDT semaphores counted by the kernel
  bool probe_read_kernel = false, probe_read_user = false, get_current_cgroup_id = false, send_signal = false;
  bool override_return = false, dpath = false, loop = false, ringbuf = false;
  // Map types, in bpftrace's --info order: hash, percpu hash, array, percpu array,
  // stack_trace, perf_event_array, ringbuf.
  bool hash = false, percpu_hash = false, array = false, percpu_array = false, stack_trace = false,
       perf_event_array = false;
};

// Probed once, on first use (a few ms: each probe is a program load).
const KernelFeatures& kernel_features();
// Whether this kernel can attach kprobes at all (a kprobe PMU or tracefs kprobe_events): the
// cheap part of kernel_features(), for error messages.
bool kernel_has_kprobes();

// The `--info` report.
void print_info(FILE* out, const char* version);

// Whether this process may load and attach BPF tracing programs: CAP_BPF and CAP_PERFMON in
// its effective set, or CAP_SYS_ADMIN (root has all three).
bool has_bpf_privileges();

}  // namespace scry
