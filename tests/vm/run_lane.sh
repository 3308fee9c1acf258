#!/bin/bash
# The VM lane: boots Debian 12's own kernel under QEMU (tests/vm/vm.sh) and runs there what
# this machine's kernel refuses: the golden scripts of tests/vm/golden (kprobes, kretprobes,
# fentry/fexit, wildcards over traceable functions, kernel stacks), with their whole expected
# output, through the same tests/golden.sh as the runtime tests; and the scripts of
# tests/vm/diff under scry and under bpftrace 0.17, whose outputs must be the same; and the
# tests of bpftrace's own suite that attach kprobes or kfuncs (not_yet_passing_vm.txt lists
# those that do not pass yet).
# Exit status 77 (ctest: skipped) with the reason when QEMU or the kernel package cannot be had.
# usage: run_lane.sh SCRY TARGET
set -u
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
scry=$(realpath "$1")
target=$(realpath "$2")
cache=${SCRY_VM_CACHE:-/var/cache/scry-vm}
out=$(dirname "$scry")/vm-out
mkdir -p "$out"
"$here/vm.sh" prepare "$cache" || exit $?
# bpftrace's test sources, fetched here (the VM has no network) as the host's lane fetches them.
/usr/bin/python3 -c "import sys; sys.path.insert(0, '$tests/compat'); import bpftrace_suite; bpftrace_suite.source_tree()" ||
  { echo "vm: bpftrace's test sources could not be fetched"; exit 1; }
{
  echo 'echo "guest: Linux $(uname -r), $(nproc) CPUs"'
  printf 'rc=0\n'
  printf '%q %q %q %q || rc=1\n' "$tests/golden.sh" "$scry" "$here/golden" "$target"
  printf '%q %q %q || rc=1\n' "$here/diff.sh" "$scry" "$here/diff"
  # bpftrace's own tests that attach kprobes or kfuncs (skipped on this machine).
  printf '/usr/bin/python3 %q %q --only-kinds kprobe,kfunc --list %q --log /vmout/suite.log >/vmout/suite.txt 2>&1 || rc=1\n' \
    "$tests/compat/bpftrace_suite.py" "$scry" "$here/not_yet_passing_vm.txt"
  printf 'grep -v "^skipped: " /vmout/suite.txt\n'
  printf 'exit $rc\n'
} >"$out/guest.sh"
start=$(date +%s)
"$here/vm.sh" run "$cache" "$out" "$out/guest.sh"
rc=$?
cat "$out/log" 2>/dev/null
echo "vm: lane took $(($(date +%s) - start)) s (exit $rc)"
exit $rc
