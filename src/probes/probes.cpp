#include "src/probes/probes.h"

#include <cxxabi.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include <bpf/btf.h>

#include "runtime/symbols/elf_symbols.h"
#include "runtime/symbols/kallsyms.h"
#include "src/types/btf.h"

namespace scry {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

bool parse_u64(const std::string& s, uint64_t& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtoull(s.c_str(), &end, 10);
  return *end == 0;
}

bool expand_begin_end(ProbeKind kind, const AttachPoint& ap, const std::vector<std::string>& parts,
                      std::vector<ProbeInstance>& out, Diagnostics& diags) {
  const char* name = kind == ProbeKind::Begin ? "BEGIN" : "END";
  if (parts.size() != 1) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, std::string(name) + " takes no arguments");
    return false;
  }
  ProbeInstance pi;
  pi.spec.kind = kind;
  pi.spec.name = name;
  out.push_back(pi);
  return true;
}

bool expand_tracepoint(const AttachPoint& ap, const std::vector<std::string>& parts,
                       std::vector<ProbeInstance>& out, Diagnostics& diags) {
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "tracepoint probes are written tracepoint:category:name");
    return false;
  }
  if (tracefs_root().empty()) {
    diags.report(DiagKind::TracefsUnavailable, ap.loc,
                 "tracefs is not mounted and could not be mounted at /sys/kernel/tracing");
    return false;
  }
  const std::string& cat = parts[1];
  const std::string& ev = parts[2];
  std::vector<std::pair<std::string, std::string>> matches;
  bool wildcard = cat.find_first_of("*?[") != std::string::npos || ev.find_first_of("*?[") != std::string::npos;
  if (wildcard) {
    for (auto& full : available_tracepoints()) {
      size_t colon = full.find(':');
      std::string c = full.substr(0, colon), e = full.substr(colon + 1);
      if (fnmatch(cat.c_str(), c.c_str(), 0) == 0 && fnmatch(ev.c_str(), e.c_str(), 0) == 0)
        matches.emplace_back(c, e);
    }
  } else {
    matches.emplace_back(cat, ev);
  }
  size_t before = out.size();
  for (auto& [c, e] : matches) {
    auto fmt = load_tracepoint_format(c, e);
    if (!fmt) continue;
    ProbeInstance pi;
    pi.spec.kind = ProbeKind::Tracepoint;
    pi.spec.name = "tracepoint:" + c + ":" + e;
    pi.spec.category = c;
    pi.spec.event = e;
    pi.format = fmt;
    out.push_back(pi);
  }
  if (out.size() == before) {
    auto& d = diags.report(DiagKind::UnknownTracepoint, ap.loc,
                           wildcard ? "no tracepoint matches '" + cat + ":" + ev + "'"
                                    : "unknown tracepoint '" + cat + ":" + ev + "'");
    d.notes.push_back("'scry -l tracepoint:*' lists the tracepoints of this kernel");
    return false;
  }
  return true;
}

// interval:UNIT:N and profile:UNIT:N share the unit grammar.
bool timer_period(const AttachPoint& ap, const std::vector<std::string>& parts, const char* kind,
                  uint64_t& period_ns, uint64_t& hz, Diagnostics& diags) {
  uint64_t n = 0;
  if (parts.size() != 3 || !parse_u64(parts[2], n) || n == 0) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + " probes are written " + kind + ":UNIT:N with N > 0 and UNIT one of s, ms, us, hz");
    return false;
  }
  const std::string& u = parts[1];
  if (u == "s") period_ns = n * 1000000000ull;
  else if (u == "ms") period_ns = n * 1000000ull;
  else if (u == "us") period_ns = n * 1000ull;
  else if (u == "hz") hz = n;
  else {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "unknown time unit '" + u + "' (expected s, ms, us or hz)");
    return false;
  }
  return true;
}

bool expand_interval(const AttachPoint& ap, const std::vector<std::string>& parts,
                     std::vector<ProbeInstance>& out, Diagnostics& diags) {
  ProbeInstance pi;
  uint64_t hz = 0;
  if (!timer_period(ap, parts, "interval", pi.spec.period_ns, hz, diags)) return false;
  if (hz) pi.spec.period_ns = 1000000000ull / hz;
  pi.spec.kind = ProbeKind::Interval;
  pi.spec.name = "interval:" + parts[1] + ":" + parts[2];
  out.push_back(pi);
  return true;
}

bool expand_profile(const AttachPoint& ap, const std::vector<std::string>& parts,
                    std::vector<ProbeInstance>& out, Diagnostics& diags) {
  ProbeInstance pi;
  if (!timer_period(ap, parts, "profile", pi.spec.period_ns, pi.spec.freq_hz, diags)) return false;
  pi.spec.kind = ProbeKind::Profile;
  pi.spec.name = "profile:" + parts[1] + ":" + parts[2];
  out.push_back(pi);
  return true;
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// FUNC or FUNC+OFFSET.
bool split_offset(const std::string& s, std::string& func, uint64_t& off) {
  size_t plus = s.find('+');
  func = s.substr(0, plus);
  off = 0;
  if (plus == std::string::npos) return true;
  char* end = nullptr;
  off = std::strtoull(s.c_str() + plus + 1, &end, 0);
  return *end == 0 && plus + 1 < s.size();
}

// Tracepoints close to a kernel function, for when kprobes cannot attach:
// vfs_read -> tracepoint:syscalls:sys_enter_read (sys_exit_read for kretprobes).
std::string tracepoint_hint(const std::string& func, bool ret) {
  std::string rest = func;
  for (const char* prefix : {"__x64_sys_", "__ia32_sys_", "__se_sys_", "do_sys_", "ksys_", "sys_", "vfs_", "do_"})
    if (rest.rfind(prefix, 0) == 0) {
      rest = rest.substr(strlen(prefix));
      break;
    }
  std::vector<std::string> found;
  const auto& tps = available_tracepoints();
  std::string sys = std::string("syscalls:sys_") + (ret ? "exit_" : "enter_") + rest;
  if (std::binary_search(tps.begin(), tps.end(), sys)) found.push_back("tracepoint:" + sys);
  for (auto& tp : tps) {
    if (found.size() >= 3) break;
    std::string ev = tp.substr(tp.find(':') + 1);
    if (tp.rfind("syscalls:", 0) != 0 && (ev == func || ev == rest)) found.push_back("tracepoint:" + tp);
  }
  std::string out;
  for (auto& f : found) out += (out.empty() ? "" : ", ") + f;
  return out;
}

bool expand_kprobe(bool ret, const AttachPoint& ap, const std::vector<std::string>& parts,
                   std::vector<ProbeInstance>& out, Diagnostics& diags) {
  const char* kind = ret ? "kretprobe" : "kprobe";
  // kprobe:FUNC, and kprobe:MODULE:FUNC as bpftrace 0.17 allows.
  std::string spec = parts.size() == 3 ? parts[2] : parts.size() == 2 ? parts[1] : "";
  std::string func;
  uint64_t off = 0;
  if (spec.empty() || !split_offset(spec, func, off) || (ret && off)) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + " probes are written " + kind + ":FUNCTION" + (ret ? "" : "[+OFFSET]"));
    return false;
  }
  std::vector<std::string> funcs;
  if (has_wildcard(func)) {
    for (auto& f : kernel_functions())
      if (fnmatch(func.c_str(), f.c_str(), 0) == 0) funcs.push_back(f);
    if (funcs.empty()) {
      // Optimised-away variants (".constprop.*", ".isra.*") often do not exist: not fatal.
      diags.report(DiagKind::NoMatchingProbe, ap.loc, "no kernel function matches '" + func + "'");
      return true;
    }
  } else {
    const auto& all = kernel_functions();
    if (!all.empty() && !std::binary_search(all.begin(), all.end(), func)) {
      // Not fatal until attaching: --dry-run still compiles and loads the program.
      auto& d = diags.report(DiagKind::MissingFunction, ap.loc,
                             "kernel function '" + func + "' does not exist here: this probe cannot attach");
      d.notes.push_back("'scry -l \"kprobe:*\"' lists the kernel's functions");
    }
    funcs.push_back(func);
  }
  for (auto& f : funcs) {
    ProbeInstance pi;
    pi.spec.kind = ret ? ProbeKind::Kretprobe : ProbeKind::Kprobe;
    pi.spec.func = f;
    pi.spec.offset = off;
    pi.spec.name = std::string(kind) + ":" + f + (off ? "+" + std::to_string(off) : "");
    pi.spec.hint = tracepoint_hint(f, ret);
    out.push_back(pi);
  }
  return true;
}

// A C++ symbol's demangled name without its parameter list: "ns::Class::method".
std::string demangled_name(const std::string& sym) {
  if (sym.rfind("_Z", 0) != 0) return "";
  int status = 0;
  char* d = abi::__cxa_demangle(sym.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !d) return "";
  std::string out = d;
  free(d);
  size_t paren = out.find('(');
  return paren == std::string::npos ? out : out.substr(0, paren);
}

// An IFUNC symbol (strlen in libc) is a resolver; the code that runs is what it picks for this
// CPU. The dynamic loader makes the same choice for scry, so ask it: the file offset of the
// chosen code (its symbol is often stripped), or 0.
uint64_t resolve_ifunc(const std::string& path, const std::string& name) {
  void* h = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (!h) return 0;
  void* impl = dlsym(h, name.c_str());
  Dl_info info;
  uint64_t out = 0;
  if (impl && dladdr(impl, &info) && info.dli_fbase)
    out = elf_vaddr_to_offset(path, uint64_t(static_cast<char*>(impl) - static_cast<char*>(info.dli_fbase)));
  dlclose(h);
  return out;
}

bool expand_uprobe(bool ret, const AttachPoint& ap, const std::vector<std::string>& parts,
                   std::vector<ProbeInstance>& out, Diagnostics& diags) {
  const char* kind = ret ? "uretprobe" : "uprobe";
  // uprobe:PATH:FUNC; C++ names may hold "::", so everything after PATH is the function.
  std::string spec;
  for (size_t i = 2; i < parts.size(); i++) spec += (i > 2 ? ":" : "") + parts[i];
  std::string func;
  uint64_t off = 0;
  if (parts.size() < 3 || parts[1].empty() || spec.empty() || !split_offset(spec, func, off)) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + " probes are written " + kind + ":PATH:FUNCTION (PATH may be a library name such as libc)");
    return false;
  }
  std::string path = resolve_binary(parts[1]);
  if (path.empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "cannot find '" + parts[1] + "': no such file or library");
    return false;
  }
  auto add = [&](const std::string& sym, const std::string& shown, uint64_t file_offset = 0) {
    ProbeInstance pi;
    pi.spec.kind = ret ? ProbeKind::Uretprobe : ProbeKind::Uprobe;
    pi.spec.path = path;
    pi.spec.func = sym;
    pi.spec.offset = file_offset ? file_offset + off : off;
    pi.spec.name = std::string(kind) + ":" + path + ":" + shown + (off ? "+" + std::to_string(off) : "");
    out.push_back(pi);
  };
  // An address instead of a name: uprobe:PATH:0x1234.
  if (func.rfind("0x", 0) == 0) {
    uint64_t vaddr = std::strtoull(func.c_str(), nullptr, 16);
    uint64_t file_off = elf_vaddr_to_offset(path, vaddr);
    add("", func, file_off ? file_off : vaddr);
    return true;
  }
  auto syms = read_elf_symbols(path);
  size_t before = out.size();
  for (auto& s : syms) {
    if (!s.is_function) continue;
    std::string cxx = demangled_name(s.name);
    bool hit = fnmatch(func.c_str(), s.name.c_str(), 0) == 0 || (!cxx.empty() && fnmatch(func.c_str(), cxx.c_str(), 0) == 0);
    if (!hit) continue;
    if (s.is_ifunc) {
      uint64_t impl = resolve_ifunc(path, s.name);
      if (!impl) {
        diags.report(DiagKind::BadAttachPoint, ap.loc,
                     "'" + s.name + "' in " + path + " is an IFUNC whose implementation scry cannot find");
        return false;
      }
      add("", s.name, impl);  // attached by offset; `func` still prints the name asked for
      out.back().spec.func_display = s.name;
    } else {
      add(s.name, cxx.empty() ? s.name : cxx);
    }
    if (!has_wildcard(func)) break;
  }
  if (out.size() == before) {
    if (has_wildcard(func)) {
      diags.report(DiagKind::NoMatchingProbe, ap.loc, "no function of " + path + " matches '" + func + "'");
      return true;
    }
    // Not fatal until attaching: --dry-run still compiles and loads the program.
    auto& d = diags.report(DiagKind::MissingFunction, ap.loc,
                           "no function '" + func + "' in " + path + ": this probe cannot attach");
    d.notes.push_back("'scry -l \"" + std::string(kind) + ":" + path + ":*\"' lists its functions");
    add(func, func);
  }
  return true;
}

// software:EVENT[:COUNT] and hardware:EVENT[:COUNT], with bpftrace's event names and aliases.
struct PerfEvent {
  const char* name;
  const char* alias;
  uint64_t config;  // PERF_COUNT_SW_* / PERF_COUNT_HW_*
  uint64_t period;  // default events per sample
};

const PerfEvent kSoftwareEvents[] = {
    {"cpu-clock", "cpu", 0, 1000000}, {"task-clock", nullptr, 1, 1000000},
    {"page-faults", "faults", 2, 100}, {"context-switches", "cs", 3, 1000},
    {"cpu-migrations", nullptr, 4, 1}, {"minor-faults", nullptr, 5, 100},
    {"major-faults", nullptr, 6, 1}, {"alignment-faults", nullptr, 7, 1},
    {"emulation-faults", nullptr, 8, 1}, {"dummy", nullptr, 9, 1}, {"bpf-output", nullptr, 10, 1},
};
const PerfEvent kHardwareEvents[] = {
    {"cpu-cycles", "cycles", 0, 1000000}, {"instructions", nullptr, 1, 1000000},
    {"cache-references", nullptr, 2, 1000000}, {"cache-misses", nullptr, 3, 1000000},
    {"branch-instructions", "branches", 4, 100000}, {"branch-misses", nullptr, 5, 100000},
    {"bus-cycles", nullptr, 6, 100000}, {"frontend-stalls", nullptr, 7, 1000000},
    {"backend-stalls", nullptr, 8, 1000000}, {"ref-cycles", nullptr, 9, 1000000},
};

template <size_t N>
bool expand_perf_event(ProbeKind kind, const PerfEvent (&events)[N], const AttachPoint& ap,
                       const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
                       Diagnostics& diags) {
  std::string kname = kind == ProbeKind::Software ? "software" : "hardware";
  if (parts.size() < 2 || parts.size() > 3) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, kname + " probes are written " + kname + ":EVENT[:COUNT]");
    return false;
  }
  for (auto& ev : events) {
    if (parts[1] != ev.name && !(ev.alias && parts[1] == ev.alias)) continue;
    ProbeInstance pi;
    pi.spec.kind = kind;
    pi.spec.sw_config = ev.config;
    pi.spec.sw_period = ev.period;
    if (parts.size() == 3 && (!parse_u64(parts[2], pi.spec.sw_period) || pi.spec.sw_period == 0)) {
      diags.report(DiagKind::BadAttachPoint, ap.loc, "the count of a " + kname + " probe must be a positive integer");
      return false;
    }
    pi.spec.name = kname + ":" + parts[1] + ":" + std::to_string(pi.spec.sw_period);
    out.push_back(pi);
    return true;
  }
  diags.report(DiagKind::BadAttachPoint, ap.loc, "unknown " + kname + " event '" + parts[1] + "'");
  return false;
}

bool expand_software(const AttachPoint& ap, const std::vector<std::string>& parts,
                     std::vector<ProbeInstance>& out, Diagnostics& diags) {
  return expand_perf_event(ProbeKind::Software, kSoftwareEvents, ap, parts, out, diags);
}

bool expand_hardware(const AttachPoint& ap, const std::vector<std::string>& parts,
                     std::vector<ProbeInstance>& out, Diagnostics& diags) {
  return expand_perf_event(ProbeKind::Hardware, kHardwareEvents, ap, parts, out, diags);
}

// rawtracepoint:NAME (BTF-typed, as tp_btf) and fentry:FUNC / fexit:FUNC (kfunc, kretfunc).
bool expand_btf_probe(ProbeKind kind, const AttachPoint& ap, const std::vector<std::string>& parts,
                      std::vector<ProbeInstance>& out, Diagnostics& diags) {
  const char* kname = kind == ProbeKind::RawTracepoint ? "rawtracepoint" : kind == ProbeKind::Fentry ? "fentry" : "fexit";
  // rawtracepoint:NAME, rawtracepoint:MODULE:NAME; fentry:FUNC, fentry:MODULE:FUNC
  std::string name = parts.size() == 3 ? parts[2] : parts.size() == 2 ? parts[1] : "";
  if (name.empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, std::string(kname) + " probes are written " + kname + ":NAME");
    return false;
  }
  KernelBtf* btf = KernelBtf::get();
  if (!btf) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, std::string(kname) + " probes need the kernel's BTF (/sys/kernel/btf/vmlinux)");
    return false;
  }
  std::vector<std::string> names;
  if (has_wildcard(name)) {
    for (auto& n : kind == ProbeKind::RawTracepoint ? raw_tracepoint_names() : kernel_btf_functions())
      if (fnmatch(name.c_str(), n.c_str(), 0) == 0) names.push_back(n);
  } else {
    names.push_back(name);
  }
  for (auto& n : names) {
    auto f = kind == ProbeKind::RawTracepoint ? btf->raw_tracepoint(n) : btf->function(n);
    if (!f) {
      diags.report(DiagKind::UnknownTracepoint, ap.loc,
                   kind == ProbeKind::RawTracepoint ? "unknown raw tracepoint '" + n + "' (no btf_trace_" + n + " in BTF)"
                                                    : "unknown kernel function '" + n + "' (not in BTF)");
      return false;
    }
    ProbeInstance pi;
    pi.spec.kind = kind;
    pi.spec.func = n;
    pi.spec.name = std::string(kname) + ":" + n;
    pi.btf_args = f->params;
    pi.has_btf_args = true;
    if (kind == ProbeKind::Fexit) pi.btf_args.emplace_back("$retval", f->ret);
    if (kind != ProbeKind::RawTracepoint) pi.spec.hint = tracepoint_hint(n, kind == ProbeKind::Fexit);
    out.push_back(pi);
  }
  if (names.empty()) diags.report(DiagKind::NoMatchingProbe, ap.loc, std::string("no ") + kname + " matches '" + name + "'");
  return true;
}

// iter:task, iter:task_file, iter:task_vma: run once over every task (file, mapping).
bool expand_iter(const AttachPoint& ap, const std::vector<std::string>& parts,
                 std::vector<ProbeInstance>& out, Diagnostics& diags) {
  static const char* const kinds[] = {"task", "task_file", "task_vma"};
  if (parts.size() != 2) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "iterator probes are written iter:task, iter:task_file or iter:task_vma");
    return false;
  }
  for (auto* k : kinds)
    if (parts[1] == k) {
      ProbeInstance pi;
      pi.spec.kind = ProbeKind::Iter;
      pi.spec.func = k;
      pi.spec.name = "iter:" + parts[1];
      out.push_back(pi);
      return true;
    }
  diags.report(DiagKind::BadAttachPoint, ap.loc, "unknown iterator '" + parts[1] + "' (task, task_file or task_vma)");
  return false;
}

// watchpoint:ADDR:LEN:MODE, MODE of r, w, x: a hardware breakpoint in the -p/-c process.
bool expand_watchpoint(const AttachPoint& ap, const std::vector<std::string>& parts,
                       std::vector<ProbeInstance>& out, Diagnostics& diags) {
  uint64_t addr = 0, len = 0;
  char* end = nullptr;
  if (parts.size() == 4) addr = std::strtoull(parts[1].c_str(), &end, 0);
  bool ok = parts.size() == 4 && end && !*end && parse_u64(parts[2], len) &&
            (len == 1 || len == 2 || len == 4 || len == 8) && !parts[3].empty();
  uint32_t mode = 0;
  for (char c : ok ? parts[3] : std::string())
    mode |= c == 'r' ? 1 : c == 'w' ? 2 : c == 'x' ? 4 : 8;
  if (!ok || mode == 0 || mode > 7 || mode == 5 || mode == 6 || mode == 7) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "watchpoints are written watchpoint:ADDRESS:LENGTH:MODE with LENGTH 1, 2, 4 or 8 and "
                 "MODE one of r, w, rw, x");
    return false;
  }
  ProbeInstance pi;
  pi.spec.kind = ProbeKind::Watchpoint;
  pi.spec.wp_addr = addr;
  pi.spec.wp_len = uint32_t(len);
  pi.spec.wp_mode = mode;
  pi.spec.name = "watchpoint:" + parts[1] + ":" + parts[2] + ":" + parts[3];
  out.push_back(pi);
  return true;
}

// usdt:PATH:PROVIDER:NAME or usdt:PATH:NAME; wildcards in both. One probe per location.
bool expand_usdt(const AttachPoint& ap, const std::vector<std::string>& parts,
                 std::vector<ProbeInstance>& out, Diagnostics& diags) {
  if (parts.size() != 3 && parts.size() != 4) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "usdt probes are written usdt:PATH:[PROVIDER:]NAME");
    return false;
  }
  std::string path = resolve_binary(parts[1]);
  if (path.empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "cannot find '" + parts[1] + "': no such file or library");
    return false;
  }
  std::string prov = parts.size() == 4 ? parts[2] : "*", name = parts.back();
  size_t before = out.size();
  for (auto& p : read_usdt_probes(path)) {
    if (fnmatch(prov.c_str(), p.provider.c_str(), 0) != 0 || fnmatch(name.c_str(), p.name.c_str(), 0) != 0) continue;
    ProbeInstance pi;
    pi.spec.kind = ProbeKind::Usdt;
    pi.spec.path = path;
    pi.spec.offset = p.file_offset;
    pi.spec.ref_ctr_offset = p.semaphore_offset;
    pi.spec.func_display = p.name;
    pi.spec.name = "usdt:" + path + ":" + p.provider + ":" + p.name;
    pi.usdt_args = p.args;
    pi.usdt_error = p.error;
    out.push_back(pi);
  }
  if (out.size() == before) {
    auto& d = diags.report(DiagKind::UnknownTracepoint, ap.loc,
                           "no USDT probe " + prov + ":" + name + " in " + path);
    d.notes.push_back("'scry -l \"usdt:" + path + ":*\"' lists its probes");
    return false;
  }
  return true;
}

}  // namespace

// Names in the kernel's BTF that `keep` accepts (and may rewrite), sorted and unique.
static std::vector<std::string> btf_names(const std::function<bool(const btf_type*, std::string&)>& keep) {
  std::vector<std::string> out;
  if (KernelBtf* kb = KernelBtf::get()) {
    struct btf* b = kb->raw();
    for (uint32_t id = 1; id < btf__type_cnt(b); id++) {
      const btf_type* t = btf__type_by_id(b, id);
      const char* nm = btf__name_by_offset(b, t->name_off);
      std::string name = nm ? nm : "";
      if (!name.empty() && keep(t, name)) out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const std::vector<std::string>& raw_tracepoint_names() {
  static const std::vector<std::string> names = btf_names([](const btf_type* t, std::string& n) {
    if (!btf_is_typedef(t) || n.rfind("btf_trace_", 0) != 0) return false;
    n = n.substr(10);
    return true;
  });
  return names;
}

const std::vector<std::string>& kernel_btf_functions() {
  static const std::vector<std::string> names =
      btf_names([](const btf_type* t, std::string&) { return btf_is_func(t); });
  return names;
}

const std::vector<std::string>& kernel_functions() {
  static std::vector<std::string> funcs = [] {
    std::vector<std::string> out;
    FILE* f = fopen("/proc/kallsyms", "r");
    if (!f) return out;
    char line[512];
    while (fgets(line, sizeof line, f)) {
      char type;
      char name[256];
      unsigned long long addr;
      if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 && (type == 't' || type == 'T') &&
          !strchr(line, '['))
        out.push_back(name);
    }
    fclose(f);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }();
  return funcs;
}

uint64_t kernel_symbol_address(const std::string& name) { return Kallsyms::get().address(name); }

std::string resolve_binary(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), R_OK) == 0 ? name : "";
  // A library short name: libc, libcrypto, or c. The dynamic loader's cache says where the
  // library the loader would use is (ldconfig -p reads /etc/ld.so.cache).
  std::string lib = name.rfind("lib", 0) == 0 ? name : "lib" + name;
  static std::vector<std::pair<std::string, std::string>> cache = [] {
    std::vector<std::pair<std::string, std::string>> out;  // (soname, path), x86-64 only
    FILE* p = popen("ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null", "r");
    if (!p) return out;
    char line[1024];
    while (fgets(line, sizeof line, p)) {
      std::string l = line;
      size_t arrow = l.find(" => ");
      if (arrow == std::string::npos || l.find("x86-64") == std::string::npos) continue;
      size_t start = l.find_first_not_of(" \t");
      std::string soname = l.substr(start, l.find(' ', start) - start);
      std::string path = l.substr(arrow + 4);
      while (!path.empty() && isspace((unsigned char)path.back())) path.pop_back();
      out.emplace_back(soname, path);
    }
    pclose(p);
    return out;
  }();
  for (auto& [soname, path] : cache)  // versioned names first: libc.so may be a linker script
    if (soname.rfind(lib + ".so.", 0) == 0 && access(path.c_str(), R_OK) == 0) return path;
  for (auto& [soname, path] : cache)
    if (soname == lib + ".so" && access(path.c_str(), R_OK) == 0) return path;
  for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
                          "/lib", "/usr/lib"}) {
    DIR* d = opendir(dir);
    if (!d) continue;
    std::vector<std::string> found;
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(lib + ".so", 0) == 0) found.push_back(n);
    }
    closedir(d);
    if (found.empty()) continue;
    // libc.so is often a linker script: take the versioned name (libc.so.6) when there is one.
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    for (auto& n : found)
      if (n.find(".so.") != std::string::npos) return std::string(dir) + "/" + n;
    return std::string(dir) + "/" + found[0];
  }
  return "";
}

const std::vector<ProbeProvider>& all_providers() {
  static const std::vector<ProbeProvider> table = {
      {"BEGIN", {"begin"}, "BEGIN",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_begin_end(ProbeKind::Begin, ap, parts, out, d); }},
      {"END", {"end"}, "END",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_begin_end(ProbeKind::End, ap, parts, out, d); }},
      {"tracepoint", {"t"}, "tracepoint:category:name (wildcards * ? in both)", expand_tracepoint},
      {"interval", {"i"}, "interval:s|ms|us|hz:N", expand_interval},
      {"profile", {"p"}, "profile:hz|s|ms|us:N", expand_profile},
      {"kprobe", {"k"}, "kprobe:FUNCTION[+OFFSET] (wildcards; this kernel cannot attach them)",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_kprobe(false, ap, parts, out, d); }},
      {"kretprobe", {"kr"}, "kretprobe:FUNCTION (this kernel cannot attach them)",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_kprobe(true, ap, parts, out, d); }},
      {"uprobe", {"u"}, "uprobe:PATH|LIBRARY:FUNCTION[+OFFSET]",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_uprobe(false, ap, parts, out, d); }},
      {"uretprobe", {"ur"}, "uretprobe:PATH|LIBRARY:FUNCTION",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_uprobe(true, ap, parts, out, d); }},
      {"software", {"s"}, "software:EVENT[:COUNT]", expand_software},
      {"hardware", {"h"}, "hardware:EVENT[:COUNT] (this machine has no PMU)", expand_hardware},
      {"usdt", {"U"}, "usdt:PATH:[PROVIDER:]NAME (semaphores set while attached)", expand_usdt},
      {"iter", {"it"}, "iter:task|task_file|task_vma (runs once, then scry exits)", expand_iter},
      {"watchpoint", {"w"}, "watchpoint:ADDR:LEN:r|w|rw|x (needs -p or -c)", expand_watchpoint},
      {"rawtracepoint", {"rt"}, "rawtracepoint:NAME (BTF-typed args.NAME)",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_btf_probe(ProbeKind::RawTracepoint, ap, parts, out, d); }},
      {"fentry", {"kfunc", "f"}, "fentry:FUNCTION (this kernel refuses them)",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_btf_probe(ProbeKind::Fentry, ap, parts, out, d); }},
      {"fexit", {"kretfunc", "fr"}, "fexit:FUNCTION (this kernel refuses them)",
       [](auto& ap, auto& parts, auto& out, auto& d) { return expand_btf_probe(ProbeKind::Fexit, ap, parts, out, d); }},
  };
  return table;
}

bool expand_probes(const Program& prog, std::vector<ProbeInstance>& out, Diagnostics& diags) {
  bool ok = true;
  for (size_t i = 0; i < prog.probes.size(); i++) {
    for (auto& ap : prog.probes[i].attach_points) {
      auto parts = split(ap.text, ':');
      const ProbeProvider* provider = nullptr;
      for (auto& p : all_providers()) {
        if (parts[0] == p.name) provider = &p;
        for (auto* a : p.aliases)
          if (parts[0] == a) provider = &p;
      }
      if (!provider) {
        Loc l = ap.loc;
        l.end_col = l.col + int(parts[0].size()) - 1;
        diags.report(DiagKind::UnknownProbeType, l, "unknown probe type '" + parts[0] + "'");
        ok = false;
        continue;
      }
      size_t before = out.size();
      if (!provider->expand(ap, parts, out, diags)) {
        ok = false;
        continue;
      }
      for (size_t j = before; j < out.size(); j++) out[j].probe_index = i;
    }
  }
  return ok;
}

}  // namespace scry
