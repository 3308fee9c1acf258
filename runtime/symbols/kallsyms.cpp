#include "runtime/symbols/kallsyms.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace scry {

namespace {
bool stale = true;  // not read yet, or BPF programs were loaded since
}

const Kallsyms& Kallsyms::get() {
  static Kallsyms k;
  if (stale) k = load("/proc/kallsyms");
  stale = false;
  return k;
}

void Kallsyms::programs_loaded() { stale = true; }

Kallsyms Kallsyms::load(const std::string& path) {
  Kallsyms out;
  FILE* f = fopen(path.c_str(), "r");
  if (!f) return out;
  char line[512], name[256], type;
  unsigned long long addr;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3) continue;
    if (addr) out.syms_.push_back({addr, name});
    if ((type == 't' || type == 'T') && !strchr(line, '[')) out.functions_.push_back(name);
  }
  fclose(f);
  std::stable_sort(out.syms_.begin(), out.syms_.end(), [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
  std::sort(out.functions_.begin(), out.functions_.end());
  out.functions_.erase(std::unique(out.functions_.begin(), out.functions_.end()), out.functions_.end());
  return out;
}

uint64_t Kallsyms::address(const std::string& name) const {
  // Rare (once per kaddr() in a script): a scan beats keeping a second index.
  for (auto& s : syms_)
    if (s.name == name) return s.addr;
  return 0;
}

uint64_t Kallsyms::function_size(const std::string& name) const {
  for (size_t i = 0; i + 1 < syms_.size(); i++)
    if (syms_[i].name == name) {
      size_t j = i + 1;
      while (j < syms_.size() && syms_[j].addr == syms_[i].addr) j++;  // aliases at one address
      return j < syms_.size() ? syms_[j].addr - syms_[i].addr : 0;
    }
  return 0;
}

SymbolizedFrame Kallsyms::lookup(uint64_t addr) const {
  SymbolizedFrame f;
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](uint64_t a, const Sym& s) { return a < s.addr; });
  if (it == syms_.begin()) return f;
  --it;
  f.known = true;
  f.name = it->name;
  f.offset = addr - it->addr;
  return f;
}

std::string Kallsyms::symbolize(uint64_t addr, bool with_offset) const {
  SymbolizedFrame f = lookup(addr);
  if (!f.known) {
    char buf[32];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)addr);
    return buf;
  }
  return with_offset ? f.name + "+" + std::to_string(f.offset) : f.name;
}

}  // namespace scry
