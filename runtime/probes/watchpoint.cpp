#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/fd.h"
#include "runtime/probes/attacher.h"

namespace scry {

namespace {

// A hardware breakpoint in the -p/-c process, on its own accesses only.
bool attach(bpf_program* prog, const ProbeSpec& p, int pid, Attachments& out, std::string& error) {
  if (pid <= 0) {
    error = p.name + " needs a process to watch: use -p PID or -c CMD";
    return false;
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
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  UniqueFd fd(int(syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC)));
  if (!keep_link(fd.valid() ? bpf_program__attach_perf_event(prog, fd.get()) : nullptr, p, out, error)) return false;
  fd.release();  // the link closes it
  return true;
}

}  // namespace

const std::vector<Attacher>& watchpoint_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Watchpoint}, attach, true}};
  return a;
}

}  // namespace scry
