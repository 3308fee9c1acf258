// The driver: the whole pipeline, top to bottom, in one function.
#pragma once
#include <string>
#include <vector>

#include <chrono>
#include <cstdio>

#include "runtime/runtime.h"
#include "src/ast/ast.h"
#include "src/codegen/codegen.h"
#include "src/diag/diag.h"
#include "src/probes/probes.h"

namespace scry {

struct DriverOptions {
  std::string source;      // the script text
  std::string filename;    // for diagnostics: the script path or "stdin" for -e
  std::vector<std::string> params;  // $1..$N
  std::string dump;        // "", "ast", "typed", "ir", "elf"
  bool timings = false;    // -v: per-phase timings
  bool unsafe = false;     // --unsafe
  uint32_t helper_check = 0;  // -k: 1, -kk: 2 (Manifest::helper_check)
  StackMode stack_mode = StackMode::Bpftrace;  // BPFTRACE_STACK_MODE
  uint64_t map_memory = 0;  // --map-memory: kernel memory one map may take (0: a quarter of RAM)
  bool list = false, list_verbose = false;  // -l with a program: list its probes
  uint32_t map_size = 0;   // --map-size (0: the default)
  uint32_t strlen = 0;     // BPFTRACE_STRLEN: bytes str() reads by default (0: 64)
  // Refused above these (BPFTRACE_MAX_PROBES, BPFTRACE_MAX_BPF_PROGS): attaching tens of
  // thousands of kprobes can stall a machine, and compiling as many programs takes minutes.
  // bpftrace's limits are 512; scry's are higher because it attaches and compiles them in
  // a fraction of the time (all 720 syscall tracepoints in well under a second).
  size_t max_probes = 4096;
  size_t max_programs = 4096;
  std::string compile_to;  // --compile -o FILE: write the compiled program there and stop
  bool runtime_params = false;  // SemaOptions::runtime_params
  bool hist_sums = false;  // histograms keep their sums (--metrics, --compile: Prometheus' _sum)
  bool cache = true;       // --no-cache: compile even if the compile cache has the program
  std::vector<std::string> includes;      // --include FILE: as an #include before the program
  std::vector<std::string> include_dirs;  // -I DIR: where #include looks first
  RunOptions run;
};

// Prints how long each phase took (-v).
struct PhaseTimer {
  bool on;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  void done(const char* phase) {
    auto now = std::chrono::steady_clock::now();
    if (on)
      fprintf(stderr, "scry: %-8s %8.3f ms\n", phase,
              std::chrono::duration<double, std::milli>(now - start).count());
    start = now;
  }
};

// The compiler's passes, top to bottom: preprocess and parse; expand the attach points into
// probes; one copy of its block per probe; types (sema); BPF code (codegen). Stops after
// `last`; false after errors, which are in `diags`.
enum class Stage { Parse, Probes, Typed, Code };
struct Compilation {
  Program prog;
  std::vector<ProbeInstance> instances;
  Manifest manifest;
  CodegenResult code;
};
bool compile(const DriverOptions& opts, Diagnostics& diags, Compilation& out, Stage last = Stage::Code,
             PhaseTimer* timer = nullptr);

// Everything scry does with a script: the compile cache, compile(), and running the program.
// Returns the process exit code.
int run_driver(const DriverOptions& opts);

}  // namespace scry
