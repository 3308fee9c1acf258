// The `container` builtin's names, from the cgroup v2 paths that container runtimes and systemd
// make (the shapes are those docker, containerd, CRI-O, podman and the kubelet document).
#include <catch2/catch.hpp>

#include <string>

#include "runtime/symbols/cgroups.h"

using namespace scry;

namespace {
const std::string kId = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708";
}

TEST_CASE("container runtimes' scopes name the runtime and the short id", "[container]") {
  CHECK(container_of_path("/system.slice/docker-" + kId + ".scope") == "docker:3f2a1b4c5d6e");
  CHECK(container_of_path("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-" +
                          kId + ".scope") == "containerd:3f2a1b4c5d6e");
  CHECK(container_of_path("/kubepods.slice/kubepods-pod1.slice/crio-" + kId + ".scope") == "crio:3f2a1b4c5d6e");
  CHECK(container_of_path("/machine.slice/libpod-" + kId + ".scope") == "podman:3f2a1b4c5d6e");
  // A process the container runtime started inside the container's own sub-cgroup.
  CHECK(container_of_path("/system.slice/docker-" + kId + ".scope/init") == "docker:3f2a1b4c5d6e");
}

TEST_CASE("the cgroupfs driver's paths name the id under its parent", "[container]") {
  CHECK(container_of_path("/docker/" + kId) == "docker:3f2a1b4c5d6e");
  CHECK(container_of_path("/kubepods/burstable/pod1234/" + kId) == "kubepods:3f2a1b4c5d6e");
  CHECK(container_of_path("/lxc/" + kId) == "container:3f2a1b4c5d6e");
}

TEST_CASE("outside containers: the innermost systemd unit, else the path", "[container]") {
  CHECK(container_of_path("/system.slice/nginx.service") == "nginx.service");
  CHECK(container_of_path("/user.slice/user-1000.slice/session-3.scope") == "session-3.scope");
  CHECK(container_of_path("/user.slice/user-1000.slice") == "user-1000.slice");
  CHECK(container_of_path("/batch/job-7") == "/batch/job-7");
  CHECK(container_of_path("/") == "/");
  // Not an id: too short, or not hexadecimal.
  CHECK(container_of_path("/docker/abc123") == "/docker/abc123");
  CHECK(container_of_path("/system.slice/docker-xyz.scope") == "docker-xyz.scope");
}
