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

// The container a cgroup v2 path belongs to, for the `container` builtin: "docker:ID12" from
// .../docker-ID64.scope or /docker/ID64, likewise "containerd:" (cri-containerd-ID64.scope),
// "crio:" (crio-ID64.scope), "podman:" (libpod-ID64.scope), "kubepods:" (an ID64 under
// /kubepods); else the innermost systemd unit (.service, .scope, .slice); else the path.
std::string container_of_path(const std::string& path);

// container_of_path() of the cgroup v2 whose id is `id`; "cgroup:ID" when it is not found
// (gone before it was printed, or no cgroup v2 mounted); "-" for 0 (no cgroup).
std::string container_name(uint64_t id);

}  // namespace scry
