// User-space symbols: the address of a frame in process PID, named from the ELF symbol tables
// of the file mapped there (executable, PIE or shared library) or from /tmp/perf-PID.map (JIT
// runtimes). A process's mappings are read once, when the program first reports its pid, so a
// process that has exited by the time its stacks print still gets names.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/symbols/elf_symbols.h"

namespace scry {

struct SymbolizedFrame {
  bool known = false;   // false: no symbol covers the address
  std::string name;     // function (C++ names demangled)
  uint64_t offset = 0;  // from the function's start
  std::string module;   // the mapped file; "" if the address is in no file mapping
};

class UserSymbols {
 public:
  static UserSymbols& get();
  // Reads /proc/PID/maps now; a later call for the same pid does nothing unless `refresh`
  // (the process is about to exit: its mappings as they are at the end).
  void note_process(uint32_t pid, bool refresh = false);
  SymbolizedFrame resolve(uint32_t pid, uint64_t addr);
  // C++ names as the binary spells them (BPFTRACE_NO_CPP_DEMANGLE=1), or demangled (default).
  void set_demangle(bool on) { demangle_ = on; }

 private:
  bool demangle_ = true;
  struct Mapping {
    uint64_t start, end, file_offset;
    std::string path;  // where to open the file from here
    std::string name;  // the path as the process sees it
  };
  struct Image {
    std::vector<ElfSymbol> functions;  // sorted by address
    std::vector<ElfLoadSegment> segments;
  };
  struct PerfMapEntry {
    uint64_t start, size;
    std::string name;
  };
  const Image& image(const std::string& path);
  const std::vector<PerfMapEntry>& perf_map(uint32_t pid);

  std::unordered_map<uint32_t, std::vector<Mapping>> processes_;
  std::unordered_map<std::string, Image> images_;
  std::unordered_map<uint32_t, std::vector<PerfMapEntry>> perf_maps_;
};

// "_ZN4scry7Counter4bumpEl" -> "scry::Counter::bump(long)"; other names unchanged.
std::string demangle(const std::string& name);

}  // namespace scry
