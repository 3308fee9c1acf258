// watchpoint:ADDR:LEN:MODE: a hardware breakpoint on ADDR in the -p/-c process, firing on
// reads (r), writes (w) or execution (x) of LEN bytes.
// watchpoint:FUNC+argN:LEN:MODE: the same on the address FUNC of the traced program gets as its
// argument N, each time it is called. A uprobe on FUNC (a WatchpointSetup probe) sends the
// address to scry and stops the process (SIGSTOP) until scry has attached the watchpoint
// (runtime/probes/watchpoint.cpp) and lets it go on (SIGCONT); asyncwatchpoint does not stop it,
// so that accesses right after the call may be missed.
#include "src/probes/provider.h"
#include <iterator>

#include "src/types/abi.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include <fnmatch.h>

#include "runtime/symbols/elf_symbols.h"
#include "src/probes/binaries.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
// FUNC+argN: the function pattern and N; false if `s` is not of that form.
bool split_function_arg(const std::string& s, std::string& func, uint32_t& arg) {
  size_t plus = s.rfind("+arg");
  if (plus == std::string::npos || plus == 0 || plus + 4 >= s.size()) return false;
  uint64_t n = 0;
  if (!parse_u64(s.substr(plus + 4), n) || n >= std::size(abi::pt_regs::kArgs)) return false;
  func = s.substr(0, plus);
  arg = uint32_t(n);
  return true;
}

// One setup uprobe and one watchpoint (attached later) per function of the traced program
// that `func` matches.
bool expand_function(const AttachPoint& ap, const std::vector<std::string>& parts, const std::string& func,
                     uint32_t arg, uint64_t len, uint32_t mode, std::vector<ProbeInstance>& out, Diagnostics& diags) {
  std::string binary = target_binary();
  if (binary.empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "a watchpoint on a function's argument needs the program to watch: use -p PID or -c CMD");
    return false;
  }
  bool async = parts[0] == "asyncwatchpoint";
  size_t before = out.size();
  for (auto& s : read_elf_symbols(binary)) {
    if (!s.is_function || fnmatch(func.c_str(), s.name.c_str(), 0) != 0) continue;
    ProbeInstance setup;
    setup.spec.kind = ProbeKind::WatchpointSetup;
    setup.spec.path = binary;
    setup.spec.func = s.name;
    setup.spec.wp_arg = arg;
    setup.spec.wp_async = async;
    setup.spec.name = "uprobe:" + binary + ":" + s.name;
    out.push_back(setup);
    // bpftrace's name for it: "watchpoint:./prog:increment:1:4:w" (argument 0 not shown).
    ProbeInstance watch;
    watch.spec.kind = ProbeKind::Watchpoint;
    watch.spec.attach = false;
    watch.spec.listed = false;
    watch.spec.wp_len = uint32_t(len);
    watch.spec.wp_mode = mode;
    watch.spec.func = s.name;
    watch.spec.name = parts[0] + ":" + binary + ":" + s.name + (arg ? ":" + std::to_string(arg) : "") + ":" +
                      parts[2] + ":" + parts[3];
    out.push_back(watch);
  }
  if (out.size() == before && has_wildcard(func))
    diags.report(DiagKind::NoMatchingProbe, ap.loc, "no function of " + binary + " matches '" + func + "'");
  else if (out.size() == before) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "no function '" + func + "' in " + binary);
    return false;
  }
  return true;
}

bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  uint64_t addr = 0, len = 0;
  char* end = nullptr;
  std::string func;
  uint32_t arg = 0;
  bool on_function = parts.size() == 4 && split_function_arg(parts[1], func, arg);
  if (parts.size() == 4 && !on_function) addr = std::strtoull(parts[1].c_str(), &end, 0);
  bool ok = parts.size() == 4 && (on_function || (end && !*end)) && parse_u64(parts[2], len) &&
            (len == 1 || len == 2 || len == 4 || len == 8) && !parts[3].empty();
  uint32_t mode = 0;
  for (char c : ok ? parts[3] : std::string()) mode |= c == 'r' ? 1 : c == 'w' ? 2 : c == 'x' ? 4 : 8;
  if (!ok || mode == 0 || mode > 7 || mode == 5 || mode == 6 || mode == 7) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 "watchpoints are written watchpoint:ADDRESS:LENGTH:MODE or watchpoint:FUNCTION+argN:LENGTH:MODE, "
                 "with LENGTH 1, 2, 4 or 8 and MODE one of r, w, rw, x");
    return false;
  }
  if (on_function) return expand_function(ap, parts, func, arg, len, mode, out, diags);
  if (parts[0] == "asyncwatchpoint") {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "asyncwatchpoint watches a function's argument: asyncwatchpoint:FUNCTION+argN:LENGTH:MODE");
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
#endif

#ifdef SCRY_CODEGEN
// The setup probe's whole program: the address to scry, the process stopped until scry has
// attached the watchpoint (not for asyncwatchpoint). The script's block runs in the
// watchpoint, not here.
void setup_prologue(CodeGen& cg, const ProbeInstance& inst) {
  auto& b = cg.b_;
  auto* addr = b.CreateLoad(b.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kArgs[inst.spec.wp_arg]));
  // The stop first: scry's SIGCONT may come before the program ends, and a SIGCONT discards
  // only a stop already pending; a stop sent after it would stop the process for good.
  if (!inst.spec.wp_async) cg.call_helper(abi::kSendSignal, b.getInt64Ty(), {cg.i64(abi::kSigStop)});
  // The probe's own index in the manifest: its spec is added when its program is done.
  auto* ev = cg.reserve_event(sizeof(EventHeader) + 8, EventType::WatchArm, cg.manifest_.probes.size());
  b.CreateStore(addr, cg.byte_ptr(ev, sizeof(EventHeader)));
  cg.submit_event(ev);
  b.CreateRet(cg.i64(0));
  b.SetInsertPoint(llvm::BasicBlock::Create(cg.ctx_, "unused", cg.fn_));  // the block, never run
}
#endif

}  // namespace

const std::vector<Provider>& watchpoint_providers() {
  static const std::vector<Provider> providers = {
      {.name = "watchpoint",
       .aliases = {"w", "asyncwatchpoint"},
       .kinds = {ProbeKind::Watchpoint},
       .regs_context = true,
       .syntax = "watchpoint:ADDR:LEN:r|w|rw|x, watchpoint|asyncwatchpoint:FUNC+argN:LEN:MODE (needs -p or -c)",
       .expand = FRONT_SIDE(expand),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("perf_event"); })},
      // Not written in scripts: the uprobe that arms a watchpoint on a function's argument.
      {.name = "watchpoint setup",
       .aliases = {},
       .kinds = {ProbeKind::WatchpointSetup},
       .regs_context = true,
       .user_space = true,
       .syntax = nullptr,
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("uprobe"); }),
       .prologue = PLUGIN_SIDE(setup_prologue)},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
