// Kernel symbols from /proc/kallsyms: loaded once, searched by address.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/symbols/user_symbols.h"

namespace scry {

class Kallsyms {
 public:
  static const Kallsyms& get();  // loaded on first use
  // "vfs_read+187" (with_offset) or "vfs_read"; the address in hex if nothing covers it.
  std::string symbolize(uint64_t addr, bool with_offset) const;
  SymbolizedFrame lookup(uint64_t addr) const;
  // The address of a symbol by name (kaddr(), kprobe checks); 0 if there is none.
  uint64_t address(const std::string& name) const;

 private:
  struct Sym {
    uint64_t addr;
    std::string name;
  };
  std::vector<Sym> syms_;  // sorted by address
};

}  // namespace scry
