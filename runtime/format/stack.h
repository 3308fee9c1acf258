// kstack/ustack values: their frames read from the stack map, named by the kernel and user
// symbolizers, and laid out in the three modes (bpftrace, perf, raw) and the folded form.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "runtime/symbols/user_symbols.h"

namespace scry::fmt {

struct StackFrame {
  uint64_t addr = 0;
  SymbolizedFrame sym;
};

// Innermost first; empty if the stack could not be taken (the id is an error) or is gone.
std::vector<StackFrame> read_stack(const Type& t, const uint8_t* p, const ValueNames& names);

// One frame as its line shows in the type's mode, without indentation:
//   bpftrace "vfs_read+187" (an address in hex when unnamed), perf "ffffffff8123 vfs_read+187"
//   (and " (module)" for user frames), raw "ffffffff8123".
std::string frame_text(const Type& t, const StackFrame& f);

// "\n" then one line per frame; bpftrace mode indents by `indent` spaces, perf by a tab.
std::string format_stack(const Type& t, const uint8_t* p, const ValueNames& names, int indent);

// Function names only, outermost first, for folded stacks ("[unknown]" when unnamed).
std::vector<std::string> folded_frames(const Type& t, const uint8_t* p, const ValueNames& names);

}  // namespace scry::fmt
