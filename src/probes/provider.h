// Probe providers: one entry per kind of probe (tracepoint, kprobe, uprobe, usdt, ...), each in
// a file of its own (src/probes/<provider>.cpp), holding what the compiler needs of it: how
// its attach points are written and expanded into concrete probes, how -l lists them, what its
// programs' context holds (args, argN, retval), and the ELF section that tells libbpf the
// program type. The run-time half, attaching, is in runtime/probes/<provider>.cpp.
//
// Like the builtin registry (src/builtins/builtin.h), a provider file is compiled into scry
// (expanding, listing, typing) and into the code generator plugin (lowering, sections).
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "src/builtins/builtin.h"  // TYPING / LOWERING, the two sides
#include "src/probes/probes.h"

namespace scry {

class Lister;

inline namespace SCRY_BUILTINS_SIDE {

struct Provider {
  const char* name;                  // "kprobe"
  std::vector<const char*> aliases;  // "k"
  std::vector<ProbeKind> kinds;      // the kinds of probe it makes (kprobe and kretprobe)
  // Its programs see the probed task's registers (struct pt_regs): reg() works.
  bool regs_context = false;
  // It probes user space: memory reads are of the process, programs may be sleepable.
  bool user_space = false;
  // scry runs its programs itself (BEGIN, END); they are never attached to events.
  bool run_by_scry = false;
  // Why a program of this kind may fail to load before the verifier sees it (the kernel
  // refuses the program type), for the error message; nullptr if there is no such reason.
  const char* load_refused = nullptr;
  const char* syntax;  // for --help: "kprobe:FUNCTION[+OFFSET]"

  // scry: appends the concrete probes of `ap` (split at ':') to `out`; false after an error.
  bool (*expand)(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
                 Diagnostics& diags) = nullptr;
  // scry: -l, the probes it offers that match the lister's pattern.
  void (*list)(Lister& l) = nullptr;
  // scry: -lv of a script's probe, its arguments ("const char * filename").
  std::vector<std::string> (*describe)(const ProbeInstance& p) = nullptr;
  // scry: the type of args.NAME (`field` is the Field expression); none: args is not available.
  Type (*args_type)(Sema& s, Expr& field) = nullptr;
  // scry: the type of argN/sargN (`e` the identifier, n its number, `stack` for sargN).
  Type (*arg_type)(Sema& s, Expr& e, int n, bool stack) = nullptr;
  // scry: the type of retval; nullptr: this kind has no return value.
  Type (*retval_type)(Sema& s, Expr& e) = nullptr;
  // scry: the type of ctx; nullptr: an integer (the context's address).
  Type (*ctx_type)(const ProbeInstance& p) = nullptr;

  // plugin: the ELF section of the program (libbpf reads the program type from it).
  std::string (*section)(const ProbeSpec& spec) = nullptr;
  // plugin: code at the start of the program, before the predicate (which probe of a fan-in
  // fired, an iterator's last call); may return early.
  void (*prologue)(CodeGen& cg, const ProbeInstance& p) = nullptr;
  llvm::Value* (*args_lower)(CodeGen& cg, const Expr& field) = nullptr;
  llvm::Value* (*arg_lower)(CodeGen& cg, const Expr& e) = nullptr;
  llvm::Value* (*retval_lower)(CodeGen& cg, const Expr& e) = nullptr;
};

// Every provider, in the order --help lists them.
const std::vector<const Provider*>& all_providers();
// By the first part of an attach point ("tracepoint", "t"); nullptr if none.
const Provider* provider_named(const std::string& name);
// The provider of a kind of probe.
const Provider& provider_for(ProbeKind kind);

// The provider files, each with the providers it defines.
const std::vector<Provider>& special_providers();     // BEGIN, END
const std::vector<Provider>& tracepoint_providers();  // tracepoint
const std::vector<Provider>& perf_event_providers();  // interval, profile, software, hardware
const std::vector<Provider>& kprobe_providers();      // kprobe, kretprobe
const std::vector<Provider>& uprobe_providers();      // uprobe, uretprobe
const std::vector<Provider>& usdt_providers();        // usdt
const std::vector<Provider>& btf_providers();         // rawtracepoint, fentry, fexit
const std::vector<Provider>& iter_providers();        // iter
const std::vector<Provider>& watchpoint_providers();  // watchpoint

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
