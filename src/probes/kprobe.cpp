// kprobe:FUNCTION[+OFFSET] and kretprobe:FUNCTION: dynamic probes on kernel functions, named
// from /proc/kallsyms. Kernels without kprobes (this project's CI) refuse them when they attach;
// the probe then says which tracepoints are close.
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#include "src/probes/registers.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "src/types/btf.h"
#include "src/types/kernel_info.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
// Functions a kretprobe must never be put on: the return trampoline takes these locks.
bool banned_return_probe(const std::string& func) {
  static const char* const kBanned[] = {"_raw_spin_lock", "_raw_spin_lock_irqsave", "_raw_spin_unlock_irqrestore",
                                        "queued_spin_lock_slowpath"};
  for (const char* b : kBanned)
    if (func == b) return true;
  return false;
}

template <ProbeKind Kind>
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  constexpr bool ret = Kind == ProbeKind::Kretprobe;
  const char* kind = ret ? "kretprobe" : "kprobe";
  // kprobe:FUNC; kprobe:MODULE:FUNC only for a module this kernel has (bpftrace 0.17 takes one
  // argument: kprobe:syscalls:sys_exit_nanosleep is an error, not a module's function).
  if (parts.size() == 3 && access(("/sys/module/" + parts[1]).c_str(), F_OK) != 0) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + " probe type requires 1 argument (no module '" + parts[1] + "' is loaded)");
    return false;
  }
  std::string spec = parts.size() == 3 ? parts[2] : parts.size() == 2 ? parts[1] : "";
  std::string func;
  uint64_t off = 0;
  if (spec.empty() || !split_offset(spec, func, off) || (ret && off)) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + " probes are written " + kind + ":FUNCTION" + (ret ? "" : "[+OFFSET]"));
    return false;
  }
  // A return probe on these locks up the machine (bpftrace refuses them too).
  if (ret && banned_return_probe(func)) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kind) + ":" + func + " can't be used as it might lock up your system.");
    return false;
  }
  if (off && !has_wildcard(func))
    if (uint64_t size = kernel().function_size(func); size && off >= size) {
      diags.report(DiagKind::BadAttachPoint, ap.loc,
                   "Offset outside the function bounds ('" + func + "' size is " + std::to_string(size) + ")");
      return false;
    }
  // Probing these could crash the kernel, which refuses them (bpftrace does too).
  if (!has_wildcard(func) && kernel().kprobe_blacklisted(func)) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "kernel function '" + func + "' is in the kernel's kprobe blacklist: probing it could crash the kernel");
    return false;
  }
  std::vector<std::string> funcs;
  const auto& traceable = kernel().traceable_functions();  // empty where tracefs does not say
  if (has_wildcard(func)) {
    // Over the functions the kernel lets one trace: kallsyms also has init functions freed
    // after boot (vfs_caches_init), inlined-away names and blacklisted ones, which fail to attach.
    // Compiler-made copies (".part.0", ".isra.0", ".cold") are left out unless the pattern
    // names one, as bpftrace leaves them out.
    bool dotted = func.find('.') != std::string::npos;
    for (auto& f : traceable.empty() ? kernel_functions() : traceable)
      if ((dotted || f.find('.') == std::string::npos) && fnmatch(func.c_str(), f.c_str(), 0) == 0 &&
          !(ret && banned_return_probe(f)))
        funcs.push_back(f);
    if (funcs.empty()) {
      // Optimised-away variants (".constprop.*", ".isra.*") often do not exist: not fatal.
      diags.report(DiagKind::NoMatchingProbe, ap.loc, "no kernel function matches '" + func + "'");
      return true;
    }
  } else {
    // Modules' functions are in the traceable list, not among kallsyms' kernel functions.
    const auto& all = kernel_functions();
    bool exists = all.empty() || std::binary_search(all.begin(), all.end(), func);
    bool can_trace = traceable.empty() ? exists : std::binary_search(traceable.begin(), traceable.end(), func);
    if (!can_trace) {
      // Not fatal until attaching: --dry-run still compiles and loads the program.
      auto& d = diags.report(DiagKind::MissingFunction, ap.loc,
                             "kernel function '" + func + "' " +
                                 (exists ? "is not traceable (inlined, or marked notrace)" : "does not exist here") +
                                 ": this probe cannot attach");
      d.notes.push_back("'scry -l \"kprobe:*\"' lists the kernel's functions");
    }
    funcs.push_back(func);
  }
  for (auto& f : funcs) {
    ProbeInstance pi;
    pi.spec.kind = Kind;
    pi.spec.func = f;
    pi.spec.offset = off;
    pi.spec.name = std::string(kind) + ":" + f + (off ? "+" + std::to_string(off) : "");
    if (has_wildcard(func) && !off) pi.pattern = std::string(kind) + ":" + func;
    // Which tracepoints are close, for when it cannot attach: for a function named in full
    // (a wildcard's thousands of matches would each search every tracepoint).
    if (funcs.size() == 1) pi.spec.hint = tracepoint_hint(f, ret);
    out.push_back(pi);
  }
  return true;
}

// Kernel functions in BTF, with their parameters for -lv.
template <ProbeKind Kind>
void list(Lister& l) {
  KernelBtf* kb = KernelBtf::get();
  if (!kb) return;
  const char* kind = Kind == ProbeKind::Kretprobe ? "kretprobe:" : "kprobe:";
  for (auto& n : kernel_btf_functions()) {
    std::vector<std::string> args;
    if (l.verbose() && Kind == ProbeKind::Kprobe)
      if (auto f = kb->function(n))
        for (auto& [pn, pt] : f->params) args.push_back(pt.name() + " " + pn);
    l.emit(kind + n, args);
  }
}
#endif

#ifdef SCRY_CODEGEN
// A shared program's section names the wildcard ("kprobe/vfs_*"): libbpf reads the program
// type from the prefix; scry attaches it itself.
std::string section_func(const ProbeSpec& s) {
  return s.funcs.empty() ? s.func : s.name.substr(s.name.find(':') + 1);
}

// A program shared by a wildcard's functions: each function's probe is named in the manifest
// (for `probe` and `func`, never attached by itself), and the attach cookie each link carries
// is that probe's id (runtime/probes/kprobe.cpp), which tells which function fired.
void shared_prologue(CodeGen& cg, const ProbeInstance& inst) {
  if (inst.spec.funcs.empty()) return;
  const char* kind = inst.spec.kind == ProbeKind::Kretprobe ? "kretprobe:" : "kprobe:";
  for (auto& f : inst.spec.funcs) {
    ProbeSpec named;
    named.kind = inst.spec.kind;
    named.name = kind + f;
    named.func = f;
    named.attach = false;
    cg.manifest_.probes.push_back(named);
  }
  cg.probe_id_value_ = cg.call_helper(kGetAttachCookie, cg.b_.getInt64Ty(), {cg.ctx_arg_});
}
#endif

}  // namespace

const std::vector<Provider>& kprobe_providers() {
  static const std::vector<Provider> providers = {
      {.name = "kprobe",
       .aliases = {"k"},
       .kinds = {ProbeKind::Kprobe},
       .regs_context = true,
       .syntax = "kprobe:FUNCTION[+OFFSET] (wildcards; needs a kernel with kprobes)",
       .expand = FRONT_SIDE(expand<ProbeKind::Kprobe>),
       .list = FRONT_SIDE(list<ProbeKind::Kprobe>),
       .arg_type = FRONT_SIDE(register_arg_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "kprobe/" + section_func(s); }),
       .prologue = PLUGIN_SIDE(shared_prologue),
       .arg_lower = PLUGIN_SIDE(register_arg_lower)},
      {.name = "kretprobe",
       .aliases = {"kr"},
       .kinds = {ProbeKind::Kretprobe},
       .regs_context = true,
       .syntax = "kretprobe:FUNCTION (needs a kernel with kprobes)",
       .expand = FRONT_SIDE(expand<ProbeKind::Kretprobe>),
       .list = FRONT_SIDE(list<ProbeKind::Kretprobe>),
       .retval_type = FRONT_SIDE(register_retval_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "kretprobe/" + section_func(s); }),
       .prologue = PLUGIN_SIDE(shared_prologue),
       .retval_lower = PLUGIN_SIDE(register_retval_lower)},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE

#ifndef SCRY_CODEGEN
void share_kprobe_programs(const Program& prog, std::vector<ProbeInstance>& instances) {
  // Only the kernel's own functions: kprobe_multi finds symbols in vmlinux alone before 6.3.
  const auto& vmlinux = kernel_functions();
  auto shareable = [&](const ProbeInstance& i) {
    return (i.spec.kind == ProbeKind::Kprobe || i.spec.kind == ProbeKind::Kretprobe) && !i.pattern.empty() &&
           (vmlinux.empty() || std::binary_search(vmlinux.begin(), vmlinux.end(), i.spec.func));
  };
  std::map<std::pair<size_t, std::string>, size_t> members;  // (block, pattern) -> how many
  for (auto& i : instances)
    if (shareable(i)) members[{i.probe_index, i.pattern}]++;
  std::map<size_t, bool> names_probe_cache;  // by block: `probe` needs a program per function
  auto names_probe = [&](size_t block) {
    auto [it, fresh] = names_probe_cache.try_emplace(block, false);
    if (fresh)
      it->second = probe_mentions(prog.probes[block],
                                  [](const Expr& e) { return e.kind == ExprKind::Builtin && e.str == "probe"; });
    return it->second;
  };
  std::map<std::pair<size_t, std::string>, size_t> shared;  // -> its index in `out`
  std::vector<ProbeInstance> out;
  for (auto& i : instances) {
    std::pair<size_t, std::string> key{i.probe_index, i.pattern};
    if (!shareable(i) || members[key] < 2 || names_probe(i.probe_index)) {
      out.push_back(i);
      continue;
    }
    auto [at, fresh] = shared.emplace(key, out.size());
    if (fresh) {
      ProbeInstance s = i;
      s.spec.name = i.pattern;
      s.spec.func.clear();
      s.spec.hint.clear();
      s.spec.listed = false;  // its functions are, each named in the manifest (shared_prologue)
      out.push_back(s);
    }
    out[at->second].spec.funcs.push_back(i.spec.func);
  }
  instances = std::move(out);
}
#endif

}  // namespace scry
