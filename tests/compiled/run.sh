#!/bin/bash
# Compiled programs (scry --compile -o FILE): each runs from its file with the scry
# executable alone (copied where no code generator plugin is: compiling fails there), LLVM
# never mapped; ./FILE runs through its #! line; parameters are numbers given when it runs;
# a file whose kernel facts differ from this kernel's (edited here as another kernel's would
# be) is refused with a located error naming the member; damaged and mismatched files too.
# The VM lane runs programs compiled here on Debian's 6.1 and 6.12 (tests/vm/compiled.sh).
# usage: run.sh SCRY
set -u
here=$(cd "$(dirname "$0")" && pwd)
scry=$(realpath "$1")
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0
fail=0
result() {  # OK WHAT [OUTPUT]
  if [ "$1" = 0 ]; then echo "PASS $2"; pass=$((pass + 1)); else
    echo "FAIL $2"; [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/    /'; fail=$((fail + 1)); fi
}
# check WHAT WANT_RC REGEX CMD...: CMD exits WANT_RC and its stdout+stderr matches REGEX.
check() {
  local what=$1 want=$2 re=$3
  shift 3
  local out rc
  out=$(timeout -s INT 60 "$@" 2>&1 </dev/null)
  rc=$?
  [ $rc = "$want" ] && grep -qE -- "$re" <<<"$out"
  result $? "$what (exit $rc)" "$out"
}

# The executable alone, in a directory of its own: no scry-codegen.so beside it or in ../lib.
mkdir -p "$tmp/bin"
cp "$scry" "$tmp/bin/scry"
alone="$tmp/bin/scry"
check "scry alone cannot compile (no code generator)" 1 "cannot load scry's code generator" \
  "$alone" --no-cache -e 'BEGIN { exit(); }'

check "--compile writes the program" 0 "compiled .*params.bt into $tmp/params.scry" \
  "$scry" --compile -o "$tmp/params.scry" "$here/params.bt"
[ -x "$tmp/params.scry" ]
result $? "the program file is executable"
check "scry alone runs it, with its parameters given now" 0 "^2 parameters: 3 \\+ 4 = 7$" "$alone" "$tmp/params.scry" 3 4
check "its histogram" 0 "^\\[2, 4\\) +1 \\|@+\\|$" "$alone" "$tmp/params.scry" 3 4
check "other parameters, the same program" 0 "3 parameters: -5 \\+ 0 = -5" "$alone" "$tmp/params.scry" -- -5 0x0 9
check "./FILE runs through its #! line" 0 "2 parameters: 1 \\+ 2 = 3" env PATH="$tmp/bin:$PATH" "$tmp/params.scry" 1 2
check "a parameter that is not a number is refused" 1 "parameter \\\$2 is 'x': a compiled program's parameters are numbers" \
  "$alone" "$tmp/params.scry" 1 x
check "more than 16 parameters are refused" 1 "at most 16 parameters" "$alone" "$tmp/params.scry" $(seq 17)
check "compiled with its parameters, it takes none when run" 0 "compiled .* into" \
  "$scry" --compile -o "$tmp/baked.scry" "$here/params.bt" 20 22
check "its parameters are the ones compiled in" 0 "2 parameters: 20 \\+ 22 = 42" "$alone" "$tmp/baked.scry"
check "and others are refused" 1 "was compiled with its parameters given \\(2\\): it takes none" \
  "$alone" "$tmp/baked.scry" 1

# Kernel types and tracepoint fields, on the kernel it was compiled on: it runs.
check "--compile a program that reads task_struct" 0 "into" "$scry" --compile -o "$tmp/types.scry" "$here/kernel_types.bt"
check "it runs here" 0 "@tgid_is_pid: 1" "$alone" "$tmp/types.scry" -c "/usr/bin/python3 -c 'import os; os.getppid()'"
check "--compile a program that reads tracepoint fields" 0 "into" "$scry" --compile -o "$tmp/portable.scry" "$here/portable.bt"
check "it runs here" 0 "cat opened /etc/hostname" "$alone" "$tmp/portable.scry" -c "cat /etc/hostname"

# Another kernel's layout, as its file would say it: the member's offset moved by 8 bytes.
/usr/bin/python3 - "$tmp/types.scry" "$tmp/moved.scry" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
moved = re.sub(rb"member tgid at byte (\d+)", lambda m: b"member tgid at byte %d" % (int(m.group(1)) + 8), data, count=1)
assert moved != data
open(sys.argv[2], "wb").write(moved)
EOF
check "another kernel's layout is refused, located, naming the member [E0052]" 1 \
  "kernel_types.bt:5:[0-9]+: error: .*moved.scry was compiled for another kernel \\(.*\\): compiled for struct task_struct member tgid at byte [0-9]+ \\(int32\\), but this kernel has struct task_struct member tgid at byte [0-9]+ \\(int32\\) \\[E0052\\]" \
  "$alone" "$tmp/moved.scry" -c /bin/true
out=$("$alone" "$tmp/moved.scry" -c /bin/true 2>&1)
grep -q "Attaching" <<<"$out"
result $((1 - $?)) "nothing was attached"
sed 's/"version":"[^"]*"/"version":"0.0.1"/' "$tmp/params.scry" >"$tmp/old.scry"
check "a program another scry compiled is refused" 1 "was compiled by scry 0.0.1, this is scry" "$alone" "$tmp/old.scry" 1 2
head -c 600 "$tmp/params.scry" >"$tmp/cut.scry"
check "a damaged program file is refused" 1 "cut.scry: not a program scry compiled, or a damaged one" "$alone" "$tmp/cut.scry"

# LLVM is never mapped: a compiled program's scry, with the plugin beside it, never loads it.
cat >"$tmp/waits.bt" <<'EOF'
BEGIN { printf("ready\n"); }
interval:s:30 { exit(); }
EOF
"$scry" --compile -o "$tmp/waits.scry" "$tmp/waits.bt" 2>/dev/null
"$scry" "$tmp/waits.scry" >"$tmp/waits.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q ready "$tmp/waits.out" && break; sleep 0.1; done
maps=$(cat /proc/$pid/maps 2>/dev/null)
grep -q ready "$tmp/waits.out" && [ -n "$maps" ] && ! grep -qiE "llvm|scry-codegen" <<<"$maps"
result $? "a running compiled program maps neither LLVM nor the code generator"
kill -INT $pid
wait $pid
result $? "it stops on Ctrl-C"
pid=

echo "$pass passed, $fail failed"
[ $fail = 0 ]
