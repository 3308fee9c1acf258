// Code generation: typed AST -> LLVM IR for the BPF target -> ELF object with BTF.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/manifest.h"
#include "src/ast/ast.h"
#include "src/diag/diag.h"
#include "src/probes/probes.h"

namespace scry {

struct CodegenResult {
  std::vector<uint8_t> elf;  // the BPF object
  std::string ir;            // textual IR, when asked for
};

// Generates one BPF program per probe instance and fills manifest.probes. The code generator
// is the plugin scry-codegen.so beside the executable, loaded on the first call
// (codegen_plugin.cpp); it fails with a diagnostic if the plugin cannot be loaded.
bool generate(const Program& prog, const std::vector<ProbeInstance>& instances, Manifest& manifest,
              Diagnostics& diags, bool want_ir, CodegenResult& out);

// Where the plugin is (the first of its places that exists; "" if none).
std::string codegen_plugin_path();

// The plugin's entry point, by this name.
using GenerateFn = bool (*)(const Program&, const std::vector<ProbeInstance>&, Manifest&, Diagnostics&, bool,
                            CodegenResult&);
constexpr const char* kGenerateSymbol = "scry_generate";

}  // namespace scry
