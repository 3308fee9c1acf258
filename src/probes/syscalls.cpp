#include "src/probes/syscalls.h"

#include <cstdint>
#include <cstring>
#include <map>

namespace scry {

namespace {

const std::map<std::string, int>& numbers() {
  static const std::map<std::string, int> table = {
#include "syscall_numbers.inc"
      // Tracepoints named after the kernel's function rather than the system call.
      {"newstat", 4}, {"newfstat", 5}, {"newlstat", 6}, {"newuname", 63}, {"sendfile64", 40},
      {"umount", 166},
      // Newer than the uapi headers of Debian 12 (x86-64 numbers are fixed once assigned).
      {"cachestat", 451}, {"fchmodat2", 452}, {"map_shadow_stack", 453}, {"futex_wake", 454},
      {"futex_wait", 455}, {"futex_requeue", 456}, {"statmount", 457}, {"listmount", 458},
      {"lsm_get_self_attr", 459}, {"lsm_set_self_attr", 460}, {"lsm_list_modules", 461},
      {"mseal", 462}, {"setxattrat", 463}, {"getxattrat", 464}, {"listxattrat", 465},
      {"removexattrat", 466}, {"open_tree_attr", 467},
  };
  return table;
}

}  // namespace

int syscall_number(const std::string& name) {
  auto it = numbers().find(name);
  return it == numbers().end() ? -1 : it->second;
}

void fan_in_syscalls(const Program& prog, std::vector<ProbeInstance>& instances) {
  std::vector<ProbeInstance> out;
  for (size_t i = 0; i < instances.size();) {
    // A run of instances of one block: the expansion keeps them together.
    size_t j = i;
    while (j < instances.size() && instances[j].probe_index == instances[i].probe_index) j++;
    const size_t block = instances[i].probe_index;
    const Probe& probe = prog.probes[block];
    bool uses_args =
        probe_mentions(probe, [](const Expr& e) { return e.kind == ExprKind::Builtin && e.str == "args"; });
    for (const char* dir : {"sys_enter_", "sys_exit_"}) {
      ProbeInstance fan;
      for (size_t k = i; k < j && !uses_args; k++) {
        const ProbeSpec& s = instances[k].spec;
        if (s.kind != ProbeKind::Tracepoint || s.category != "syscalls" || s.event.rfind(dir, 0) != 0) continue;
        int nr = syscall_number(s.event.substr(strlen(dir)));
        if (nr >= 0) fan.fanin.emplace_back(nr, s.name);
      }
      if (fan.fanin.size() < 2) continue;
      fan.probe_index = block;
      fan.spec.kind = ProbeKind::Tracepoint;
      fan.spec.category = "raw_syscalls";
      fan.spec.event = std::string(dir) == "sys_enter_" ? "sys_enter" : "sys_exit";
      fan.spec.name = "tracepoint:raw_syscalls:" + fan.spec.event;
      fan.spec.listed = false;  // the syscalls: tracepoints it covers are listed instead
      fan.format = load_tracepoint_format("raw_syscalls", fan.spec.event);
      if (!fan.format) continue;
      // Drop the tracepoints the new instance covers.
      for (size_t k = i; k < j; k++)
        for (auto& [nr, name] : fan.fanin)
          if (instances[k].spec.name == name) instances[k].probe_index = SIZE_MAX;
      out.push_back(fan);
    }
    for (size_t k = i; k < j; k++)
      if (instances[k].probe_index != SIZE_MAX) out.push_back(instances[k]);
    i = j;
  }
  instances = std::move(out);
}

}  // namespace scry
