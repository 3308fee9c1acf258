// Lookup into the builtin/function registry (builtins.def).
#pragma once
#include <string>
#include <vector>

namespace scry {

enum class BuiltinId {
#define BUILTIN(id, name, type, doc) id,
#define FUNCTION(id, name, mn, mx, sig, doc)
#include "src/builtins/builtins.def"
#undef BUILTIN
#undef FUNCTION
};

enum class FunctionId {
#define BUILTIN(id, name, type, doc)
#define FUNCTION(id, name, mn, mx, sig, doc) id,
#include "src/builtins/builtins.def"
#undef BUILTIN
#undef FUNCTION
};

struct BuiltinInfo {
  BuiltinId id;
  const char* name;
  const char* type;
  const char* doc;
};

struct FunctionInfo {
  FunctionId id;
  const char* name;
  int min_args, max_args;
  const char* signature;
  const char* doc;
};

const BuiltinInfo* find_builtin(const std::string& name);
const FunctionInfo* find_function(const std::string& name);
const std::vector<BuiltinInfo>& all_builtins();
const std::vector<FunctionInfo>& all_functions();

}  // namespace scry
