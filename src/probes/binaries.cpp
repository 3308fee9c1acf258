#include "src/probes/binaries.h"

#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "src/probes/probes.h"

namespace scry {

namespace {

int g_target_pid = 0;
std::string g_target_command;

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// `path` as process `pid` sees it, as a path here.
std::string reachable(int pid, const std::string& path) {
  std::string inside = "/proc/" + std::to_string(pid) + "/root" + path;
  if (access(inside.c_str(), R_OK) != 0) return "";
  return same_file(path, inside) ? path : inside;
}

bool is_regular(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), R_OK) == 0;
}

}  // namespace

void set_target_pid(int pid) { g_target_pid = pid; }
int target_pid() { return g_target_pid; }
void set_target_command(const std::string& program) { g_target_command = program; }

std::string target_binary() {
  if (g_target_pid) return "/proc/" + std::to_string(g_target_pid) + "/exe";
  if (g_target_command.empty() || g_target_command.find('/') != std::string::npos) return g_target_command;
  const char* path = getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + g_target_command;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::vector<std::string> process_binaries(int pid) {
  std::vector<std::string> out;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    // address perms offset dev inode path
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    in >> range >> perms >> offset >> dev >> inode;
    std::getline(in >> std::ws, path);
    if (perms.size() < 3 || perms[2] != 'x' || path.empty() || path[0] != '/') continue;
    if (path.size() > 10 && path.compare(path.size() - 10, 10, " (deleted)") == 0) continue;
    std::string here = reachable(pid, path);
    if (!here.empty() && std::find(out.begin(), out.end(), here) == out.end()) out.push_back(here);
  }
  return out;
}

std::vector<std::string> binaries_named(const std::string& file) {
  int pid = target_pid();
  if (file.empty()) return pid ? process_binaries(pid) : std::vector<std::string>{};
  if (!has_wildcard(file)) {
    std::string path = resolve_binary(file);
    if (path.empty() && pid && file[0] == '/') path = reachable(pid, file);
    return path.empty() ? std::vector<std::string>{} : std::vector<std::string>{path};
  }
  std::vector<std::string> out;
  if (pid)
    for (auto& path : process_binaries(pid))
      if (fnmatch(file.c_str(), path.c_str(), 0) == 0) out.push_back(path);
  if (file.find('/') == std::string::npos) return out;  // "*" is not every file of the directory
  glob_t g{};
  if (glob(file.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; i++)
      if (is_regular(g.gl_pathv[i]) && std::find(out.begin(), out.end(), g.gl_pathv[i]) == out.end())
        out.push_back(g.gl_pathv[i]);
  globfree(&g);
  return out;
}

bool no_binary(const AttachPoint& ap, const std::string& file, Diagnostics& diags) {
  diags.report(DiagKind::BadAttachPoint, ap.loc,
               has_wildcard(file) ? "no file matches '" + file + "'" : "cannot find '" + file + "': no such file or library");
  return false;
}

}  // namespace scry
