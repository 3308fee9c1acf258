// Concrete probes, what the probe providers (src/probes/provider.h) expand attach points into,
// and what they share: kernel function and raw tracepoint names, binaries by library name.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "src/ast/ast.h"
#include "src/diag/diag.h"
#include "src/probes/tracepoint_format.h"
#include "src/probes/usdt_notes.h"

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
  // kprobes: the wildcard attach point this probe is one match of ("kprobe:vfs_*"); "" when
  // the function was named in full. Matches of one wildcard may share a kprobe_multi program.
  std::string pattern;
  // raw_syscalls fan-in: (system call number, the syscalls: probe's name) this instance covers.
  std::vector<std::pair<int, std::string>> fanin;
};

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

// Tracepoints close to a kernel function, for when kprobes or fentry cannot attach:
// vfs_read -> "tracepoint:syscalls:sys_enter_read" (sys_exit_read for return probes).
std::string tracepoint_hint(const std::string& func, bool ret);

// "a:b:c" -> {"a", "b", "c"}
std::vector<std::string> split(const std::string& s, char sep);
// An attach point's fields: split at colons outside double quotes, the quotes removed and the
// escapes in them (\" and \\) undone, so that `uprobe:bin:"ns::f"` names the function ns::f.
std::vector<std::string> split_attach_point(const std::string& s);
bool has_wildcard(const std::string& s);
// FUNC or FUNC+OFFSET; false if the offset is not a number.
bool split_offset(const std::string& s, std::string& func, uint64_t& off);
bool parse_u64(const std::string& s, uint64_t& v);

// Expands every attach point of every probe, in declaration order.
// $N in attach points are `params` (positional parameters).
bool expand_probes(const Program& prog, std::vector<ProbeInstance>& out, Diagnostics& diags,
                   const std::vector<std::string>& params = {});

// One program for all of a wildcard's matches (per block and attach point) in place of one
// program each: it loads once, and attaches to every function in one kprobe_multi link where
// the kernel has them (one link per function elsewhere); the attach cookie tells which
// function fired. Not when the block names `probe` (bpftrace then makes a program per
// function, and its tests count them), and not for modules' functions (kernels before 6.3
// find kprobe_multi's symbols in vmlinux alone).
void share_kprobe_programs(const Program& prog, std::vector<ProbeInstance>& instances);

}  // namespace scry
