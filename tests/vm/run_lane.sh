#!/bin/bash
# The VM lane: boots Debian 12's own kernels under QEMU (tests/vm/vm.sh) and runs there what
# this machine's kernel refuses. Two kernels: 6.1 (linux-image-amd64), which has no
# kprobe_multi links, and 6.12 from bookworm-security (linux-image-6.12-amd64), which has them
# and module BTF for fentry. In each:
#   - the golden scripts of tests/vm/golden (kprobes, kretprobes, fentry/fexit with module BTF,
#     wildcards over traceable functions, shared programs, kernel stacks), with their whole
#     expected output, through the same tests/golden.sh as the runtime tests;
#   - the scripts of tests/vm/diff under scry and under bpftrace 0.17: the same output;
#   - Debian's kprobe tools (tool_cases.txt) under both, on triggers the test target makes;
#   - a program compiled on this machine is not run from the compile cache there
#     (cross_kernel.sh);
#   - programs compiled here with --compile run there from their files, by the executable
#     alone, or are refused naming what the kernel lays out otherwise (compiled.sh);
#   - scry's own tools where this machine's kernel cannot show them (tool_cases_scry.sh:
#     module loads);
#   - the tests of bpftrace's own suite that attach kprobes or kfuncs (not_yet_passing_vm.txt
#     lists those that do not pass yet).
# Exit status 77 (ctest: skipped) with the reason when QEMU or a kernel package cannot be had.
# usage: run_lane.sh SCRY TARGET
set -u
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
scry=$(realpath "$1")
target=$(realpath "$2")
out=$(dirname "$scry")/vm-out
mkdir -p "$out"
# bpftrace's test sources, fetched here (the VM has no network) as the host's lane fetches them.
/usr/bin/python3 -c "import sys; sys.path.insert(0, '$tests/compat'); import bpftrace_suite; bpftrace_suite.source_tree()" ||
  { echo "vm: bpftrace's test sources could not be fetched"; exit 1; }
"$here/cross_kernel.sh" host "$scry" "$out/cache" || exit 1
"$here/compiled.sh" host "$scry" "$out/compiled" || exit 1
{
  echo 'echo "guest: Linux $(uname -r), $(nproc) CPUs"'
  printf 'rc=0\n'
  printf '%q %q %q %q || rc=1\n' "$tests/golden.sh" "$scry" "$here/golden" "$target"
  printf '%q %q %q || rc=1\n' "$here/diff.sh" "$scry" "$here/diff"
  printf '%q %q %q %q || rc=1\n' "$tests/tools/run_tools_live.sh" "$scry" "$target" "$here/tool_cases.txt"
  printf '%q guest %q %q || rc=1\n' "$here/cross_kernel.sh" "$scry" "$out/cache"
  printf '%q guest %q %q || rc=1\n' "$here/compiled.sh" "$scry" "$out/compiled"
  printf 'SCRY_TOOLS_CASES=%q %q %q %q || rc=1\n' "$here/tool_cases_scry.sh" "$tests/scry_tools/run.sh" "$scry" "$target"
  # bpftrace's own tests that attach kprobes or kfuncs (skipped on this machine), with their
  # time limits tripled: the guest is emulated, and a cold start there takes seconds.
  printf '/usr/bin/python3 %q %q --only-kinds kprobe,kfunc --timeout-scale 3 --list %q --log /vmout/suite.log >/vmout/suite.txt 2>&1 || rc=1\n' \
    "$tests/compat/bpftrace_suite.py" "$scry" "$here/not_yet_passing_vm.txt"
  printf 'grep -v "^skipped: " /vmout/suite.txt\n'
  printf 'exit $rc\n'
} >"$out/guest.sh"
rc=0
skipped=0
for kernel in linux-image-amd64 linux-image-6.12-amd64; do
  cache=$("$here/vm.sh" cache-dir "$kernel")
  start=$(date +%s)
  VM_KERNEL=$kernel "$here/vm.sh" prepare "$cache"
  prc=$?
  if [ $prc = 77 ]; then skipped=$((skipped + 1)); continue; fi
  [ $prc = 0 ] || { rc=1; continue; }
  VM_KERNEL=$kernel "$here/vm.sh" run "$cache" "$out/$kernel" "$out/guest.sh"
  krc=$?
  cat "$out/$kernel/log" 2>/dev/null
  echo "vm: $kernel took $(($(date +%s) - start)) s (exit $krc)"
  [ $krc = 0 ] || rc=1
done
# Both kernels skipped: nothing ran (ctest shows it skipped, with the reasons above).
[ $skipped = 2 ] && exit 77
exit $rc
