#include "src/driver/environment.h"

#include <cerrno>
#include <cstdlib>

#include "src/driver/driver.h"

namespace scry {
namespace {

// The variable's value as a number in [lo, hi]; `out` unchanged when it is not set.
template <typename T>
bool read_number(const char* name, T& out, uint64_t lo, uint64_t hi, std::string& error) {
  const char* v = getenv(name);
  if (!v) return true;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = strtoull(v, &end, 10);
  if (!*v || *end || errno || n < lo || n > hi || *v == '-') {
    error = std::string("Env var '") + name + "' is not a valid value: '" + v + "' (a number from " +
            std::to_string(lo) + " to " + std::to_string(hi) + ")";
    return false;
  }
  out = T(n);
  return true;
}

}  // namespace

bool read_environment(DriverOptions& opts, std::string& error) {
  // Bytes of a string that str() reads by default (scry keeps long strings in a per-CPU
  // buffer, not on the 512-byte BPF stack, so the bound is 1024, not bpftrace's 200).
  if (!read_number("BPFTRACE_STRLEN", opts.strlen, 1, 1024, error)) return false;
  if (!opts.map_size && !read_number("BPFTRACE_MAP_KEYS_MAX", opts.map_size, 1, 1u << 30, error)) return false;
  if (!read_number("BPFTRACE_MAX_PROBES", opts.max_probes, 1, 1u << 30, error)) return false;
  if (!read_number("BPFTRACE_MAX_BPF_PROGS", opts.max_programs, 1, 1u << 30, error)) return false;
  if (!read_number("BPFTRACE_CAT_BYTES_MAX", opts.run.cat_bytes_max, 1, 1u << 30, error)) return false;
  if (!read_number("BPFTRACE_LOG_SIZE", opts.run.log_size, 1, 1u << 30, error)) return false;
  if (const char* mode = getenv("BPFTRACE_STACK_MODE")) {
    std::string m = mode;
    if (m == "bpftrace") opts.stack_mode = StackMode::Bpftrace;
    else if (m == "perf") opts.stack_mode = StackMode::Perf;
    else if (m == "raw") opts.stack_mode = StackMode::Raw;
    else {
      error = "Env var 'BPFTRACE_STACK_MODE' is not a valid value: '" + m + "' (bpftrace, perf or raw)";
      return false;
    }
  }
  int no_demangle = 0;
  if (!read_number("BPFTRACE_NO_CPP_DEMANGLE", no_demangle, 0, 1, error)) return false;
  opts.run.demangle = !no_demangle;
  return true;
}

}  // namespace scry
