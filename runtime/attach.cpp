#include "runtime/attach.h"
#include "runtime/tracefs.h"

#include <bpf/bpf.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <thread>
#include <cstring>

namespace scry {

bool Attachments::run_iterators(std::string& error) {
  for (bpf_link* link : iterators) {
    int fd = bpf_iter_create(bpf_link__fd(link));
    if (fd < 0) {
      error = std::string("could not start an iterator: ") + strerror(errno);
      return false;
    }
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
  }
  return true;
}

void Attachments::detach_all() {
  iterators.clear();
  if (links.size() < 4) {
    links.clear();
    return;
  }
  size_t nthreads = std::min<size_t>(links.size(), 64);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < nthreads; t++)
    threads.emplace_back([&] {
      for (size_t i = next++; i < links.size(); i = next++) links[i].reset();
    });
  for (auto& th : threads) th.join();
  links.clear();
}

namespace {

// Keeps `link`, or says why there is none (errno); false then.
bool keep(bpf_link* link, const ProbeSpec& p, Attachments& out, std::string& error) {
  if (!link) {
    error = "could not attach " + p.name + ": " + strerror(errno);
    return false;
  }
  out.links.emplace_back(link);
  return true;
}

int perf_event_open(perf_event_attr* attr, int cpu) {
  return int(syscall(SYS_perf_event_open, attr, -1 /* all tasks */, cpu, -1, PERF_FLAG_FD_CLOEXEC));
}

bool attach_perf(bpf_program* prog, const ProbeSpec& p, int cpu, Attachments& out, std::string& error) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = p.kind == ProbeKind::Hardware ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
  attr.config = p.kind == ProbeKind::Software || p.kind == ProbeKind::Hardware ? p.sw_config
                                                                                : uint64_t(PERF_COUNT_SW_CPU_CLOCK);
  if (p.kind == ProbeKind::Software || p.kind == ProbeKind::Hardware) {
    attr.sample_period = p.sw_period;
  } else if (p.freq_hz) {
    attr.freq = 1;
    attr.sample_freq = p.freq_hz;
  } else {
    attr.sample_period = p.period_ns;
  }
  int fd = perf_event_open(&attr, cpu);
  if (fd < 0) {
    int e = errno;
    error = "could not attach " + p.name + ": perf_event_open: " + strerror(e);
    if (p.kind == ProbeKind::Hardware && (e == ENOENT || e == EOPNOTSUPP) &&
        access("/sys/bus/event_source/devices/cpu", F_OK) != 0)
      error += ": this machine has no hardware performance counters (no 'cpu' PMU in "
               "/sys/bus/event_source/devices, as in many VMs); software:cpu-clock or profile: work instead";
    return false;
  }
  bpf_link* link = bpf_program__attach_perf_event(prog, fd);
  if (!link) {
    int e = errno;
    close(fd);
    error = "could not attach " + p.name + ": " + strerror(e);
    return false;
  }
  out.links.emplace_back(link);  // the link closes the perf event fd
  return true;
}

}  // namespace

size_t probe_count(const Manifest& m) {
  size_t n = 0;
  for (auto& p : m.probes) n += p.listed;
  return n;
}

bool kernel_has_kprobes() {
  return access("/sys/bus/event_source/devices/kprobe", F_OK) == 0 ||
         access("/sys/kernel/tracing/kprobe_events", F_OK) == 0;
}

bool attach_probes(bpf_object* obj, const Manifest& m, int pid, bool warn_only, Attachments& out,
                   std::string& error, std::vector<std::string>& skipped_messages) {
  size_t skipped = 0;
  for (auto& p : m.probes) {
    if (!p.attach) continue;
    bpf_program* prog = bpf_object__find_program_by_name(obj, p.prog_name.c_str());
    if (!prog) {
      error = "internal error: program " + p.prog_name + " of " + p.name + " is missing";
      out.detach_all();
      return false;
    }
    bool ok = true;
    switch (p.kind) {
      case ProbeKind::Begin:
      case ProbeKind::End:
        continue;
      case ProbeKind::Tracepoint:
        tracefs_root();  // libbpf reads the tracepoint's id there: mounted if it is not
        ok = keep(bpf_program__attach_tracepoint(prog, p.category.c_str(), p.event.c_str()), p, out, error);
        break;
      case ProbeKind::Interval:
        // One timer, on CPU 0, like bpftrace.
        ok = attach_perf(prog, p, 0, out, error);
        break;
      case ProbeKind::Iter:
        ok = keep(bpf_program__attach_iter(prog, nullptr), p, out, error);
        if (ok) out.iterators.push_back(out.links.back().get());
        break;
      case ProbeKind::Watchpoint: {
        if (pid <= 0) {
          error = p.name + " needs a process to watch: use -p PID or -c CMD";
          ok = false;
          break;
        }
        perf_event_attr attr{};
        attr.size = sizeof attr;
        attr.type = PERF_TYPE_BREAKPOINT;
        attr.bp_addr = p.wp_addr;
        attr.bp_len = p.wp_len;
        attr.bp_type = (p.wp_mode & 1 ? HW_BREAKPOINT_R : 0) | (p.wp_mode & 2 ? HW_BREAKPOINT_W : 0) |
                       (p.wp_mode & 4 ? HW_BREAKPOINT_X : 0);
        attr.sample_period = 1;
        attr.precise_ip = 2;
        attr.exclude_kernel = 1;  // only the process's own accesses
        attr.exclude_hv = 1;
        int fd = int(syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC));
        ok = keep(fd >= 0 ? bpf_program__attach_perf_event(prog, fd) : nullptr, p, out, error);
        if (!ok && fd >= 0) close(fd);
        break;
      }
      case ProbeKind::RawTracepoint:
      case ProbeKind::Fentry:
      case ProbeKind::Fexit:
        ok = keep(bpf_program__attach_trace(prog), p, out, error);
        break;
      case ProbeKind::Profile:
      case ProbeKind::Hardware:
      case ProbeKind::Software: {
        int ncpu = libbpf_num_possible_cpus();
        for (int cpu = 0; cpu < ncpu && ok; cpu++) ok = attach_perf(prog, p, cpu, out, error);
        break;
      }
      case ProbeKind::Kprobe:
      case ProbeKind::Kretprobe: {
        LIBBPF_OPTS(bpf_kprobe_opts, kopts, .offset = p.offset, .retprobe = p.kind == ProbeKind::Kretprobe);
        ok = keep(bpf_program__attach_kprobe_opts(prog, p.func.c_str(), &kopts), p, out, error);
        if (!ok && !kernel_has_kprobes())
          error += ": this kernel cannot attach kprobes (no kprobe PMU in "
                   "/sys/bus/event_source/devices and no kprobe_events in tracefs)";
        if (!ok && !p.hint.empty()) error += "\n  instead, try: " + p.hint;
        break;
      }
      case ProbeKind::Uprobe:
      case ProbeKind::Uretprobe:
      case ProbeKind::Usdt: {
        // A USDT probe is a uprobe at its location; the kernel counts the semaphore up
        // while it is attached, so the program runs the probe's is-enabled code.
        LIBBPF_OPTS(bpf_uprobe_opts, uopts, .ref_ctr_offset = p.ref_ctr_offset,
                    .retprobe = p.kind == ProbeKind::Uretprobe,
                    .func_name = p.func.empty() ? nullptr : p.func.c_str());
        ok = keep(bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1, p.path.c_str(), p.offset, &uopts),
                  p, out, error);
        break;
      }
    }
    if (!ok && warn_only) {
      skipped_messages.push_back(error);
      error.clear();
      skipped++;
      continue;
    }
    if (!ok) {
      out.detach_all();
      return false;
    }
  }
  size_t attachable = 0;
  for (auto& p : m.probes) attachable += p.attach && p.kind != ProbeKind::Begin && p.kind != ProbeKind::End;
  if (attachable && skipped == attachable) {
    error = "none of the probes could be attached";
    out.detach_all();
    return false;
  }
  return true;
}

bool run_special(bpf_object* obj, const Manifest& m, ProbeKind kind, std::string& error) {
  for (auto& p : m.probes) {
    if (p.kind != kind) continue;
    bpf_program* prog = bpf_object__find_program_by_name(obj, p.prog_name.c_str());
    if (!prog) continue;
    uint64_t ctx[1] = {0};
    LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof ctx);
    if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0) {
      error = "could not run " + p.name + ": " + strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace scry
