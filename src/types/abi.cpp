#include "src/types/abi.h"

namespace scry::abi::pt_regs {

int offset_of(const std::string& name) {
  static const char* const kNames[] = {"r15", "r14", "r13", "r12", "bp",      "bx", "r11", "r10",   "r9", "r8", "ax",
                                       "cx",  "dx",  "si",  "di",  "orig_ax", "ip", "cs",  "flags", "sp", "ss"};
  for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; i++)
    if (name == kNames[i]) return int(i * 8);
  return -1;
}

}  // namespace scry::abi::pt_regs
