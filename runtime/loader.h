// Loading a BPF object with libbpf. RAII owners for libbpf objects; one log callback.
#pragma once
#include <bpf/libbpf.h>

#include <memory>
#include <string>
#include <vector>

namespace scry {

// Everything libbpf logs goes through here: kept for error reports, printed with -v.
void route_libbpf_logs(bool verbose);
std::string take_libbpf_log();

struct BpfObjectDeleter {
  void operator()(bpf_object* o) const { bpf_object__close(o); }
};
struct BpfLinkDeleter {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};
using BpfObjectPtr = std::unique_ptr<bpf_object, BpfObjectDeleter>;
using BpfLinkPtr = std::unique_ptr<bpf_link, BpfLinkDeleter>;

// Why a load failed: the verifier's reason and, when the BTF line info says, the script line.
struct LoadError {
  std::string message;     // one line, for the user
  std::string program;     // the BPF program that was rejected, if known
  int line = 0;            // script line the verifier stopped at (0: unknown)
  std::string log;         // the full verifier log
  bool verifier = false;   // the verifier gave a reason (otherwise the load failed before it)
  bool log_too_small = false;  // -v asked for the verifier's log and it did not fit
};

// With -v, the verifier's log of each program is asked for, into `log_size` bytes
// (BPFTRACE_LOG_SIZE); the kernel refuses the program when it does not fit.
struct LoadOptions {
  bool verbose = false;
  uint32_t log_size = 1000000;
  // Programs (by name) loaded as kprobe_multi programs: a wildcard's shared kprobe program, on
  // a kernel with kprobe_multi links (the compiled object says only "kprobe").
  std::vector<std::string> kprobe_multi;
};

// Opens the ELF object from memory and loads every program and map into the kernel.
BpfObjectPtr load_object(const std::vector<uint8_t>& elf, const LoadOptions& lo, LoadError& err);

// Parses a verifier log for the last "; source @ file:line" annotation and the reason.
void explain_verifier_log(const std::string& log, LoadError& err);

}  // namespace scry
