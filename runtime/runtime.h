// Running a compiled program: load, attach, event loop, END, final map printing, detach.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/loader.h"
#include "runtime/manifest.h"
#include "runtime/output/output.h"

namespace scry {

struct RunOptions {
  bool quiet = false;      // -q: no "Attaching N probes..."
  bool dry_run = false;    // load, but attach and run nothing
  bool verbose = false;
  FILE* out = stdout;      // -o FILE
  OutputFormat format = OutputFormat::Text;  // -f text|json|folded
  int buffering = _IOLBF;  // -B line|full|none: _IOLBF, _IOFBF, _IONBF
  Output* output = nullptr;  // made by the caller for `out` and `format`
  std::vector<std::string> command;  // -c CMD: argv of the command to trace
  int pid = 0;             // -p PID: uprobes in that process only; stop when it exits
  bool warn_missing = false;  // --missing-probes=warn
  size_t cat_bytes_max = 10240;  // BPFTRACE_CAT_BYTES_MAX: what cat() prints of a file, at most
  uint32_t log_size = 1000000;   // BPFTRACE_LOG_SIZE: bytes of the verifier's log that -v asks for
  bool demangle = true;         // BPFTRACE_NO_CPP_DEMANGLE=1: C++ names in stacks as in the binary
  bool truncate_out = false;     // -o FILE: emptied once the program has loaded, not before
  // --metrics [ADDR:]PORT: the maps served to Prometheus while the program runs (port -1: not)
  std::string metrics_host = "0.0.0.0";
  int metrics_port = -1;
  std::vector<int64_t> params;  // a compiled program's $1..$N (Manifest::runtime_params)
};

// Returns the process exit code. Load failures are returned in `load_error` (exit code 1)
// so that the caller can point at the script line.
int run_program(const std::vector<uint8_t>& elf, const Manifest& m, const RunOptions& opts,
                LoadError& load_error);

}  // namespace scry
