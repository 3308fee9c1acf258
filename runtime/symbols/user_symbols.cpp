#include "runtime/symbols/user_symbols.h"

#include <cxxabi.h>
#include <sys/auxv.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace scry {

UserSymbols& UserSymbols::get() {
  static UserSymbols s;
  return s;
}

std::string demangle(const std::string& name) {
  if (name.rfind("_Z", 0) != 0) return name;
  int status = 0;
  char* out = ::abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  if (status != 0 || !out) return name;
  std::string s = out;
  free(out);
  return s;
}

void UserSymbols::note_process(uint32_t pid, bool refresh) {
  if (processes_.count(pid) && !refresh) return;
  char path[64];
  snprintf(path, sizeof path, "/proc/%u/maps", pid);
  FILE* f = fopen(path, "r");
  if (!f) {
    processes_[pid];  // gone already: frames print as addresses
    return;
  }
  std::vector<Mapping>& maps = processes_[pid];
  maps.clear();
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    unsigned long long start, end, off;
    char perms[8];
    int name_at = 0;
    if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &off, &name_at) < 4) continue;
    if (perms[2] != 'x') continue;  // only code has frames
    std::string name = name_at ? line + name_at : "";
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    Mapping m{start, end, off, name, name};
    if (!name.empty() && name[0] == '/') {
      // A process in another mount namespace (a container) sees its files under its root.
      struct stat st;
      if (stat(name.c_str(), &st) != 0) m.path = "/proc/" + std::to_string(pid) + "/root" + name;
    }
    maps.push_back(std::move(m));
  }
  fclose(f);
}

// The vDSO every process has mapped ("[vdso]") is the kernel's, the same as scry's own: its
// symbols (clock_gettime, gettimeofday...) are read from scry's copy.
static void read_own_vdso(std::vector<ElfSymbol>& symbols, std::vector<ElfLoadSegment>& segments) {
  unsigned long base = getauxval(AT_SYSINFO_EHDR);
  FILE* f = base ? fopen("/proc/self/maps", "r") : nullptr;
  if (!f) return;
  char line[512];
  unsigned long long start, end;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &start, &end) == 2 && start == base)
      read_elf_memory(reinterpret_cast<const void*>(base), size_t(end - start), symbols, segments);
  fclose(f);
}

const UserSymbols::Image& UserSymbols::image(const std::string& path) {
  auto it = images_.find(path);
  if (it != images_.end()) return it->second;
  Image img;
  std::vector<ElfSymbol> symbols;
  if (path == "[vdso]") read_own_vdso(symbols, img.segments);
  else symbols = read_elf_symbols(path), img.segments = read_load_segments(path);
  for (auto& s : symbols)
    if (s.is_function) img.functions.push_back(s);
  std::sort(img.functions.begin(), img.functions.end(),
            [](const ElfSymbol& a, const ElfSymbol& b) { return a.address < b.address; });
  return images_.emplace(path, std::move(img)).first->second;
}

const std::vector<UserSymbols::PerfMapEntry>& UserSymbols::perf_map(uint32_t pid) {
  auto it = perf_maps_.find(pid);
  if (it != perf_maps_.end()) return it->second;
  std::vector<PerfMapEntry>& out = perf_maps_[pid];
  // "START SIZE name" per line, hex numbers: the convention of perf for JIT-compiled code.
  FILE* f = fopen(("/tmp/perf-" + std::to_string(pid) + ".map").c_str(), "r");
  if (!f) return out;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    unsigned long long start, size;
    int name_at = 0;
    if (sscanf(line, "%llx %llx %n", &start, &size, &name_at) < 2 || !name_at) continue;
    std::string name = line + name_at;
    while (!name.empty() && name.back() == '\n') name.pop_back();
    out.push_back({start, size, name});
  }
  fclose(f);
  std::sort(out.begin(), out.end(), [](const PerfMapEntry& a, const PerfMapEntry& b) { return a.start < b.start; });
  return out;
}

SymbolizedFrame UserSymbols::resolve(uint32_t pid, uint64_t addr) {
  SymbolizedFrame out;
  note_process(pid);  // not seen before: the mappings as they are now
  const Mapping* m = nullptr;
  for (auto& mm : processes_[pid])
    if (addr >= mm.start && addr < mm.end) m = &mm;
  if (m && !m->name.empty() && (m->name[0] == '/' || m->name == "[vdso]")) {
    out.module = m->name;
    const Image& img = image(m->path);
    uint64_t file_off = addr - m->start + m->file_offset;
    for (auto& seg : img.segments) {
      if (file_off < seg.offset || file_off >= seg.offset + seg.filesz) continue;
      uint64_t vaddr = file_off - seg.offset + seg.vaddr;
      auto f = std::upper_bound(img.functions.begin(), img.functions.end(), vaddr,
                                [](uint64_t a, const ElfSymbol& s) { return a < s.address; });
      if (f == img.functions.begin()) break;
      --f;
      if (f->size && vaddr >= f->address + f->size) break;  // in a gap between functions
      out.known = true;
      out.name = demangle_ ? demangle(f->name) : f->name;
      out.offset = vaddr - f->address;
      return out;
    }
  }
  const auto& jit = perf_map(pid);
  auto j = std::upper_bound(jit.begin(), jit.end(), addr,
                            [](uint64_t a, const PerfMapEntry& e) { return a < e.start; });
  if (j != jit.begin() && addr < std::prev(j)->start + std::prev(j)->size) {
    --j;
    out.known = true;
    out.name = j->name;
    out.offset = addr - j->start;
    if (out.module.empty()) out.module = "/tmp/perf-" + std::to_string(pid) + ".map";
  }
  return out;
}

}  // namespace scry
