// C struct, union and enum definitions written in a script, for types the kernel's BTF does
// not have (user-space structs for uprobes, private kernel structs). They are parsed with
// libclang, which is loaded (dlopen) only when a script has such definitions, and added to the
// BTF view the compiler reads, so they work exactly like kernel types.
#pragma once
#include <string>
#include <vector>

namespace scry {

class KernelBtf;

struct CDefinitionText {
  std::string text;  // "struct x { int a; char b[8]; };"
  int line;          // its first line in the script
};

struct CDefinitionError {
  int line = 0, col = 0;  // in the script; 0 if unknown
  std::string message;
};

// Adds the definitions to `btf`. Returns false (with errors) if libclang is missing or the C
// does not compile. Kernel types named by the definitions are declared from BTF first.
bool add_c_definitions(const std::vector<CDefinitionText>& defs, KernelBtf& btf,
                       std::vector<CDefinitionError>& errors);

}  // namespace scry
