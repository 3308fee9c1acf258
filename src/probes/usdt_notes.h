// USDT probes: the SystemTap SDT notes (.note.stapsdt) of an ELF file, and their argument
// specifications ("-4@%eax 8@-8(%rbp) 4@$5"). The provider is usdt.cpp, attaching is
// runtime/probes/usdt.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace scry {

struct UsdtArg {
  enum Kind { Register, Memory, Constant } kind = Constant;
  uint32_t size = 8;      // bytes
  bool is_signed = false;
  uint32_t reg = 0;       // Register/Memory: offset of the register in struct pt_regs
  int64_t value = 0;      // Memory: displacement; Constant: the value, cut to its size
  bool indexed = false;   // Memory at reg + value + index register * scale
  uint32_t index_reg = 0, scale = 1;
};

struct UsdtProbe {
  std::string provider, name;
  uint64_t file_offset = 0;       // where the uprobe goes
  uint64_t semaphore_offset = 0;  // file offset of the is-enabled counter, 0 if none
  std::vector<UsdtArg> args;
  std::string arg_text;           // as in the note, for listing and errors
  std::string error;              // an argument scry cannot decode (the probe is still listed)
};

std::vector<UsdtProbe> read_usdt_probes(const std::string& path);

// Parses one argument ("-4@%eax"); false if scry cannot decode it.
bool parse_usdt_arg(const std::string& text, UsdtArg& out);

}  // namespace scry
