#include "runtime/tracefs.h"

#include <sys/mount.h>
#include <sys/stat.h>

namespace scry {

static bool is_dir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

const std::string& tracefs_root() {
  static std::string root = [] {
    if (is_dir("/sys/kernel/tracing/events")) return std::string("/sys/kernel/tracing");
    if (is_dir("/sys/kernel/debug/tracing/events")) return std::string("/sys/kernel/debug/tracing");
    // Not mounted: mount it where the kernel expects it (needs root).
    if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, nullptr) == 0 &&
        is_dir("/sys/kernel/tracing/events"))
      return std::string("/sys/kernel/tracing");
    return std::string();
  }();
  return root;
}

}  // namespace scry
