#!/bin/bash
# Differential test runner for scry against recorded bpftrace 0.17 output.
#
# usage: run_diff.sh SCRY_BINARY        run every NN_name.bt with SCRY_BINARY and
#                                       compare its stdout with NN_name.expected
#        run_diff.sh --regen [BPFTRACE] re-create the .expected (stdout) and
#                                       .stderr files by running bpftrace
#                                       (default: bpftrace from $PATH)
#
# Only stdout is compared. Each script gets a 30 second timeout.
# Prints "PASS name" / "FAIL name" per script and a final "N passed, N failed"
# line; exits 1 if anything failed.

set -u

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TIMEOUT=30

usage() {
  echo "usage: $0 SCRY_BINARY | --regen [BPFTRACE]" >&2
  exit 2
}

[ $# -ge 1 ] || usage

# stderr lines that bpftrace prints on every run and that carry no information
# about the script itself.
is_harmless_stderr() {
  local f="$1"
  [ ! -s "$f" ] && return 0
  ! grep -v -q "couldn't set RLIMIT_MEMLOCK" "$f"
}

if [ "$1" = "--regen" ]; then
  BPFTRACE="${2:-bpftrace}"
  if ! command -v "$BPFTRACE" >/dev/null 2>&1; then
    echo "bpftrace not found: $BPFTRACE" >&2
    exit 2
  fi
  if ! mountpoint -q /sys/kernel/tracing 2>/dev/null; then
    mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
  fi
  fail=0
  for bt in "$DIR"/*.bt; do
    name="$(basename "$bt" .bt)"
    exp="$DIR/$name.expected"
    err="$DIR/$name.stderr"
    (cd "$DIR" && timeout "$TIMEOUT" "$BPFTRACE" "$name.bt" >"$exp" 2>"$err")
    rc=$?
    if is_harmless_stderr "$err"; then
      rm -f "$err"
    fi
    if [ $rc -ne 0 ]; then
      echo "ERROR $name (bpftrace exit status $rc)"
      fail=1
    else
      echo "REGEN $name"
    fi
  done
  exit $fail
fi

SCRY="$1"
case "$SCRY" in
  */*) SCRY="$(cd "$(dirname "$SCRY")" && pwd)/$(basename "$SCRY")" ;;
esac
if ! command -v "$SCRY" >/dev/null 2>&1; then
  echo "not executable: $1" >&2
  exit 2
fi

# Side by side: when bpftrace is installed, each script also runs under it, and scry's output
# must equal bpftrace's live output as well as the recorded one.
BPFTRACE="$(command -v bpftrace || true)"
[ -n "$BPFTRACE" ] && echo "comparing with $BPFTRACE live and with the recorded output"

passed=0
failed=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for bt in "$DIR"/*.bt; do
  name="$(basename "$bt" .bt)"
  exp="$DIR/$name.expected"
  if [ ! -f "$exp" ]; then
    echo "FAIL $name (no $name.expected)"
    failed=$((failed + 1))
    continue
  fi
  (cd "$DIR" && timeout "$TIMEOUT" "$SCRY" "$name.bt" >"$tmp/out" 2>"$tmp/err")
  rc=$?
  if [ $rc -eq 124 ]; then
    echo "FAIL $name (timeout after ${TIMEOUT}s)"
    failed=$((failed + 1))
  elif diff -u --label "$name.expected" --label "$name.actual" "$exp" "$tmp/out" >"$tmp/diff"; then
    if [ -n "$BPFTRACE" ]; then
      (cd "$DIR" && timeout "$TIMEOUT" "$BPFTRACE" "$name.bt" >"$tmp/bpftrace.out" 2>/dev/null)
      if ! diff -u --label "$name.bpftrace" --label "$name.scry" "$tmp/bpftrace.out" "$tmp/out" >"$tmp/diff"; then
        echo "FAIL $name (differs from bpftrace run now)"
        sed 's/^/    /' "$tmp/diff"
        failed=$((failed + 1))
        continue
      fi
    fi
    echo "PASS $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    sed 's/^/    /' "$tmp/diff"
    if [ -s "$tmp/err" ]; then
      echo "    --- stderr (exit status $rc):"
      head -n 20 "$tmp/err" | sed 's/^/    /'
    fi
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
