#include "src/types/libclang.h"

#include <dlfcn.h>

namespace scry {

const Clang& Clang::get() {
  static Clang c = [] {
    Clang c;
    void* h = nullptr;
    for (const char* lib : {"libclang-19.so.1", "/usr/lib/llvm-19/lib/libclang-19.so.1", "/usr/lib/llvm-19/lib/libclang.so"})
      if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL))) break;
    if (!h) return c;
    bool all = true;
#define SCRY_CLANG_RESOLVE(name)                                   \
  c.name = reinterpret_cast<decltype(c.name)>(dlsym(h, #name)); \
  all = all && c.name;
    SCRY_LIBCLANG_FUNCTIONS(SCRY_CLANG_RESOLVE)
#undef SCRY_CLANG_RESOLVE
    c.ok = all;
    return c;
  }();
  return c;
}

std::string Clang::str(CXString s) const {
  const char* p = clang_getCString(s);
  std::string out = p ? p : "";
  clang_disposeString(s);
  return out;
}

}  // namespace scry
