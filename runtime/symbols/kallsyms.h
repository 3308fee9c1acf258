// Kernel symbols from /proc/kallsyms: loaded once, searched by address and by name. The one
// reader of kallsyms, for the runtime (ksym, kernel stacks) and the compiler (kaddr(), kprobe
// names and offsets).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/symbols/user_symbols.h"

namespace scry {

class Kallsyms {
 public:
  static const Kallsyms& get();  // the machine's /proc/kallsyms, loaded on first use
  // BPF programs were loaded and attached: their symbols and their trampolines' (bpf_prog_*,
  // bpf_trampoline_*) are new in kallsyms, and kernel stacks through fentry pass through
  // them. The next get() reads kallsyms again.
  static void programs_loaded();
  static Kallsyms load(const std::string& path);  // a file in kallsyms' format
  // "vfs_read+187" (with_offset) or "vfs_read"; the address in hex if nothing covers it.
  std::string symbolize(uint64_t addr, bool with_offset) const;
  SymbolizedFrame lookup(uint64_t addr) const;
  // The address of a symbol by name (kaddr(), kprobe checks); 0 if there is none.
  uint64_t address(const std::string& name) const;
  // Text symbols of the kernel itself (not of modules), sorted and unique: what kprobes may
  // name.
  const std::vector<std::string>& functions() const { return functions_; }
  // Bytes from a function's address to the next symbol's; 0 if it is not known.
  uint64_t function_size(const std::string& name) const;

 private:
  struct Sym {
    uint64_t addr;
    std::string name;
  };
  std::vector<Sym> syms_;  // sorted by address
  std::vector<std::string> functions_;
};

}  // namespace scry
