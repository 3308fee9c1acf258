// interval (one timer, on CPU 0, like bpftrace), profile, software and hardware (a perf event
// on every CPU).
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/fd.h"
#include "runtime/probes/attacher.h"

namespace scry {

namespace {

bool attach_on_cpu(bpf_program* prog, const ProbeSpec& p, int cpu, Attachments& out, std::string& error) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  bool counted = p.kind == ProbeKind::Software || p.kind == ProbeKind::Hardware;
  attr.type = p.kind == ProbeKind::Hardware ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
  attr.config = counted ? p.sw_config : uint64_t(PERF_COUNT_SW_CPU_CLOCK);
  if (counted) {
    attr.sample_period = p.sw_period;
  } else if (p.freq_hz) {
    attr.freq = 1;
    attr.sample_freq = p.freq_hz;
  } else {
    attr.sample_period = p.period_ns;
  }
  UniqueFd fd(int(syscall(SYS_perf_event_open, &attr, -1 /* all tasks */, cpu, -1, PERF_FLAG_FD_CLOEXEC)));
  if (!fd.valid()) {
    int e = errno;
    error = "could not attach " + p.name + ": perf_event_open: " + strerror(e);
    if (p.kind == ProbeKind::Hardware && (e == ENOENT || e == EOPNOTSUPP) &&
        access("/sys/bus/event_source/devices/cpu", F_OK) != 0)
      error +=
          ": this machine has no hardware performance counters (no 'cpu' PMU in "
          "/sys/bus/event_source/devices, as in many VMs); software:cpu-clock or profile: work instead";
    return false;
  }
  if (!keep_link(bpf_program__attach_perf_event(prog, fd.get()), p, out, error)) return false;
  fd.release();  // the link closes the perf event fd
  return true;
}

bool attach_interval(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
  return attach_on_cpu(prog, p, 0, out, error);
}

bool attach_every_cpu(bpf_program* prog, const ProbeSpec& p, int, Attachments& out, std::string& error) {
  int ncpu = libbpf_num_possible_cpus();
  for (int cpu = 0; cpu < ncpu; cpu++)
    if (!attach_on_cpu(prog, p, cpu, out, error)) return false;
  return true;
}

}  // namespace

const std::vector<Attacher>& perf_event_attachers() {
  static const std::vector<Attacher> a = {
      {{ProbeKind::Interval}, attach_interval},
      {{ProbeKind::Profile, ProbeKind::Software, ProbeKind::Hardware}, attach_every_cpu, true},
  };
  return a;
}

}  // namespace scry
