#!/bin/bash
# Programs compiled on this machine (scry --compile -o), run in the VM on Debian's own kernels
# by the scry executable alone (copied where no code generator is):
#   - params.scry and portable.scry (tracepoint fields only) run, with the right output;
#   - kernel_types.scry (reads struct task_struct through BTF) runs if the guest's kernel lays
#     task_struct out as this machine's does, and is refused naming the member (E0052) if not:
#     which one is decided by compiling the same script in the guest and comparing the two
#     files' kernel facts.
#   compiled.sh host SCRY DIR    on this machine: compiles tests/compiled/*.bt into DIR
#   compiled.sh guest SCRY DIR   in the VM: runs them
set -u
mode=$1 scry=$2 dir=$3
src=$(cd "$(dirname "$0")/../compiled" && pwd)
if [ "$mode" = host ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  for p in params portable kernel_types; do
    "$scry" --compile -o "$dir/$p.scry" "$src/$p.bt" 2>"$dir/$p.err" || { echo "FAIL compiled: $p.bt"; cat "$dir/$p.err"; exit 1; }
  done
  echo "PASS compiled (host: params, portable, kernel_types compiled into $dir)"
  exit 0
fi
fail=0
bin=$(mktemp -d)
cp "$scry" "$bin/scry"
expect() {  # WHAT WANT_RC REGEX CMD...
  local what=$1 want=$2 re=$3
  shift 3
  local out rc
  out=$(timeout -s INT 120 "$@" 2>&1 </dev/null)
  rc=$?
  if [ $rc = "$want" ] && grep -qE -- "$re" <<<"$out"; then echo "PASS compiled: $what"; else
    echo "FAIL compiled: $what (exit $rc)"; sed 's/^/    /' <<<"$out"; fail=1; fi
}
expect "params.scry runs with its parameters" 0 "^2 parameters: 40 \\+ 2 = 42$" "$bin/scry" "$dir/params.scry" 40 2
expect "portable.scry reads a tracepoint's fields" 0 "cat opened /etc/hostname" \
  "$bin/scry" "$dir/portable.scry" -c "cat /etc/hostname"
layout() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.loads(open(sys.argv[1],"rb").read().split(b"\n")[2])["layout"], sort_keys=True))' "$1"; }
"$scry" --compile -o "$bin/guest.scry" "$src/kernel_types.bt" 2>/dev/null
if [ "$(layout "$bin/guest.scry")" = "$(layout "$dir/kernel_types.scry")" ]; then
  expect "kernel_types.scry runs: $(uname -r) lays task_struct out as the host" 0 "@tgid_is_pid: 1" \
    "$bin/scry" "$dir/kernel_types.scry" -c "/usr/bin/python3 -c 'import os; os.getppid()'"
else
  expect "kernel_types.scry is refused on $(uname -r), naming the member" 1 \
    "kernel_types.bt:[0-9]+:[0-9]+: error: .*kernel_types.scry was compiled for another kernel \\(.*\\): compiled for struct task_struct member [a-z_]+ at byte [0-9]+ .*, but this kernel has .* \\[E0052\\]" \
    "$bin/scry" "$dir/kernel_types.scry" -c /bin/true
fi
rm -rf "$bin"
exit $fail
