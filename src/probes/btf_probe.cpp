// Probes typed by the kernel's BTF: rawtracepoint:NAME (tp_btf), fentry:FUNCTION and
// fexit:FUNCTION (kfunc, kretfunc). Their context is an array of u64 arguments, named and
// typed from BTF; fexit's return value follows them.
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include <fnmatch.h>

#include "src/sema/sema.h"
#include "src/types/btf.h"
#include "src/types/kernel_info.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
const char* kind_name(ProbeKind k) {
  return k == ProbeKind::RawTracepoint ? "rawtracepoint" : k == ProbeKind::Fentry ? "fentry" : "fexit";
}

template <ProbeKind Kind>
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  const char* kname = kind_name(Kind);
  // rawtracepoint:NAME, rawtracepoint:MODULE:NAME; fentry:FUNC, fentry:MODULE:FUNC
  std::string name = parts.size() == 3 ? parts[2] : parts.size() == 2 ? parts[1] : "";
  if (name.empty()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, std::string(kname) + " probes are written " + kname + ":NAME");
    return false;
  }
  KernelBtf* btf = KernelBtf::get();
  if (!btf) {
    diags.report(DiagKind::BadAttachPoint, ap.loc,
                 std::string(kname) + " probes need the kernel's BTF (/sys/kernel/btf/vmlinux)");
    return false;
  }
  // fentry:MODULE:FUNC: the module's functions and types are in its own BTF, split from the
  // kernel's (modules built with CONFIG_DEBUG_INFO_BTF_MODULES). "vmlinux" is the kernel
  // itself; a wildcard names the first of the kernel and its modules with a matching function.
  std::string module = parts.size() == 3 && Kind != ProbeKind::RawTracepoint ? parts[1] : "";
  if (has_wildcard(module)) {
    std::string found = kernel().btf_module_with_function(module, name);
    if (found.empty()) {
      diags.report(DiagKind::UnknownTracepoint, ap.loc,
                   "no module matching '" + module + "' has a function matching '" + name + "' in its BTF");
      return false;
    }
    module = found;
  }
  bool in_module = !module.empty() && module != "vmlinux";
  if (std::string error; in_module && !kernel().add_module_btf(module, error)) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, error);
    return false;
  }
  std::vector<std::string> names;
  if (has_wildcard(name)) {
    for (auto& n : Kind == ProbeKind::RawTracepoint ? raw_tracepoint_names()
                   : in_module                     ? btf->module_functions()
                                                   : kernel_btf_functions())
      if (fnmatch(name.c_str(), n.c_str(), 0) == 0) names.push_back(n);
  } else {
    names.push_back(name);
  }
  for (auto& n : names) {
    auto f = Kind == ProbeKind::RawTracepoint ? btf->raw_tracepoint(n) : btf->function(n);
    if (!f) {
      diags.report(DiagKind::UnknownTracepoint, ap.loc,
                   Kind == ProbeKind::RawTracepoint
                       ? "unknown raw tracepoint '" + n + "' (no btf_trace_" + n + " in BTF)"
                       : "unknown kernel function '" + n + "' (not in BTF)");
      return false;
    }
    ProbeInstance pi;
    pi.spec.kind = Kind;
    pi.spec.func = n;
    pi.spec.name = std::string(kname) + ":" + (module.empty() ? "" : module + ":") + n;
    pi.btf_args = f->params;
    pi.has_btf_args = true;
    if (Kind == ProbeKind::Fexit) pi.btf_args.emplace_back("$retval", f->ret);
    if (Kind != ProbeKind::RawTracepoint) pi.spec.hint = tracepoint_hint(n, Kind == ProbeKind::Fexit);
    out.push_back(pi);
  }
  if (names.empty())
    diags.report(DiagKind::NoMatchingProbe, ap.loc, std::string("no ") + kname + " matches '" + name + "'");
  return true;
}

template <ProbeKind Kind>
void list(Lister& l) {
  KernelBtf* kb = KernelBtf::get();
  if (!kb) return;
  std::string prefix = std::string(kind_name(Kind)) + ":";
  if (Kind == ProbeKind::RawTracepoint) {
    for (auto& n : raw_tracepoint_names()) l.emit(prefix + n);
    return;
  }
  for (auto& n : kernel_btf_functions()) {
    std::vector<std::string> args;
    if (l.verbose())
      if (auto f = kb->function(n))
        for (auto& [pn, pt] : f->params) args.push_back(pt.name() + " " + pn);
    l.emit(prefix + n, args);
  }
}

std::vector<std::string> describe(const ProbeInstance& p) {
  std::vector<std::string> out;
  for (auto& [name, type] : p.btf_args)
    if (name[0] != '$') out.push_back(type.name() + " " + name);
  return out;
}

// args.NAME: the argument of that name, by its position in the context.
Type args_type(Sema& s, Expr& e) {
  const ProbeInstance& p = s.probe();
  Loc name_loc = e.loc;
  name_loc.col = name_loc.end_col - int(e.str.size()) + 1;
  for (size_t i = 0; i < p.btf_args.size(); i++)
    if (p.btf_args[i].first == e.str) {
      e.slot = int(i);
      if (p.btf_args[i].second.kind == TypeKind::None) {
        s.error(DiagKind::UnknownField, name_loc, "argument '" + e.str + "' has a type scry cannot read");
        return Type::none();
      }
      return p.btf_args[i].second;
    }
  std::string names;
  for (auto& [n, t] : p.btf_args)
    if (n[0] != '$') names += (names.empty() ? "" : ", ") + n;
  s.error(DiagKind::UnknownField, name_loc, p.spec.name + " has no argument '" + e.str + "'",
          "its arguments are: " + names);
  return Type::none();
}

Type fexit_retval_type(Sema& s, Expr& e) {
  const ProbeInstance& p = s.probe();
  e.slot = int(p.btf_args.size() - 1);
  const Type& t = p.btf_args.back().second;
  return t.kind == TypeKind::None ? Type::integer(8, false) : t;
}
#endif

#ifdef SCRY_CODEGEN
llvm::Value* args_lower(CodeGen& cg, const Expr& e) { return cg.btf_arg(e.slot, e.type); }
#endif

}  // namespace

const std::vector<Provider>& btf_providers() {
  static const std::vector<Provider> providers = {
      {.name = "rawtracepoint",
       .aliases = {"rt"},
       .kinds = {ProbeKind::RawTracepoint},
       .syntax = "rawtracepoint:NAME (BTF-typed args.NAME)",
       .expand = FRONT_SIDE(expand<ProbeKind::RawTracepoint>),
       .list = FRONT_SIDE(list<ProbeKind::RawTracepoint>),
       .describe = FRONT_SIDE(describe),
       .args_type = FRONT_SIDE(args_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "tp_btf/" + s.func; }),
       .args_lower = PLUGIN_SIDE(args_lower)},
      {.name = "fentry",
       .aliases = {"kfunc", "f"},
       .kinds = {ProbeKind::Fentry},
       .load_refused = "this kernel refuses fentry/fexit programs (BPF trampolines)",
       .syntax = "fentry:FUNCTION (needs BPF trampolines)",
       .expand = FRONT_SIDE(expand<ProbeKind::Fentry>),
       .list = FRONT_SIDE(list<ProbeKind::Fentry>),
       .describe = FRONT_SIDE(describe),
       .args_type = FRONT_SIDE(args_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "fentry/" + s.func; }),
       .args_lower = PLUGIN_SIDE(args_lower)},
      {.name = "fexit",
       .aliases = {"kretfunc", "fr"},
       .kinds = {ProbeKind::Fexit},
       .load_refused = "this kernel refuses fentry/fexit programs (BPF trampolines)",
       .syntax = "fexit:FUNCTION (needs BPF trampolines)",
       .expand = FRONT_SIDE(expand<ProbeKind::Fexit>),
       .list = FRONT_SIDE(list<ProbeKind::Fexit>),
       .describe = FRONT_SIDE(describe),
       .args_type = FRONT_SIDE(args_type),
       .retval_type = FRONT_SIDE(fexit_retval_type),
       .section = PLUGIN_SIDE([](const ProbeSpec& s) { return "fexit/" + s.func; }),
       .args_lower = PLUGIN_SIDE(args_lower),
       .retval_lower = PLUGIN_SIDE([](CodeGen& cg, const Expr& e) { return cg.btf_arg(e.slot, e.type); })},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
