// What a family file of builtins includes: the registry, and what the side being built uses
// (sema for type rules and the runtime's printers in scry; codegen in the plugin).
#pragma once
#include "src/builtins/builtin.h"
#ifdef SCRY_CODEGEN
#include "src/codegen/codegen_internal.h"
#else
#include "runtime/manifest.h"
#include "src/diag/diag.h"
#include "src/sema/sema.h"
#endif

namespace scry {

// Little-endian u64 at p (values in events and maps are 8-byte aligned, but copies need not be).
inline uint64_t word_at(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

}  // namespace scry
