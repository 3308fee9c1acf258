// Loads the code generator plugin (scry-codegen.so, beside the executable) the first time a
// script is compiled: LLVM is most of scry's size, and a run from the compile cache, a probe
// listing or an error in the script never needs it.
#include <dlfcn.h>
#include <cstdlib>
#include <limits.h>
#include <unistd.h>

#include "src/codegen/codegen.h"

namespace scry {

namespace {

std::vector<std::string> plugin_places() {
  // Tests of the compiler that are not scry itself name the plugin.
  if (const char* path = getenv("SCRY_CODEGEN_PLUGIN")) return {path};
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string dir = n > 0 ? std::string(exe, size_t(n)) : std::string(".");
  dir = dir.substr(0, dir.rfind('/'));
  // Beside the executable (the build tree), or in ../lib/scry (an installed scry).
  return {dir + "/scry-codegen.so", dir + "/../lib/scry/scry-codegen.so"};
}

}  // namespace

std::string codegen_plugin_path() {
  for (auto& p : plugin_places())
    if (access(p.c_str(), F_OK) == 0) return p;
  return "";
}

bool generate(const Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest,
              Diagnostics& diags, bool want_ir, CodegenResult& out) {
  static std::string error;
  static GenerateFn fn = [] {
    for (const std::string& path : plugin_places()) {
      void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!h) {
        if (error.empty() || access(path.c_str(), F_OK) == 0) error = dlerror();
        continue;
      }
      if (auto* f = reinterpret_cast<GenerateFn>(dlsym(h, kGenerateSymbol))) return f;
      error = path + " has no " + kGenerateSymbol;
    }
    return GenerateFn(nullptr);
  }();
  if (!fn) {
    diags.report(DiagKind::CodegenUnavailable, Loc{}, "cannot load scry's code generator: " + error);
    return false;
  }
  return fn(prog, instances, manifest, diags, want_ir, out);
}

}  // namespace scry
