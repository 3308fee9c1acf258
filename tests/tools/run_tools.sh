#!/bin/bash
# Every tool Debian's bpftrace package installs as /usr/sbin/*.bt must be parsed, type-checked,
# compiled and loaded into the kernel by `scry --dry-run`. Two cannot load on this kernel, for
# the same reasons bpftrace 0.17 gives; for them the exact message is checked instead.
# usage: run_tools.sh SCRY
set -u
SCRY="$(realpath "$1")"
declare -A EXPECTED_ERROR=(
  # No CONFIG_KALLSYMS_ALL: /proc/kallsyms has no data symbols such as avenrun.
  [loads.bt]="error: Failed to resolve kernel symbol 'avenrun': it is not in /proc/kallsyms [E0010]"
  # struct cfs_rq has no nr_running in this kernel (renamed nr_queued in 6.13).
  [runqlen.bt]="error: struct cfs_rq has no field 'nr_running' [E0033]"
)
pass=0
fail=0
tools=(/usr/sbin/*.bt)
if [ ! -e "${tools[0]}" ]; then
  echo "no /usr/sbin/*.bt: install Debian's bpftrace package"
  echo "0 passed, 1 failed"
  exit 1
fi
for tool in "${tools[@]}"; do
  name="$(basename "$tool")"
  out="$("$SCRY" --dry-run "$tool" 2>&1)"
  rc=$?
  want="${EXPECTED_ERROR[$name]:-}"
  if [ -z "$want" ] && [ $rc = 0 ] && ! grep -q "error" <<<"$out"; then
    echo "PASS $name"
    pass=$((pass + 1))
  elif [ -n "$want" ] && [ $rc = 1 ] && grep -qF -- "$want" <<<"$out"; then
    echo "PASS $name (fails as expected: ${want#error: })"
    pass=$((pass + 1))
  else
    echo "FAIL $name (exit status $rc)"
    sed 's/^/    /' <<<"$out" | head -20
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
