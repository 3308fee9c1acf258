// uprobe:PATH:FUNCTION[+OFFSET] and uretprobe:PATH:FUNCTION: probes on user functions, named
// from the binary's ELF symbols (C++ names demangled, IFUNCs resolved to this CPU's code).
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#include "src/probes/registers.h"
#ifndef SCRY_CODEGEN
#include <cxxabi.h>
#include <dlfcn.h>
#include <fnmatch.h>

#include <cstdlib>

#include "runtime/symbols/elf_symbols.h"
#endif

namespace scry {
inline namespace SCRY_BUILTINS_SIDE {

namespace {

#ifndef SCRY_CODEGEN
// A C++ symbol's demangled name without its parameter list: "ns::Class::method".
std::string demangled_name(const std::string& sym) {
  if (sym.rfind("_Z", 0) != 0) return "";
  int status = 0;
  char* d = ::abi::__cxa_demangle(sym.c_str(), nullptr, nullptr, &status);
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

template <ProbeKind Kind>
bool expand(const AttachPoint& ap, const std::vector<std::string>& parts, std::vector<ProbeInstance>& out,
            Diagnostics& diags) {
  const char* kind = Kind == ProbeKind::Uretprobe ? "uretprobe" : "uprobe";
  // uprobe:PATH:FUNC; C++ names may hold "::", so everything after PATH is the function.
  std::string spec;
  for (size_t i = 2; i < parts.size(); i++) spec += (i > 2 ? ":" : "") + parts[i];
  std::string func;
  uint64_t off = 0;
  if (parts.size() < 3 || parts[1].empty() || spec.empty() || !split_offset(spec, func, off)) {
    diags.report(
        DiagKind::BadAttachPoint, ap.loc,
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
    pi.spec.kind = Kind;
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
  size_t before = out.size();
  for (auto& s : read_elf_symbols(path)) {
    if (!s.is_function) continue;
    std::string cxx = demangled_name(s.name);
    bool hit =
        fnmatch(func.c_str(), s.name.c_str(), 0) == 0 || (!cxx.empty() && fnmatch(func.c_str(), cxx.c_str(), 0) == 0);
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
      if (off && s.size && off >= s.size) {
        diags.report(DiagKind::BadAttachPoint, ap.loc,
                     "Offset outside the function bounds ('" + s.name + "' size is " + std::to_string(s.size) + ")");
        return false;
      }
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

// uprobe:libc:* lists as uprobe:/lib/.../libc.so.6:*, the binary's functions.
template <ProbeKind Kind>
void list(Lister& l) {
  // Only a pattern that names a binary lists one: "uprobe:libc", "*:/bin/bash:*"; not "*:c",
  // which is a pattern on the last part of every probe's name.
  if (l.part(1).empty() || has_wildcard(l.part(1)) || (has_wildcard(l.part(0)) && l.part(2).empty())) return;
  std::string path = resolve_binary(l.part(1));
  if (path.empty()) return;
  std::string kind = Kind == ProbeKind::Uretprobe ? "uretprobe" : "uprobe";
  const std::string& full = l.pattern();
  size_t second = full.find(':', full.find(':') + 1);
  std::string func_pattern = second == std::string::npos ? "*" : full.substr(second + 1);
  l.with_pattern(kind + ":" + path + ":" + func_pattern, [&] {
    for (auto& s : read_elf_symbols(path))
      if (s.is_function) l.emit(kind + ":" + path + ":" + s.name);
  });
}
#endif

}  // namespace

const std::vector<Provider>& uprobe_providers() {
  static const std::vector<Provider> providers = {
      {.name = "uprobe",
       .aliases = {"u"},
       .kinds = {ProbeKind::Uprobe},
       .regs_context = true,
       .user_space = true,
       .syntax = "uprobe:PATH|LIBRARY:FUNCTION[+OFFSET]",
       .expand = FRONT_SIDE(expand<ProbeKind::Uprobe>),
       .list = FRONT_SIDE(list<ProbeKind::Uprobe>),
       .arg_type = FRONT_SIDE(register_arg_type),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("uprobe"); }),
       .arg_lower = PLUGIN_SIDE(register_arg_lower)},
      {.name = "uretprobe",
       .aliases = {"ur"},
       .kinds = {ProbeKind::Uretprobe},
       .regs_context = true,
       .user_space = true,
       .syntax = "uretprobe:PATH|LIBRARY:FUNCTION",
       .expand = FRONT_SIDE(expand<ProbeKind::Uretprobe>),
       .list = FRONT_SIDE(list<ProbeKind::Uretprobe>),
       .retval_type = FRONT_SIDE(register_retval_type),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("uretprobe"); }),
       .retval_lower = PLUGIN_SIDE(register_retval_lower)},
  };
  return providers;
}

}  // namespace SCRY_BUILTINS_SIDE
}  // namespace scry
