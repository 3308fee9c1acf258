#!/bin/bash
# The same program on another kernel: a script compiled here and kept in the compile cache must
# not run, as it is, on the VM's kernel, whose structs lie elsewhere (task_struct's tgid
# among them): the cache key holds the boot's id (/proc/sys/kernel/random/boot_id), so another
# kernel, or this one after a reboot, compiles afresh and reads its own BTF.
#   cross_kernel.sh host SCRY CACHE    on this machine: compiles into CACHE, then checks the
#                                      entry is used here (a cache hit)
#   cross_kernel.sh guest SCRY CACHE   in the VM, with the same CACHE: checks it is not used
#                                      there (no cache hit) and that the result is right there
set -u
mode=$1 scry=$2 cache=$3
prog='BEGIN { printf("tgid read from task_struct is the pid: %d\n", curtask->tgid == pid); exit(); }'
run() { SCRY_CACHE_DIR="$cache" "$scry" -v -e "$prog" 2>"$cache.err"; }
expect='tgid read from task_struct is the pid: 1'
case "$mode" in
  host)
    rm -rf "$cache"
    out1=$(run) && out2=$(run) || { echo "FAIL cross_kernel: scry failed here"; cat "$cache.err"; exit 1; }
    grep -q "cache hit" "$cache.err" || { echo "FAIL cross_kernel: the second run here was no cache hit"; exit 1; }
    grep -qF "$expect" <<<"$out1$out2" || { echo "FAIL cross_kernel: here: $out2"; exit 1; }
    echo "PASS cross_kernel (host: compiled into $cache, then a cache hit)"
    ;;
  guest)
    [ -n "$(ls "$cache"/*.entry 2>/dev/null)" ] || { echo "FAIL cross_kernel: no cache entry from the host"; exit 1; }
    out=$(run) || { echo "FAIL cross_kernel: scry failed in the VM"; cat "$cache.err"; exit 1; }
    if grep -q "cache hit" "$cache.err"; then echo "FAIL cross_kernel: the host's program ran on $(uname -r)"; exit 1; fi
    grep -qF "$expect" <<<"$out" || { echo "FAIL cross_kernel: in the VM: $out"; exit 1; }
    echo "PASS cross_kernel (guest $(uname -r): compiled afresh, right result)"
    ;;
esac
