#!/bin/bash
# Attaching hundreds of kprobes, scry against bpftrace 0.17, in the VM lane's kernels (this
# machine's kernel has no kprobes): Debian 12's 6.1, which has no kprobe_multi links (scry
# attaches a wildcard's one program with a link per function, as bpftrace does), and its 6.12
# from bookworm-security, which has them (scry attaches one link for all the functions;
# bpftrace 0.17 still one per function). QEMU emulates the guest (TCG): every figure is
# several times what the same kernel takes on hardware; the ratios are what compare.
#
# usage: bench/vm_attach.sh SCRY [ROUNDS]      as root, after the VM lane has run once
#   PATTERN=kprobe:tcp_*   the wildcard (default; some 350 functions)
#
# Per kernel and tool, the median of ROUNDS runs of `TOOL -c /bin/true -e 'PATTERN { @ =
# count(); }'`: the whole run's wall time (start, attach, run /bin/true, detach, exit), and for
# scry, from -v, the part after compiling (load, attach, detach; from its compile cache).
set -u
SCRY="$(realpath "$1")"
ROUNDS="${2:-5}"
PATTERN="${PATTERN:-kprobe:tcp_*}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VM="$HERE/../tests/vm/vm.sh"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

cat >"$OUT/guest.sh" <<EOF
median() { sort -g | awk '{ a[NR] = \$1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
prog='$PATTERN { @ = count(); }'
n=\$($SCRY -l '$PATTERN' | wc -l)
$SCRY -c /bin/true -e "\$prog" >/dev/null 2>&1  # fills the compile cache
for r in \$(seq $ROUNDS); do
  /usr/bin/time -f %e -a -o /vmout/scry.s $SCRY -c /bin/true -e "\$prog" >/dev/null 2>&1
  $SCRY -v -c /bin/true -e "\$prog" 2>&1 | sed -n 's/^scry: run *\([0-9.]*\) ms/\1/p' >>/vmout/scry.run
  /usr/bin/time -f %e -a -o /vmout/bpftrace.s bpftrace -c /bin/true -e "\$prog" >/dev/null 2>&1
done
echo "\$(uname -r) \$n \$(median </vmout/scry.s) \$(median </vmout/scry.run) \$(median </vmout/bpftrace.s) \$($SCRY --info 2>&1 | sed -n 's/ *kprobe_multi: //p')"
EOF

printf '%-22s %9s %12s %22s %14s %8s\n' kernel functions "scry (s)" "scry load+attach (ms)" "bpftrace (s)" ratio
for kernel in linux-image-amd64 linux-image-6.12-amd64; do
  cache=$("$VM" cache-dir "$kernel")
  VM_KERNEL=$kernel "$VM" prepare "$cache" >/dev/null || { echo "$kernel: no VM"; continue; }
  VM_KERNEL=$kernel VM_TIMEOUT=1800 "$VM" run "$cache" "$OUT/$kernel" "$OUT/guest.sh" >/dev/null
  read -r release n scry_s scry_run bpf_s multi <"$OUT/$kernel/log" || { cat "$OUT/$kernel/log"; continue; }
  printf '%-22s %9s %12s %22s %14s %8s   (kprobe_multi: %s)\n' "$release" "$n" "$scry_s" "$scry_run" "$bpf_s" \
    "$(awk -v a="$scry_s" -v b="$bpf_s" 'BEGIN { printf "%.2f", a / b }')" "$multi"
done
