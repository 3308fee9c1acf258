// Where scry's plugins are: shared objects loaded (dlopen) only when a run needs what they
// hold, so that the executable maps neither LLVM nor an HTTP stack it will not use.
#pragma once
#include <string>
#include <vector>

namespace scry {

// The places plugin `file` (such as "scry-codegen.so") may be, in order: $ENV_NAME when it
// is set (tests name another build's plugin), else beside the executable (the build tree)
// and in ../lib/scry (an installed scry).
std::vector<std::string> plugin_places(const std::string& file, const char* env_name);

// Loads the first of plugin_places that exists and returns its symbol `symbol`; nullptr and
// a reason in `error` when none does.
void* plugin_symbol(const std::string& file, const char* env_name, const char* symbol, std::string& error);

}  // namespace scry
