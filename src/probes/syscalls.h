// System call numbers, for attaching one program to raw_syscalls instead of one per
// syscalls:sys_enter_* tracepoint (each of those costs an RCU grace period to detach).
#pragma once
#include <string>
#include <vector>

#include "src/probes/probes.h"

namespace scry {

// The x86-64 number of a system call by its tracepoint name ("read", "openat"); -1 if unknown.
int syscall_number(const std::string& name);

// Where a probe block covers two or more syscalls:sys_enter_* (or sys_exit_*) tracepoints and
// does not read `args` (whose layout differs per system call), replaces them with one instance
// on raw_syscalls:sys_enter (sys_exit) that picks the probe by the system call's number.
void fan_in_syscalls(const Program& prog, std::vector<ProbeInstance>& instances);

}  // namespace scry
