#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

bool arm_watchpoint(bpf_object* obj, const Manifest& m, uint32_t setup, uint64_t addr, int pid, Attachments& out,
                    std::string& error) {
  // The watchpoint is the probe after its setup probe (src/probes/watchpoint.cpp).
  if (setup + 1 >= m.probes.size() || m.probes[setup + 1].kind != ProbeKind::Watchpoint) return true;
  for (auto& [key, link] : out.watched)
    if (key == std::make_pair(setup, addr)) return true;  // watched already
  ProbeSpec p = m.probes[setup + 1];
  p.wp_addr = addr;
  bpf_program* prog = bpf_object__find_program_by_name(obj, p.prog_name.c_str());
  Attachments one;
  if (!prog || !attach(prog, p, pid, one, error)) {
    if (errno == ENOSPC || error.find(strerror(ENOSPC)) != std::string::npos) error = "Failed to attach watchpoint probe. You are out of watchpoint registers.";
    return false;
  }
  out.watched.emplace_back(std::make_pair(setup, addr), std::move(one.links.back()));
  one.links.clear();
  return true;
}

void unwatch(Attachments& out, uint64_t addr) {
  auto gone = std::remove_if(out.watched.begin(), out.watched.end(), [&](auto& w) { return w.first.second == addr; });
  out.watched.erase(gone, out.watched.end());  // the links detach as they go
}

const std::vector<Attacher>& watchpoint_attachers() {
  static const std::vector<Attacher> a = {{{ProbeKind::Watchpoint}, attach, true}};
  return a;
}

}  // namespace scry
