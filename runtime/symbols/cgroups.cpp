#include "runtime/symbols/cgroups.h"

#include <fnmatch.h>
#include <ftw.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace scry {

namespace {

struct Hierarchy {
  std::string name;   // "unified", or the v1 controllers ("cpu,cpuacct", "systemd")
  std::string mount;  // where it is mounted
  std::map<uint64_t, std::string> paths;  // inode -> path from the hierarchy's root
  std::set<uint64_t> missing;  // ids a walk did not find: not walked for again
};

// The mounted hierarchies, from /proc/self/mountinfo: "... - cgroup2 SRC OPTS" or
// "... - cgroup SRC rw,cpu,cpuacct" (v1: the controllers, or name=NAME, are in the options).
std::vector<Hierarchy> mounted_hierarchies() {
  std::vector<Hierarchy> out;
  std::set<std::string> seen;
  FILE* f = fopen("/proc/self/mountinfo", "r");
  if (!f) return out;
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    std::istringstream in(line);
    std::vector<std::string> w;
    for (std::string s; in >> s;) w.push_back(s);
    auto dash = std::find(w.begin(), w.end(), "-");
    if (w.size() < 5 || dash == w.end() || w.end() - dash < 4) continue;
    const std::string& fstype = dash[1];
    Hierarchy h;
    h.mount = w[4];
    if (fstype == "cgroup2") {
      h.name = "unified";
    } else if (fstype == "cgroup") {
      std::istringstream opts(dash[3]);
      for (std::string o; std::getline(opts, o, ',');) {
        if (o == "rw" || o == "ro" || o.find('=') != std::string::npos) {
          if (o.rfind("name=", 0) == 0) h.name += (h.name.empty() ? "" : ",") + o.substr(5);
          continue;
        }
        if (o == "relatime" || o == "noatime" || o == "nosuid" || o == "nodev" || o == "noexec" ||
            o == "xattr" || o == "clone_children" || o == "noprefix" || o == "cpuset_v2_mode")
          continue;
        h.name += (h.name.empty() ? "" : ",") + o;
      }
    } else {
      continue;
    }
    if (!h.name.empty() && seen.insert(h.name).second) out.push_back(std::move(h));
  }
  fclose(f);
  std::sort(out.begin(), out.end(), [](const Hierarchy& a, const Hierarchy& b) {
    if ((a.name == "unified") != (b.name == "unified")) return a.name == "unified";
    return a.name < b.name;
  });
  return out;
}

// nftw's callback has no context argument.
Hierarchy* g_walking = nullptr;

int note_dir(const char* path, const struct stat* st, int type, struct FTW*) {
  if (type != FTW_D) return 0;
  std::string rel = path + g_walking->mount.size();
  g_walking->paths[st->st_ino] = rel.empty() ? "/" : rel;
  return 0;
}

void walk(Hierarchy& h) {
  h.paths.clear();
  g_walking = &h;
  nftw(h.mount.c_str(), note_dir, 32, FTW_PHYS | FTW_MOUNT);
  g_walking = nullptr;
}

bool is_hex_id(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool ends_with(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

// "docker-ID64.scope" (systemd's cgroup driver) -> "docker:ID12"; "" if not a container's.
std::string runtime_scope(const std::string& name) {
  static const std::pair<const char*, const char*> kRuntimes[] = {
      {"docker-", "docker"}, {"cri-containerd-", "containerd"}, {"crio-", "crio"}, {"libpod-", "podman"}};
  if (!ends_with(name, ".scope")) return "";
  for (auto& [prefix, runtime] : kRuntimes) {
    std::string p = prefix;
    if (name.rfind(p, 0) != 0) continue;
    std::string id = name.substr(p.size(), name.size() - p.size() - 6);
    if (is_hex_id(id)) return std::string(runtime) + ":" + id.substr(0, 12);
  }
  return "";
}

}  // namespace

std::string container_of_path(const std::string& path) {
  std::vector<std::string> parts;
  std::istringstream in(path);
  for (std::string p; std::getline(in, p, '/');)
    if (!p.empty()) parts.push_back(p);
  for (size_t i = parts.size(); i-- > 0;) {
    std::string scope = runtime_scope(parts[i]);
    if (!scope.empty()) return scope;
    if (is_hex_id(parts[i])) {  // cgroupfs driver: /docker/ID64, /kubepods/burstable/podUID/ID64
      std::string under = parts[0] == "kubepods" || parts[0] == "kubepods.slice" ? "kubepods"
                          : i > 0 && parts[i - 1] == "docker"                    ? "docker"
                                                                                 : "container";
      return under + ":" + parts[i].substr(0, 12);
    }
  }
  for (size_t i = parts.size(); i-- > 0;)
    if (ends_with(parts[i], ".service") || ends_with(parts[i], ".scope") || ends_with(parts[i], ".slice"))
      return parts[i];
  return path.empty() ? "/" : path;
}

std::string container_name(uint64_t id) {
  if (id == 0) return "-";  // none: a packet that reached no socket
  std::string unified = cgroup_paths(id, "unified");
  if (unified.empty()) return "cgroup:" + std::to_string(id);
  return container_of_path(unified.substr(unified.find(':') + 1));
}

std::string cgroup_paths(uint64_t id, const std::string& filter) {
  static std::vector<Hierarchy> hierarchies = mounted_hierarchies();
  std::string out;
  for (auto& h : hierarchies) {
    if (fnmatch(filter.c_str(), h.name.c_str(), 0) != 0) continue;
    auto it = h.paths.find(id);
    if (it == h.paths.end() && !h.missing.count(id)) {
      walk(h);  // a cgroup made since the last walk
      it = h.paths.find(id);
      if (it == h.paths.end()) h.missing.insert(id);
    }
    if (it != h.paths.end()) out += (out.empty() ? "" : ",") + h.name + ":" + it->second;
  }
  return out;
}

}  // namespace scry
