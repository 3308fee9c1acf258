// usdt:PATH:[PROVIDER:]NAME: the static probes a program declares (SystemTap SDT notes,
// usdt_notes.cpp). One probe per location; argN is where the note says the compiler put it.
#include "src/probes/binaries.h"
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include <fnmatch.h>

#include <set>

#include "src/sema/sema.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
// usdt:PATH:[PROVIDER:]NAME, where PATH may be a file pattern, or empty with -p (the
// process's files and libraries), and an empty PROVIDER is any.
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  if (parts.size() != 3 && parts.size() != 4) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "usdt probes are written usdt:PATH:[PROVIDER:]NAME");
    return false;
  }
  if (parts[1].empty() && !target_pid()) {
    diags.report(DiagKind::BadAttachPoint, ap.loc, "a usdt probe without a PATH needs -p PID: the process's files");
    return false;
  }
  std::vector<std::string> paths = binaries_named(parts[1]);
  if (paths.empty()) return no_binary(ap, parts[1], diags);
  std::string prov = parts.size() == 4 && !parts[2].empty() ? parts[2] : "*", name = parts.back();
  size_t before = out.size();
  for (auto& path : paths)
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
    std::string where = paths.size() == 1 ? paths[0] : parts[1].empty() ? "the process's files" : "'" + parts[1] + "'";
    auto& d = diags.report(DiagKind::UnknownTracepoint, ap.loc, "no USDT probe " + prov + ":" + name + " in " + where);
    if (paths.size() == 1) d.notes.push_back("'scry -l \"usdt:" + paths[0] + ":*\"' lists its probes");
    return false;
  }
  return true;
}

// usdt:PATH:* lists provider:name; a pattern without a provider matches any provider. A file
// pattern lists each file it matches; with -p, the process's files.
void list(Lister& l) {
  bool bare = has_wildcard(l.part(0)) && l.part(2).empty();  // "*:NAME": names no binary
  if (bare ? !target_pid() : l.part(1).empty() && !target_pid()) return;
  const std::string& full = l.pattern();
  size_t second = full.find(':', full.find(':') + 1);
  std::string tail = bare || second == std::string::npos ? "*" : full.substr(second + 1);
  for (auto& path : binaries_named(bare ? "" : l.part(1))) {
    auto emit_all = [&] {
      std::set<std::string> seen;
      for (auto& p : read_usdt_probes(path))
        if (seen.insert(p.provider + ":" + p.name).second)
          l.emit("usdt:" + path + ":" + p.provider + ":" + p.name, {p.arg_text});
    };
    if (bare) emit_all();
    else l.with_pattern("usdt:" + path + ":" + (tail.find(':') == std::string::npos ? "*:" + tail : tail), emit_all);
  }
}

Type arg_type(Sema& s, Expr& e, int n, bool stack) {
  const ProbeInstance& p = s.probe();
  if (stack) {
    s.error(DiagKind::ArgsNotAvailable, e.loc, e.str + " is not available in usdt probes: their arguments are argN");
    return Type::none();
  }
  if (size_t(n) >= p.usdt_args.size()) {
    s.error(DiagKind::ArgsNotAvailable, e.loc,
            p.spec.name + " has " + std::to_string(p.usdt_args.size()) + " argument" +
                (p.usdt_args.size() == 1 ? "" : "s") + ": arg0 to arg" + std::to_string(int(p.usdt_args.size()) - 1));
    return Type::none();
  }
  if (!p.usdt_error.empty()) {
    s.error(DiagKind::NotSupportedHere, e.loc, p.spec.name + ": " + p.usdt_error);
    return Type::none();
  }
  e.ival = n;
  const UsdtArg& a = p.usdt_args[size_t(n)];
  return Type::integer(a.size, a.is_signed);
}
#endif

#ifdef SCRY_CODEGEN
// Where the compiler put the argument, as the SDT note says: a register, memory at a register
// plus a displacement, or a constant.
llvm::Value* arg_lower(CodeGen& cg, const Expr& e) {
  auto& b = cg.b_;
  auto* i64ty = b.getInt64Ty();
  const UsdtArg& a = cg.inst_->usdt_args[size_t(e.ival)];
  if (a.kind == UsdtArg::Constant) return cg.i64(uint64_t(a.value));
  llvm::Value* v = b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, a.reg));
  if (a.kind == UsdtArg::Memory) {
    llvm::Value* addr = b.CreateAdd(v, cg.i64(uint64_t(a.value)));
    if (a.indexed) {
      llvm::Value* index = b.CreateLoad(i64ty, cg.byte_ptr(cg.ctx_arg_, a.index_reg));
      addr = b.CreateAdd(addr, b.CreateMul(index, cg.i64(a.scale)));
    }
    auto* tmp = cg.alloca_bytes(8, "usdt.arg");
    b.CreateStore(cg.i64(0), tmp);
    cg.probe_read(tmp, a.size, addr, true);
    v = b.CreateLoad(i64ty, tmp);
  }
  return cg.fit_int(v, Type::integer(a.size, a.is_signed));
}
#endif

}  // namespace

const std::vector<Provider>& usdt_providers() {
  static const std::vector<Provider> providers = {
      {.name = "usdt",
       .aliases = {"U"},
       .kinds = {ProbeKind::Usdt},
       .regs_context = true,
       .user_space = true,
       .syntax = "usdt:PATH:[PROVIDER:]NAME (semaphores set while attached)",
       .expand = FRONT_SIDE(expand),
       .list = FRONT_SIDE(list),
       .describe = FRONT_SIDE([](const ProbeInstance& p) {
         std::vector<std::string> out;
         for (size_t i = 0; i < p.usdt_args.size(); i++)
           out.push_back(std::string(p.usdt_args[i].is_signed ? "int" : "uint") +
                         std::to_string(p.usdt_args[i].size * 8) + " arg" + std::to_string(i));
         return out;
       }),
       .arg_type = FRONT_SIDE(arg_type),
       // A USDT probe is a uprobe at its location (runtime/probes/usdt.cpp).
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("uprobe"); }),
       .arg_lower = PLUGIN_SIDE(arg_lower)},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
