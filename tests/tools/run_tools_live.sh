#!/bin/bash
# Debian's tools whose probes the kernel can attach, run under scry and under bpftrace 0.17
# with the same trigger (the test target, started with -c): the lines about the target must
# be the same. Numbers of two or more digits and leading and trailing numbers (pids, times,
# counts) are masked: they differ from run to run; the rest (headers, names, fds, return
# values, paths) must match.
# The cases are lines of CASES_FILE (default: live_cases.txt beside this script):
#   TOOL | TARGET ARGUMENTS | LINES
# where LINES, if given, is an extended regular expression of the other lines to compare (a
# tool that does not print the target's name: tcpretrans's retransmissions, vfscount's counts);
# compared lines are sorted when LINES is given (such tools print maps, whose order is a hash's).
# usage: run_tools_live.sh SCRY TARGET [CASES_FILE]
set -u
SCRY="$(realpath "$1")"
TARGET="$(realpath "$2")"
CASES_FILE="${3:-$(dirname "$0")/live_cases.txt}"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
if ! command -v bpftrace >/dev/null; then
  echo "bpftrace is not installed: nothing to compare with"
  echo "0 passed, 1 failed"
  exit 1
fi
pass=0
fail=0
grep -v '^#' "$CASES_FILE" | grep -v '^ *$' >"$T/cases"
mapfile -t CASES <"$T/cases"
trim() { sed -E 's/^ +//; s/ +$//' <<<"$1"; }
# normalize LINES TRACER: header lines, lines about the target and lines matching LINES, but
# not the tracer's own (its -c child looks the target up before it is the target: dcsnoop);
# leading and trailing numbers (times, counts, durations), those of two or more digits and
# /proc/loadavg's contents masked,
# and runs of spaces squeezed (a masked number's padding differs). Leading times of day
# (time("%H:%M:%S ")) are dropped: time() and the printf() after it are two records in both
# tracers, and another CPU's records can come between them (in one CI run a 6.1 guest put the
# target's time on the line of the tracer's own capable() call, which is not compared).
normalize() {
  local keep='^(Attaching|Tracing|[A-Z]{2,}[ A-Z]*)|scry_target'
  [ -n "$1" ] && keep="$keep|$1"
  grep -E "$keep" | grep -vE "(^|[[:space:]])$2[[:space:]]" |
    sed -E 's|([0-9]+\.[0-9]+ ){3}[0-9]+/[0-9]+ [0-9]+|LOADAVG|; s/^([0-9]+:[0-9]+:[0-9]+ +)+//; s/^[0-9]+/N/; s/[0-9]+$/N/; s/[0-9]{2,}/N/g; s/[0-9]+\.[0-9]+/N/g; s/ +/ /g' | { [ -n "$1" ] && sort -u || cat; }
}
for c in "${CASES[@]}"; do
  IFS='|' read -r tool args lines <<<"$c"
  name="$(trim "$tool")"
  tool="/usr/sbin/$name"
  args="$(trim "$args")"
  lines="$(trim "${lines:-}")"
  timeout 120 bpftrace -c "$TARGET $args" "$tool" 2>/dev/null >"$T/bpftrace.raw"
  timeout 120 "$SCRY" -c "$TARGET $args" "$tool" 2>"$T/err" >"$T/scry.raw"
  normalize "$lines" bpftrace <"$T/bpftrace.raw" >"$T/bpftrace"
  normalize "$lines" scry <"$T/scry.raw" >"$T/scry"
  if ! grep -qE "scry_target${lines:+|$lines}" "$T/bpftrace.raw"; then
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
