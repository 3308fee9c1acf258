// Wall-clock times as time() and strftime() print them.
#pragma once

#include <cstdint>
#include <string>

namespace scry::fmt {

// CLOCK_REALTIME minus CLOCK_MONOTONIC, in nanoseconds: what turns a BPF timestamp (nsecs,
// since boot) into a wall time. Measured once, so that two timestamps of one run keep their
// distance to the nanosecond.
int64_t boot_to_wall_ns();

// The current wall time, in nanoseconds since the epoch.
int64_t wall_now_ns();

// strftime(3) of `wall_ns` (nanoseconds since the epoch) in local time, with bpftrace's
// extension %f: the microseconds, six digits.
std::string format_wall_time(const std::string& format, int64_t wall_ns);

}  // namespace scry::fmt
