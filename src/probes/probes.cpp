#include "src/probes/probes.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include <bpf/btf.h>

#include "src/types/kernel_info.h"
#include "src/probes/provider.h"
#include "src/types/btf.h"

namespace scry {

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

std::vector<std::string> split_attach_point(const std::string& s) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '"') quoted = !quoted;
    else if (quoted && c == '\\' && i + 1 < s.size()) out.back() += s[++i];
    else if (!quoted && c == ':') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

bool parse_u64(const std::string& s, uint64_t& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtoull(s.c_str(), &end, 10);
  return *end == 0;
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

const std::vector<std::string>& kernel_functions() { return kernel().functions(); }

uint64_t kernel_symbol_address(const std::string& name) { return kernel().symbol_address(name); }

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

// $1..$N in an attach point are the positional parameters ("i:ms:$1", "uprobe:$1:main").
static std::string with_params(const std::string& text, const std::vector<std::string>& params) {
  std::string out;
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] != '$' || i + 1 >= text.size() || !isdigit((unsigned char)text[i + 1])) {
      out += text[i];
      continue;
    }
    size_t n = 0;
    while (i + 1 < text.size() && isdigit((unsigned char)text[i + 1])) n = n * 10 + size_t(text[++i] - '0');
    if (n >= 1 && n <= params.size()) out += params[n - 1];
  }
  return out;
}

bool expand_probes(const Program& prog, std::vector<ProbeInstance>& out, Diagnostics& diags,
                   const std::vector<std::string>& params) {
  bool ok = true;
  for (size_t i = 0; i < prog.probes.size(); i++) {
    for (AttachPoint ap : prog.probes[i].attach_points) {
      ap.text = with_params(ap.text, params);
      auto parts = split_attach_point(ap.text);
      const Provider* provider = provider_named(parts[0]);
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
      for (size_t j = before; j < out.size(); j++) {
        out[j].probe_index = i;
        out[j].spec.block = uint32_t(i);
      }
    }
  }
  if (ok && out.empty() && !prog.probes.empty() && !prog.probes[0].attach_points.empty()) {
    // Every attach point was a wildcard that matched nothing (each warned): with nothing to
    // run, scry would wait for Ctrl-C for no reason.
    diags.report(DiagKind::NoProbesToAttach, prog.probes[0].attach_points[0].loc,
                 "No probes to attach: no event matches the program's attach points");
    ok = false;
  }
  return ok;
}

}  // namespace scry
