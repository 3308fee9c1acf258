// bpftrace's environment variables (BPFTRACE_*), which scry honours so that the settings of
// bpftrace users carry over. scry's own (SCRY_*) are read where they are used.
#pragma once
#include <string>

namespace scry {

struct DriverOptions;

// Reads the variables into `opts`. A value that is not a number in its range is an error:
// false, with the message in `error`.
bool read_environment(DriverOptions& opts, std::string& error);

}  // namespace scry
