// uprobe:PATH:FUNCTION[+OFFSET] and uretprobe:PATH:FUNCTION: probes on user functions, named
// from the binary's ELF symbols (C++ names demangled, IFUNCs resolved to this CPU's code).
#include "src/probes/binaries.h"
#include "src/probes/listing.h"
#include "src/probes/provider.h"
#include "src/probes/registers.h"
#ifndef SCRY_CODEGEN
#include <cxxabi.h>
#include <dlfcn.h>
#include <fnmatch.h>

#include <cstdlib>

#include <map>

#include "runtime/symbols/elf_symbols.h"
#include "src/sema/sema.h"
#include "src/types/btf.h"
#include "src/types/dwarf.h"
#endif
#include "src/types/abi.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
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

// The probes on `func` (a name, a pattern or an address) of one binary; false after an error.
template <ProbeKind Kind>
bool expand_in(const AttachPoint& ap, const std::string& path, const std::string& func, uint64_t off, bool sole,
               std::vector<ProbeInstance>& out, Diagnostics& diags) {
  const char* kind = Kind == ProbeKind::Uretprobe ? "uretprobe" : "uprobe";
  auto add = [&](const std::string& sym, const std::string& shown, uint64_t file_offset = 0) {
    ProbeInstance pi;
    pi.spec.kind = Kind;
    pi.spec.path = path;
    pi.spec.func = sym;
    pi.spec.offset = file_offset ? file_offset + off : off;
    pi.spec.name = std::string(kind) + ":" + path + ":" + shown + (off ? "+" + std::to_string(off) : "");
    out.push_back(pi);
  };
  std::vector<ElfSymbol> symbols = read_elf_symbols(path);
  // An address instead of a name (uprobe:PATH:0x1234, or decimal): it must fall inside a
  // function of the binary, as in bpftrace, so that the probe lands on an instruction.
  if (!func.empty() && isdigit((unsigned char)func[0])) {
    char* end = nullptr;
    uint64_t vaddr = std::strtoull(func.c_str(), &end, 0);
    const ElfSymbol* in = nullptr;
    for (auto& s : symbols)
      if (*end == 0 && s.is_function && vaddr >= s.address && vaddr < s.address + s.size) in = &s;
    if (!in) {
      char hex[32];
      snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)vaddr);
      diags.report(DiagKind::BadAttachPoint, ap.loc, "Could not resolve address: " + path + ":" + hex)
          .notes.push_back("an address must fall inside a function of the binary's symbol table");
      return false;
    }
    if (Kind == ProbeKind::Uretprobe && vaddr != in->address) {
      diags.report(DiagKind::BadAttachPoint, ap.loc,
                   "uretprobes cannot be attached at function offset. (address resolved to: " + in->name + "+" +
                       std::to_string(vaddr - in->address) + ")");
      return false;
    }
    uint64_t file_off = elf_vaddr_to_offset(path, vaddr);
    add("", func, file_off ? file_off : vaddr);
    out.back().spec.func_display = in->name;
    return true;
  }
  size_t before = out.size();
  for (auto& s : symbols) {
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
  if (out.size() == before && !has_wildcard(func) && sole) {
    // Not fatal until attaching: --dry-run still compiles and loads the program.
    auto& d = diags.report(DiagKind::MissingFunction, ap.loc,
                           "no function '" + func + "' in " + path + ": this probe cannot attach");
    d.notes.push_back("'scry -l \"" + std::string(kind) + ":" + path + ":*\"' lists its functions");
    add(func, func);
  }
  return true;
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
  if (parts.size() < 3 || (parts[1].empty() && !target_pid()) || spec.empty() || !split_offset(spec, func, off)) {
    diags.report(
        DiagKind::BadAttachPoint, ap.loc,
        std::string(kind) + " probes are written " + kind + ":PATH:FUNCTION (PATH may be a library name such as libc)");
    return false;
  }
  std::vector<std::string> paths = binaries_named(parts[1]);
  if (paths.empty()) return no_binary(ap, parts[1], diags);
  size_t before = out.size();
  for (auto& path : paths) note_dwarf_binary(path);  // its struct types, for casts
  for (auto& path : paths)
    if (!expand_in<Kind>(ap, path, func, off, paths.size() == 1, out, diags)) return false;
  if (out.size() == before)
    diags.report(DiagKind::NoMatchingProbe, ap.loc,
                 "no function of " + (paths.size() == 1 ? paths[0] : "'" + parts[1] + "'") + " matches '" + func + "'");
  return true;
}

// The function's parameters from the binary's DWARF (once per probe), nullptr without it.
const std::vector<DwarfParam>* params_of(const ProbeSpec& spec) {
  static std::map<std::string, std::optional<std::vector<DwarfParam>>> known;
  KernelBtf* btf = KernelBtf::get();
  const std::string& func = spec.func.empty() ? spec.func_display : spec.func;
  if (!btf || func.empty()) return nullptr;
  auto [it, fresh] = known.try_emplace(spec.path + ":" + func);
  if (fresh) it->second = dwarf_params(spec.path, func, *btf);
  return it->second ? &*it->second : nullptr;
}

// args.NAME: the function's parameter NAME, typed from DWARF.
Type args_type(Sema& s, Expr& e) {
  const ProbeInstance& p = s.probe();
  Loc name_loc = e.loc;
  name_loc.col = name_loc.end_col - int(e.str.size()) + 1;
  const std::vector<DwarfParam>* params = p.spec.kind == ProbeKind::Uprobe ? params_of(p.spec) : nullptr;
  if (!params) {
    s.error(DiagKind::ArgsNotAvailable, e.loc,
            p.spec.kind == ProbeKind::Uprobe
                ? "args is not available: " + p.spec.path + " has no debug information (DWARF) for this function"
                : "args is not available in " + std::string(p.spec.kind == ProbeKind::Uretprobe ? "uretprobes" : "this probe"),
            "argN reads the arguments by position");
    return Type::none();
  }
  std::string names;
  for (size_t i = 0; i < params->size(); i++) {
    const DwarfParam& d = (*params)[i];
    names += (names.empty() ? "" : ", ") + d.name;
    if (d.name != e.str) continue;
    if (i >= std::size(abi::pt_regs::kArgs) || (d.type.kind != TypeKind::Integer && d.type.kind != TypeKind::Pointer)) {
      s.error(DiagKind::UnknownField, name_loc, "argument '" + e.str + "' (" + d.c_type + ") is not in a register scry reads");
      return Type::none();
    }
    e.slot = int(i);
    Type t = d.type;
    if (t.kind == TypeKind::Pointer) t.user = true;  // the process's memory
    return t;
  }
  s.error(DiagKind::UnknownField, name_loc, p.spec.name + " has no argument '" + e.str + "'", "its arguments are: " + names);
  return Type::none();
}

// uprobe:libc:* lists as uprobe:/lib/.../libc.so.6:*, the binary's functions; a file pattern
// lists each file it matches; with -p, the process's files.
template <ProbeKind Kind>
void list(Lister& l) {
  std::string kind = Kind == ProbeKind::Uretprobe ? "uretprobe" : "uprobe";
  // A pattern without a kind ("*:NAME", or none) names no binary: it lists the process's
  // functions with -p, else nothing (uretprobes only when asked for by name).
  bool bare = has_wildcard(l.part(0)) && l.part(2).empty();
  if (bare && (!target_pid() || Kind == ProbeKind::Uretprobe)) return;
  if (!bare && l.part(1).empty() && !target_pid()) return;
  const std::string& full = l.pattern();
  size_t second = full.find(':', full.find(':') + 1);
  std::string func_pattern = bare || second == std::string::npos ? "*" : full.substr(second + 1);
  for (auto& path : binaries_named(bare ? "" : l.part(1))) {
    auto emit_all = [&] {
      for (auto& s : read_elf_symbols(path)) {
        if (!s.is_function) continue;
        std::string name = kind + ":" + path + ":" + s.name;
        if (l.verbose() && l.match(name)) l.emit(name, dwarf_param_lines(path, s.name));  // -lv: from DWARF
        else l.emit(name);
      }
    };
    if (bare) emit_all();
    else l.with_pattern(kind + ":" + path + ":" + func_pattern, emit_all);
  }
}
#endif

#ifdef SCRY_CODEGEN
// args.NAME: its register (sema put its position in `slot`), cut to its type's size.
llvm::Value* args_lower(CodeGen& cg, const Expr& e) {
  return cg.fit_int(cg.b_.CreateLoad(cg.b_.getInt64Ty(), cg.byte_ptr(cg.ctx_arg_, abi::pt_regs::kArgs[e.slot])), e.type);
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
       .describe = FRONT_SIDE([](const ProbeInstance& p) {
         return dwarf_param_lines(p.spec.path, p.spec.func.empty() ? p.spec.func_display : p.spec.func);
       }),
       .args_type = FRONT_SIDE(args_type),
       .arg_type = FRONT_SIDE(register_arg_type),
       .section = PLUGIN_SIDE([](const ProbeSpec&) { return std::string("uprobe"); }),
       .args_lower = PLUGIN_SIDE(args_lower),
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
