#!/bin/bash
# Debian's tools whose probes this kernel can attach, run under scry and under bpftrace 0.17
# with the same trigger (the test target, started with -c): the lines about the target must
# be the same. Numbers of two or more digits and leading numbers (pids, times) are masked: they
# differ from run to run; the rest (headers, names, fds, return values, paths) must match.
# usage: run_tools_live.sh SCRY TARGET
set -u
SCRY="$(realpath "$1")"
TARGET="$(realpath "$2")"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
if ! command -v bpftrace >/dev/null; then
  echo "bpftrace is not installed: nothing to compare with"
  echo "0 passed, 1 failed"
  exit 1
fi
pass=0
fail=0
# tool  | target arguments
CASES=(
  "opensnoop.bt|open 3 /dev/null"
  "statsnoop.bt|stat /dev/null"
  "execsnoop.bt|sleep 1"
  "killsnoop.bt|kill"
  "syncsnoop.bt|sync"
  "setuids.bt|setuid"
)
normalize() {
  # Header lines and lines about the target; numbers of 2+ digits masked.
  grep -E '^(Attaching|Tracing|[A-Z]{2,}[ A-Z]*)|scry_target' | sed -E 's/^[0-9]+/N/; s/[0-9]{2,}/N/g; s/[0-9]+\.[0-9]+/N/g'
}
for c in "${CASES[@]}"; do
  tool="/usr/sbin/${c%%|*}"
  args="${c#*|}"
  name="$(basename "$tool")"
  timeout 60 bpftrace -c "$TARGET $args" "$tool" 2>/dev/null | normalize >"$T/bpftrace"
  timeout 60 "$SCRY" -c "$TARGET $args" "$tool" 2>"$T/err" | normalize >"$T/scry"
  if ! grep -q scry_target "$T/bpftrace"; then
    echo "SKIP $name: bpftrace saw no event from the target"
    continue
  fi
  if diff -u --label "$name (bpftrace)" --label "$name (scry)" "$T/bpftrace" "$T/scry" >"$T/diff"; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    sed 's/^/    /' "$T/diff"
    sed 's/^/    stderr: /' "$T/err" | head -5
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
# Every tool skipped would compare nothing: that is a failure, not a pass.
if [ $pass = 0 ]; then echo "FAIL: no tool was compared"; exit 1; fi
[ $fail = 0 ]
