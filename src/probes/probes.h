// Probe providers: each parses its attach-point text and expands it into concrete probes.
// The runtime side of each provider (attaching) lives in runtime/attach.cpp.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "src/ast/ast.h"
#include "src/diag/diag.h"
#include "src/probes/tracepoint_format.h"
#include "src/probes/usdt.h"

namespace scry {

// One concrete probe of the program: a block of the script on one attach point.
struct ProbeInstance {
  size_t probe_index = 0;  // into Program::probes
  ProbeSpec spec;
  std::shared_ptr<TracepointFormat> format;  // tracepoints only
  // Raw tracepoints and fentry/fexit: the arguments, by position in the context's u64 array.
  std::vector<std::pair<std::string, Type>> btf_args;
  bool has_btf_args = false;
  std::vector<UsdtArg> usdt_args;  // usdt: how to find each argument
  std::string usdt_error;          // usdt: an argument that cannot be decoded
  // raw_syscalls fan-in: (system call number, the syscalls: probe's name) this instance covers.
  std::vector<std::pair<int, std::string>> fanin;
};

struct ProbeProvider {
  const char* name;
  std::vector<const char*> aliases;
  const char* help;  // attach point syntax
  // Appends the concrete probes for `ap` (split at ':') to `out`; reports errors to `diags`.
  bool (*expand)(const AttachPoint& ap, const std::vector<std::string>& parts,
                 std::vector<ProbeInstance>& out, Diagnostics& diags);
};

const std::vector<ProbeProvider>& all_providers();

// Names of raw tracepoints (btf_trace_* in BTF) and of kernel functions in BTF, sorted.
const std::vector<std::string>& raw_tracepoint_names();
const std::vector<std::string>& kernel_btf_functions();
// Text symbols of the kernel, from /proc/kallsyms (sorted, unique); loaded on first use.
const std::vector<std::string>& kernel_functions();
// Address of any kernel symbol (functions and data) from /proc/kallsyms; 0 if not found.
uint64_t kernel_symbol_address(const std::string& name);
// A path as given, or a library short name ("libc", "crypto") resolved in the loader's
// directories; "" if nothing is found.
std::string resolve_binary(const std::string& name);

// Expands every attach point of every probe, in declaration order.
bool expand_probes(const Program& prog, std::vector<ProbeInstance>& out, Diagnostics& diags);

}  // namespace scry
