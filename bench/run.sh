#!/bin/bash
# Side-by-side figures, scry against Debian's bpftrace 0.17, alternating, ROUNDS rounds,
# medians and the ratio scry/bpftrace. A benchmark, not a test: it never fails on timing.
# usage: bench/run.sh SCRY [ROUNDS]      (as root)
# Figures so far: P1 start-up of `BEGIN { exit(); }`, P2 its peak RSS, P5 start and stop of
# `tracepoint:syscalls:sys_enter_* { @[probe] = count(); }` (exits when /bin/true does).
set -u
SCRY="$(realpath "$1")"
ROUNDS="${2:-5}"
BPFTRACE="$(command -v bpftrace || true)"
[ -n "$BPFTRACE" ] || { echo "bpftrace is not installed"; exit 1; }
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

measure() {  # measure NAME TOOL ARGS... -> appends "seconds kib" to $T/NAME
  local name="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$T/one" "$@" >/dev/null 2>&1
  cat "$T/one" >>"$T/$name"
}

for _ in $(seq "$ROUNDS"); do
  measure p1_scry "$SCRY" -e 'BEGIN { exit(); }'
  measure p1_bpftrace "$BPFTRACE" -e 'BEGIN { exit(); }'
  measure p5_scry "$SCRY" -c /bin/true -e 'tracepoint:syscalls:sys_enter_* { @[probe] = count(); }'
  measure p5_bpftrace "$BPFTRACE" -c /bin/true -e 'tracepoint:syscalls:sys_enter_* { @[probe] = count(); }'
done

row() {  # row LABEL FILE-PREFIX COLUMN UNIT
  local s b
  s=$(awk -v c="$3" '{ print $c }' "$T/$2_scry" | median)
  b=$(awk -v c="$3" '{ print $c }' "$T/$2_bpftrace" | median)
  printf '%-40s scry %10s %s   bpftrace %10s %s   ratio %s\n' "$1" "$s" "$4" "$b" "$4" \
    "$(awk -v s="$s" -v b="$b" 'BEGIN { printf "%.3f", (b > 0 ? s / b : 0) }')"
}
echo "machine: $(uname -r), $(nproc) CPUs; $ROUNDS rounds, medians"
row "P1 start-up, BEGIN { exit(); }" p1 1 s
row "P2 peak RSS, BEGIN { exit(); }" p1 2 KiB
row "P5 start+stop, syscalls:sys_enter_*" p5 1 s
