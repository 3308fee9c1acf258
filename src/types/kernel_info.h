// What the compiler knows of the kernel it compiles for: its BTF, its tracepoints (tracefs)
// and its symbols (kallsyms), through one interface. The machine's kernel is read from /sys
// and /proc; another can be read from a directory laid out the same way (SCRY_KERNEL_ROOT=DIR:
// DIR/sys/kernel/btf/vmlinux, DIR/sys/kernel/tracing/{available_events,events/*/*/format},
// DIR/proc/kallsyms), which is how the compiler is tested without a kernel and without root
// (tests/fake_kernel builds one).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scry {

class KernelBtf;
struct TracepointFormat;

class KernelInfo {
 public:
  virtual ~KernelInfo() = default;
  // The kernel's BTF; nullptr if it has none.
  virtual KernelBtf* btf() = 0;
  // Whether its tracepoints can be read (tracefs is mounted, and readable).
  virtual bool has_tracefs() = 0;
  // "category:event" of every tracepoint, sorted.
  virtual const std::vector<std::string>& tracepoints() = 0;
  // A tracepoint's argument layout; nullptr if there is no such tracepoint.
  virtual std::shared_ptr<TracepointFormat> tracepoint_format(const std::string& category,
                                                              const std::string& event) = 0;
  // Text symbols of the kernel itself (not of modules), sorted and unique: what kprobes name.
  virtual const std::vector<std::string>& functions() = 0;
  // Functions ftrace can attach to (tracefs available_filter_functions, modules' too), minus
  // those kprobes refuse (debugfs kprobes/blacklist), sorted and unique: what a kprobe
  // wildcard expands over. Empty when tracefs does not say (then functions() is used).
  virtual const std::vector<std::string>& traceable_functions() = 0;
  // Whether kprobes refuse `name` (in the kernel's kprobe blacklist: probing it could crash).
  virtual bool kprobe_blacklisted(const std::string& name) = 0;
  // Makes a module's BTF (sys/kernel/btf/MODULE) part of btf(): its functions and types;
  // false with the reason if it cannot be read (see KernelBtf::add_module).
  virtual bool add_module_btf(const std::string& module, std::string& error) = 0;
  // The first of "vmlinux" and the modules with BTF (sys/kernel/btf) whose name matches
  // `module_pattern` and that has a function matching `function_pattern`; "" if none has.
  virtual std::string btf_module_with_function(const std::string& module_pattern,
                                               const std::string& function_pattern) = 0;
  // A symbol's address (functions and data); 0 if there is none.
  virtual uint64_t symbol_address(const std::string& name) = 0;
  // Bytes from a function's start to the next symbol's; 0 if not known.
  virtual uint64_t function_size(const std::string& name) = 0;
};

// The kernel the compiler compiles for: the machine's, or the one SCRY_KERNEL_ROOT names. Chosen
// once, on first use (what the compiler read of it is cached for the rest of the run).
KernelInfo& kernel();
// A kernel read from a directory laid out as / is ("" for the machine's own).
std::unique_ptr<KernelInfo> kernel_from_root(const std::string& root);

}  // namespace scry
