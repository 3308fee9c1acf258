// cgroup ids to paths, for cgroup_path(): every mounted cgroup hierarchy ("unified" for
// cgroup v2, the controllers' names for v1) is searched for the directory whose inode is
// the id. Paths are found when printed, so an id reused since prints its new path.
#pragma once
#include <cstdint>
#include <string>

namespace scry {

// "unified:/system.slice/ssh.service,cpu:/..." for each hierarchy whose name matches `filter`
// (a shell wildcard) and that has the cgroup; unified first, then by name. "" if none has it.
std::string cgroup_paths(uint64_t id, const std::string& filter);

}  // namespace scry
