// Loads the code generator plugin (scry-codegen.so, beside the executable) the first time a
// script is compiled: LLVM is most of scry's size, and a run from the compile cache, a probe
// listing or an error in the script never needs it.
#include <unistd.h>

#include "runtime/plugins.h"
#include "src/codegen/codegen.h"

namespace scry {

namespace {

const char kPlugin[] = "scry-codegen.so";
const char kPluginVariable[] = "SCRY_CODEGEN_PLUGIN";  // tests of the compiler name another build's

}  // namespace

std::string codegen_plugin_path() {
  for (auto& p : plugin_places(kPlugin, kPluginVariable))
    if (access(p.c_str(), F_OK) == 0) return p;
  return "";
}

bool generate(const Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest,
              Diagnostics& diags, bool want_ir, CodegenResult& out) {
  static std::string error;
  static GenerateFn fn =
      reinterpret_cast<GenerateFn>(plugin_symbol(kPlugin, kPluginVariable, kGenerateSymbol, error));
  if (!fn) {
    diags.report(DiagKind::CodegenUnavailable, Loc{}, "cannot load scry's code generator: " + error);
    return false;
  }
  return fn(prog, instances, manifest, diags, want_ir, out);
}

}  // namespace scry
