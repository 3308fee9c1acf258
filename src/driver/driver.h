// The driver: the whole pipeline, top to bottom, in one function.
#pragma once
#include <string>
#include <vector>

#include "runtime/runtime.h"

namespace scry {

struct DriverOptions {
  std::string source;      // the script text
  std::string filename;    // for diagnostics: the script path or "stdin" for -e
  std::vector<std::string> params;  // $1..$N
  std::string dump;        // "", "ast", "typed", "ir", "elf"
  bool timings = false;    // -v: per-phase timings
  bool unsafe = false;     // --unsafe
  bool list = false, list_verbose = false;  // -l with a program: list its probes
  uint32_t map_size = 0;   // --map-size (0: the default)
  bool cache = true;       // --no-cache: compile even if the compile cache has the program
  RunOptions run;
};

// Returns the process exit code.
int run_driver(const DriverOptions& opts);

}  // namespace scry
