#include "runtime/loader.h"

#include "runtime/features.h"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace scry {

namespace {
bool g_verbose = false;
std::string g_log;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG && !g_verbose) return 0;
  char buf[4096];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(buf, sizeof buf, fmt, copy);
  va_end(copy);
  if (n >= int(sizeof buf)) {
    std::string big(size_t(n) + 1, '\0');
    vsnprintf(big.data(), big.size(), fmt, args);
    big.resize(size_t(n));
    g_log += big;
  } else if (n > 0) {
    g_log += buf;
  }
  if (g_verbose) fputs(buf, stderr);
  return 0;
}
}  // namespace

void route_libbpf_logs(bool verbose) {
  g_verbose = verbose;
  libbpf_set_print(libbpf_print);
}

std::string take_libbpf_log() {
  std::string s;
  s.swap(g_log);
  return s;
}

void explain_verifier_log(const std::string& log, LoadError& err) {
  std::istringstream in(log);
  std::string line, reason, last_source;
  bool in_log = false;
  while (std::getline(in, line)) {
    size_t named = line.find("libbpf: prog '");
    if (named != std::string::npos && err.program.empty())
      err.program = line.substr(named + 14, line.find('\'', named + 14) - named - 14);
    if (line.find("-- BEGIN PROG LOAD LOG --") != std::string::npos) {
      in_log = true;
      size_t q = line.find("prog '");
      if (q != std::string::npos) err.program = line.substr(q + 6, line.find('\'', q + 6) - q - 6);
      continue;
    }
    if (line.find("-- END PROG LOAD LOG --") != std::string::npos) break;
    if (!in_log) continue;
    err.log += line + "\n";
    if (line.rfind("; ", 0) == 0) {
      // "; <source text> @ <file>:<line>"
      size_t at = line.rfind(" @ ");
      size_t colon = line.rfind(':');
      if (at != std::string::npos && colon != std::string::npos && colon > at) {
        err.line = atoi(line.c_str() + colon + 1);
        last_source = line;
      }
      continue;
    }
    if (line.empty() || isdigit((unsigned char)line[0]) || line.rfind("processed ", 0) == 0 ||
        line.rfind("func#", 0) == 0 || line.rfind("from ", 0) == 0 || line.rfind("last_idx", 0) == 0 ||
        line.rfind("regs=", 0) == 0 || line.rfind("parent ", 0) == 0 || line.rfind("mark_precise", 0) == 0 ||
        line.rfind("verification time", 0) == 0 || line.rfind("stack depth", 0) == 0 ||
        line.rfind("Validating", 0) == 0 || line.rfind("reg type unsupported", 0) == 0 ||
        line.rfind("cur state:", 0) == 0 || line.rfind("old state:", 0) == 0 ||
        (line.rfind("R", 0) == 0 && line.find("=") != std::string::npos && line.find(' ') == std::string::npos))
      continue;
    reason = line;  // the verifier states why just before its statistics
  }
  if (!reason.empty()) {
    err.message = reason;
    err.verifier = true;
  }
}

BpfObjectPtr load_object(const std::vector<uint8_t>& elf, const LoadOptions& lo, LoadError& err) {
  take_libbpf_log();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "scry");

  bpf_object* raw = bpf_object__open_mem(elf.data(), elf.size(), &opts);
  if (!raw) {
    err.message = std::string("libbpf could not open the compiled object: ") + strerror(errno);
    err.log = take_libbpf_log();
    return nullptr;
  }
  BpfObjectPtr obj(raw);
  bpf_program* prog;
  bpf_object__for_each_program(prog, raw) bpf_program__set_autoattach(prog, false);
  for (auto& name : lo.kprobe_multi)
    if (bpf_program* p = bpf_object__find_program_by_name(raw, name.c_str()))
      bpf_program__set_expected_attach_type(p, BPF_TRACE_KPROBE_MULTI);
  // -v: each program's verifier log, in a buffer of its own (libbpf prints a failed one; the
  // pages the kernel does not write are never touched).
  std::vector<std::unique_ptr<char[]>> logs;
  if (lo.verbose) {
    bpf_object__for_each_program(prog, raw) {
      logs.emplace_back(new char[lo.log_size]);
      logs.back()[0] = 0;
      bpf_program__set_log_buf(prog, logs.back().get(), lo.log_size);
      bpf_program__set_log_level(prog, 1);
    }
  }
  int rc = bpf_object__load(raw);
  if (rc) {
    std::string log = take_libbpf_log();
    err.message = std::string("the kernel refused to load the BPF program: ") + strerror(-rc);
    // The kernel refuses a log buffer under 128 bytes and fails a load whose log overflows.
    err.log_too_small = lo.verbose && (rc == -ENOSPC || (rc == -EINVAL && lo.log_size < 128));
    if (rc == -EPERM && !has_bpf_privileges()) err.message += " (scry needs CAP_BPF and CAP_PERFMON, or root)";
    explain_verifier_log(log, err);
    if (err.log.empty()) err.log = log;
    return nullptr;
  }
  size_t i = 0;
  bpf_object__for_each_program(prog, raw) {
    if (i < logs.size())
      fprintf(stderr, "prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n", bpf_program__name(prog),
              logs[i].get());
    i++;
  }
  return obj;
}

}  // namespace scry
