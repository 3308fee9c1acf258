#include "runtime/symbols/kallsyms.h"

#include <algorithm>
#include <cstdio>

namespace scry {

const Kallsyms& Kallsyms::get() {
  static Kallsyms k = [] {
    Kallsyms out;
    FILE* f = fopen("/proc/kallsyms", "r");
    if (!f) return out;
    char line[512], name[256], type;
    unsigned long long addr;
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 && addr)
        out.syms_.push_back({addr, name});
    fclose(f);
    std::stable_sort(out.syms_.begin(), out.syms_.end(),
                     [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
    return out;
  }();
  return k;
}

std::string Kallsyms::symbolize(uint64_t addr, bool with_offset) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                             [](uint64_t a, const Sym& s) { return a < s.addr; });
  if (it == syms_.begin()) {
    char buf[32];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)addr);
    return buf;
  }
  --it;
  if (!with_offset) return it->name;
  return it->name + "+" + std::to_string(addr - it->addr);
}

}  // namespace scry
