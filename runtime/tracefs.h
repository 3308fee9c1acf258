// Where tracefs is: the compiler reads tracepoint formats from it, and libbpf attaches
// tracepoints through it (also when a program comes from the compile cache, unparsed).
#pragma once
#include <string>

namespace scry {

// The tracefs directory, mounting tracefs at /sys/kernel/tracing if nothing is mounted.
// Returns "" if tracefs cannot be found or mounted.
const std::string& tracefs_root();

}  // namespace scry
