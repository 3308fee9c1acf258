#include "src/builtins/builtins.h"

namespace scry {

const std::vector<BuiltinInfo>& all_builtins() {
  static const std::vector<BuiltinInfo> table = {
#define BUILTIN(id, name, type, doc) {BuiltinId::id, name, type, doc},
#define FUNCTION(id, name, mn, mx, sig, doc)
#include "src/builtins/builtins.def"
#undef BUILTIN
#undef FUNCTION
  };
  return table;
}

const std::vector<FunctionInfo>& all_functions() {
  static const std::vector<FunctionInfo> table = {
#define BUILTIN(id, name, type, doc)
#define FUNCTION(id, name, mn, mx, sig, doc) {FunctionId::id, name, mn, mx, sig, doc},
#include "src/builtins/builtins.def"
#undef BUILTIN
#undef FUNCTION
  };
  return table;
}

const BuiltinInfo* find_builtin(const std::string& name) {
  for (auto& b : all_builtins())
    if (name == b.name) return &b;
  return nullptr;
}

const FunctionInfo* find_function(const std::string& name) {
  for (auto& f : all_functions())
    if (name == f.name) return &f;
  return nullptr;
}

}  // namespace scry
