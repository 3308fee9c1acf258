#!/bin/bash
# Installs what is missing (Debian 12 packages) and builds scry into ./build.
# Run as root. Safe to run again: it installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ make cmake pkg-config bison flex          # toolchain and grammar generators
  llvm-19-dev libbpf-dev libelf-dev zlib1g-dev  # compiler back end and BPF loading
  libdw-dev                                     # DWARF: uprobe arguments by name, user structs
  libclang-19-dev                               # C definitions in scripts (dlopen-ed)
  systemtap-sdt-dev                             # USDT probes in the test target
  libzstd-dev nlohmann-json3-dev catch2         # LLVM's link deps, JSON, unit tests
  python3-jsonschema                            # checks -f json output against its schema
  bpftrace bpftool                              # the reference tracer, and a leak check
  util-linux gawk                               # setpriv and awk for the CLI tests
  python3-distutils                             # bpftrace's test engine (tests/compat) imports it
  python-is-python3                             # some of its tests pipe into `python`
  clang-19 libclang-rt-19-dev                   # the sanitizer lane: ASan, UBSan, libFuzzer
  qemu-system-x86 busybox-static xz-utils       # the VM lane: stock kernels under QEMU
  curl wget openssl                             # the tools' tests: TLS clients (OpenSSL, GnuTLS), a certificate
  libcpp-httplib-dev                            # --metrics: the HTTP server (a plugin, scry-http.so)
  prometheus                                    # the --metrics test scrapes scry with the real server
  python3-yaml systemd                          # the deploy test reads the DaemonSet, verifies the unit
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# tracefs: scry mounts it itself when needed; the reference bpftrace in the tests does not.
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || true

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
