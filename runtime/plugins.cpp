#include "runtime/plugins.h"

#include <dlfcn.h>
#include <limits.h>
#include <unistd.h>

#include <cstdlib>

namespace scry {

std::vector<std::string> plugin_places(const std::string& file, const char* env_name) {
  if (const char* path = getenv(env_name)) return {path};
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  std::string dir = n > 0 ? std::string(exe, size_t(n)) : std::string(".");
  dir = dir.substr(0, dir.rfind('/'));
  return {dir + "/" + file, dir + "/../lib/scry/" + file};
}

void* plugin_symbol(const std::string& file, const char* env_name, const char* symbol, std::string& error) {
  for (const std::string& path : plugin_places(file, env_name)) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      if (error.empty() || access(path.c_str(), F_OK) == 0) error = dlerror();
      continue;
    }
    if (void* f = dlsym(h, symbol)) return f;
    error = path + " has no " + symbol;
  }
  return nullptr;
}

}  // namespace scry
