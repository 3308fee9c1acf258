#!/bin/bash
# Command-line behaviour that needs a shell around scry: signals, -o, -c, --dry-run, dumps,
# not being root, map-full warnings, and nothing left loaded after exit.
# usage: run_cli.sh SCRY TARGET
set -u
SCRY="$(realpath "$1")"
TARGET="$(realpath "$2")"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
# BPF programs scry names probeN that are loaded now (another tracer may be running).
loaded_probes() { { command -v bpftool >/dev/null && bpftool prog show | grep -c 'name probe[0-9]'; } || true; }
loaded_before=$(loaded_probes)

check() {  # check NAME COMMAND...: passes when COMMAND succeeds
  local name="$1"
  shift
  if "$@"; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name"
    fail=$((fail + 1))
  fi
}

wait_for() {  # wait_for FILE TEXT: up to 30 s
  for _ in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# A signal stops tracing: END runs, maps print, exit status 0.
for sig in INT TERM; do
  "$SCRY" -e 'BEGIN { @a = 1; } interval:s:100 { @b = 1; } END { printf("end ran\n"); }' \
    >"$T/sig.out" 2>"$T/sig.err" &
  pid=$!
  wait_for "$T/sig.out" "Attaching 3 probes"
  kill -$sig $pid
  wait $pid
  rc=$?
  check "SIG$sig runs END and prints maps" \
    test "$rc" = 0 -a "$(cat "$T/sig.out")" = "$(printf 'Attaching 3 probes...\nend ran\n\n\n@a: 1')"
done

# A signal stops scry however fast events keep coming: here each event runs a command, which
# makes more events (issue 10/12: it ran on until killed). END still runs.
"$SCRY" --unsafe -e 'tracepoint:sched:sched_switch { system("echo storm"); } END { printf("end ran\n"); }' \
  >"$T/storm.out" 2>"$T/storm.err" &
pid=$!
wait_for "$T/storm.out" storm
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
stopped=$(kill -0 $pid 2>/dev/null && echo no || echo yes)
kill -KILL $pid 2>/dev/null
wait $pid
check "SIGINT stops a storm of events (within 10 s here), END runs" \
  sh -c "test $stopped = yes && grep -q 'end ran' '$T/storm.out'"

# When scry stops first, its -c command is stopped too (SIGTERM) and reaped: nothing is left
# running under init.
"$SCRY" -c "$TARGET sleep 5000" -e 'interval:ms:200 { printf("cpid %d\n", cpid); exit(); }' >"$T/cpid.out" 2>&1
cpid=$(sed -n 's/^cpid //p' "$T/cpid.out")
check "exit() stops the -c command" sh -c "test -n '$cpid' && ! kill -0 '$cpid' 2>/dev/null"

# bpftrace's test engine: the marker on stderr once every probe is attached, before BEGIN.
__BPFTRACE_NOTIFY_PROBES_ATTACHED=1 "$SCRY" -e 'BEGIN { printf("begin\n"); exit(); }' >"$T/marker.out" 2>&1
check "the attach marker comes after Attaching and before BEGIN's output" \
  test "$(head -3 "$T/marker.out")" = "$(printf 'Attaching 1 probe...\n__BPFTRACE_NOTIFY_PROBES_ATTACHED\nbegin')"
"$SCRY" -e 'BEGIN { exit(); }' >"$T/nomarker.out" 2>&1
check "no marker without the engine's variable" sh -c "! grep -q NOTIFY '$T/nomarker.out'"

# --info reports in bpftrace's layout what this kernel can do, probed (not assumed).
"$SCRY" --info >"$T/info.out"
check "--info lists probe types and helpers" \
  sh -c "grep -q '^  tracepoint: yes' '$T/info.out' && grep -q '^  kprobe: \(yes\|no\)' '$T/info.out' && grep -q 'Loop support: yes' '$T/info.out'"
kp=$([ -e /sys/bus/event_source/devices/kprobe ] && echo yes || echo no)
check "--info: kprobe as /sys/bus/event_source/devices says" grep -q "^  kprobe: $kp" "$T/info.out"
check "--info lists map types" sh -c "grep -qx '  ringbuf: yes' '$T/info.out' && grep -qx '  perf_event_array: yes' '$T/info.out' && grep -qx '  percpu hash: yes' '$T/info.out'"

# One block on all syscalls: tracepoints, and on sys_enter_* and sys_exit_* together, crashed
# sema (issue 10).
"$SCRY" --dry-run -e 'tracepoint:syscalls:* { @[probe] = count(); }' >"$T/allsys.out" 2>&1
check "tracepoint:syscalls:* compiles and loads" test $? = 0
"$SCRY" --dry-run -e 'tracepoint:syscalls:sys_enter_read,tracepoint:syscalls:sys_exit_read,
  tracepoint:syscalls:sys_enter_write,tracepoint:syscalls:sys_exit_write { @[probe] = count(); }' >"$T/rw.out" 2>&1
check "one block on sys_enter_* and sys_exit_* compiles and loads" test $? = 0

# A uprobe offset past the function's end is refused when compiling, with the symbol's size.
"$SCRY" -e "uprobe:$TARGET:scry_target_add+100000 { }" >"$T/uoff.out" 2>&1
rc=$?
check "a uprobe offset outside its function is a located error" \
  sh -c "test $rc = 1 && grep -q \"Offset outside the function bounds ('scry_target_add' size is [0-9]*)\" '$T/uoff.out'"

# A bare word is a pattern on probe names, not a library: -l c lists no uprobes of libc.
"$SCRY" -l c >"$T/lc.out" 2>&1
check "-l WORD does not list a library's functions" sh -c "! grep -q '^uprobe:' '$T/lc.out'"

# -o writes the output to a file, nothing to stdout.
"$SCRY" -o "$T/o.txt" -e 'BEGIN { printf("to file\n"); exit(); }' >"$T/o.stdout"
check "-o writes to the file" grep -qx "to file" "$T/o.txt"
check "-o leaves stdout empty" test ! -s "$T/o.stdout"

# --dry-run compiles and loads but attaches and runs nothing.
"$SCRY" --dry-run -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); } BEGIN { printf("ran\n"); }' >"$T/dry.out" 2>&1
rc=$?
check "--dry-run exits 0 without running" test "$rc" = 0 -a ! -s "$T/dry.out"

# Dumps stop the pipeline at their stage.
"$SCRY" --dump=ast -e 'BEGIN { @x = 1 + 2; }' >"$T/ast.out"
check "--dump=ast shows the tree" grep -q "binop + <1:14>" "$T/ast.out"
"$SCRY" --dump=typed -e 'BEGIN { @x = 1 + 2; }' >"$T/typed.out"
check "--dump=typed shows types" grep -q "binop + <1:14> :: int64" "$T/typed.out"
"$SCRY" --dump=ir -e 'tracepoint:syscalls:sys_enter_openat { @ = count(); }' >"$T/ir.out"
check "--dump=ir shows the program's section" grep -q 'section "tracepoint/syscalls/sys_enter_openat"' "$T/ir.out"

check "--help lists the functions" sh -c "'$SCRY' --help | grep -q 'printf(fmt, ...)'"
check "--version" sh -c "'$SCRY' --version | grep -q '^scry '"
"$SCRY" --frobnicate >/dev/null 2>"$T/opt.err"
rc=$?
check "an unknown option is an error, with the usage" \
  sh -c "test $rc = 1 && grep -q '^USAGE:' '$T/opt.err' && tail -1 '$T/opt.err' | grep -qx 'ERROR: unknown option --frobnicate'"

# bpftrace's command line: short options combine, - reads the program from stdin, and bad
# values are reported as bpftrace reports them.
"$SCRY" -qe 'BEGIN { printf("%s\n", str($1)); exit(); }' combined >"$T/qe.out" 2>&1
check "-qe: short options combine" test "$(cat "$T/qe.out")" = "$(printf 'combined\n\n')"
printf 'BEGIN { printf("%%s %%d\\n", str($1), $2); exit(); }\n' >"$T/params.bt"
"$SCRY" "$T/params.bt" -q word -- -5 >"$T/after.out" 2>&1
check "options may follow the script; -- lets a parameter start with -" grep -qx "word -5" "$T/after.out"
echo 'BEGIN { printf("from stdin\n"); exit(); }' | "$SCRY" -q - >"$T/stdin.out" 2>&1
check "- reads the program from stdin" grep -qx "from stdin" "$T/stdin.out"
for bad in "-p a1111|ERROR: pid 'a1111' is not a valid decimal number" \
           "-p 5000000|ERROR: pid '5000000' out of valid pid range [1,4194304]" \
           "no_such_file.bt|ERROR: failed to open file 'no_such_file.bt': No such file or directory" \
           "-f jsonx -e BEGIN{}|ERROR: Invalid output format \"jsonx\""; do
  args="${bad%%|*}"
  want="${bad#*|}"
  eval "\"\$SCRY\" $args" >"$T/bad.out" 2>&1
  rc=$?
  check "scry $args: $want" sh -c "test $rc = 1 && grep -qxF \"\$1\" '$T/bad.out'" _ "$want"
done
"$SCRY" -l 'a\n' >"$T/lbad.out" 2>&1
check "-l with a character no probe name has is an error" grep -q "^ERROR: invalid character" "$T/lbad.out"
"$SCRY" -e "$(printf '#include <no/such/header.h>\nBEGIN { exit(); }')" >"$T/inc.out" 2>&1
check "an #include that is not there is a located error" grep -q "stdin:1:1: error: 'no/such/header.h' file not found" "$T/inc.out"

SCRY_CODEGEN_PLUGIN=/nonexistent/scry-codegen.so "$SCRY" -e 'BEGIN { exit(); }' >"$T/plugin.out" 2>&1
check "a code generator that cannot be loaded is an error that says why" \
  grep -q "error: cannot load scry's code generator: /nonexistent/scry-codegen.so: .*\[E0050\]" "$T/plugin.out"

mkdir -p "$T/no_tracefs"
SCRY_KERNEL_ROOT="$T/no_tracefs" "$SCRY" -e 'tracepoint:sched:sched_switch { }' >"$T/notracefs.out" 2>&1
check "tracepoints without tracefs are a located error" \
  grep -q "^stdin:1:1: error: tracefs is not mounted .*\[E0035\]" "$T/notracefs.out"

# SIGUSR1 prints every map at once (as bpftrace), and scry goes on.
"$SCRY" -e 'BEGIN { @scalar = 5; printf("ready\n"); } interval:s:4 { exit(); }' >"$T/usr1.out" 2>&1 &
upid=$!
for _ in $(seq 100); do grep -q ready "$T/usr1.out" && break; sleep 0.1; done
kill -USR1 "$upid"
wait "$upid"
check "SIGUSR1 prints the maps now, and again at exit" \
  sh -c "test \"\$(grep -c '^@scalar: 5$' '$T/usr1.out')\" = 2 && sed -n 3p '$T/usr1.out' | grep -qx '@scalar: 5'"

# debugf(): the kernel's trace buffer, with up to 3 arguments (bpf_trace_printk) and more
# (bpf_trace_vprintk). The pid tells this run's lines from any others.
tracefs=/sys/kernel/tracing
"$SCRY" -q -e "BEGIN { debugf(\"scry-debugf %s %d %x\", \"a\", $$, 16); debugf(\"scry-debugf %d %d %d %d %s\", $$, 2, 3, -4, \"b\"); exit(); }" >"$T/debugf.out" 2>&1
check "debugf() with up to 3 arguments writes to the trace buffer" grep -q "bpf_trace_printk: scry-debugf a $$ 10" "$tracefs/trace"
check "debugf() with more than 3 arguments too" grep -q "bpf_trace_printk: scry-debugf $$ 2 3 -4 b" "$tracefs/trace"
check "debugf() warns that its output is not scry's" grep -q "warning: debugf() writes to the kernel's trace buffer" "$T/debugf.out"

# -k: failed map updates and deletes are reported where the script made them; -kk also
# lookups that find nothing and failed reads (a JSON record of its own with -f json).
"$SCRY" -k -e 'i:ms:10 { @[1] = 1; delete(@[2]); exit(); }' >/dev/null 2>"$T/k1.err"
check "-k reports a failed delete, located" \
  sh -c "grep -qx 'stdin:1:21-33: WARNING: Failed to map_delete_elem: No such file or directory (-2)' '$T/k1.err' && grep -qx '                    ~~~~~~~~~~~~' '$T/k1.err'"
"$SCRY" -k -e 'i:ms:10 { @[1] = 1; printf("%d\n", @[2]); exit(); }' >/dev/null 2>"$T/k1b.err"
check "-k does not report lookups" test ! -s "$T/k1b.err"
"$SCRY" -kk -e 'i:ms:10 { @[1] = 1; printf("%d\n", @[2]); exit(); }' >/dev/null 2>"$T/k2.err"
check "-kk reports a lookup that finds nothing" grep -qx 'stdin:1:36-40: WARNING: Failed to map_lookup_elem: 0' "$T/k2.err"
"$SCRY" -kk -q -f json -e 'struct foo {int a;} BEGIN { $x = ((struct foo *)0)->a; exit(); }' >"$T/k3.json" 2>&1
check "-kk -f json: a helper_error record for a failed read" \
  grep -qE '^\{"type": "helper_error", "helper": "probe_read", "retcode": -[0-9]+, "line": 1, "col": [0-9]+\}$' "$T/k3.json"

# A map whose entries would take more kernel memory than the budget is refused with the size,
# not created (1,000,000 lhist values on every CPU once started this machine's OOM killer).
"$SCRY" --dry-run --map-size 16777216 --map-memory 256M -e 'BEGIN { @[pid] = lhist(1, 0, 1000, 1); }' >/dev/null 2>"$T/mem.err"
rc=$?
check "a map past the kernel memory budget is refused, with its size" \
  sh -c "test $rc = 1 && grep -q '@ would take [0-9.]* [MG]B of kernel memory (16777216 entries of 8-byte values on each of [0-9]* CPUs), more than the 256.0 MB' '$T/mem.err'"
# A histogram's map holds a u64 per (key, bucket) in use and CPU, as bpftrace's does: an lhist
# of 1,002 buckets no longer takes 8 KB per key and CPU (4096 keys: 64 MB here, 2 GB at 64
# CPUs). Both tracers' maps for the same script, as the kernel counts them (bpftool):
# scry's takes no more than bpftrace's.
hist_mem='BEGIN { @lh[pid] = lhist(1, 0, 1000, 1); system("bpftool -j map show > '"$T"'/MAPS.json"); exit(); }'
"$SCRY" --unsafe -e "${hist_mem/MAPS/scry_maps}" >/dev/null 2>&1
bpftrace --unsafe -e "${hist_mem/MAPS/bpftrace_maps}" >/dev/null 2>&1
memlock() {  # memlock FILE NAME: the bytes_memlock of the map called NAME with 16-byte keys
  /usr/bin/python3 -c 'import json,sys; print(sum(m.get("bytes_memlock", 0) for m in json.load(open(sys.argv[1]))
                     if m.get("name") == sys.argv[2] and m.get("bytes_key") == 16))' "$1" "$2"
}
scry_mem=$(memlock "$T/scry_maps.json" map0)  # the script's one map: (pid, bucket) keys
bt_mem=$(memlock "$T/bpftrace_maps.json" AT_lh)
check "an lhist's kernel memory: scry ${scry_mem:-?} bytes, bpftrace ${bt_mem:-?} bytes" \
  sh -c "test '${scry_mem:-0}' -gt 0 && test '${bt_mem:-0}' -gt 0 && test '$scry_mem' -le '$bt_mem'"

# -o FILE: emptied only once the program has loaded (a script with an error leaves the file as
# it was); a symbolic link in a directory others can write to is not followed.
echo "before" >"$T/o.txt"
"$SCRY" -o "$T/o.txt" -e 'BEGIN { nosuchfunction(); }' 2>/dev/null
check "-o: a script that does not compile leaves the file alone" grep -qx before "$T/o.txt"
"$SCRY" -q -o "$T/o.txt" -e 'BEGIN { printf("after\n"); exit(); }'
check "-o: the file holds the output, and only it" test "$(head -1 "$T/o.txt")" = after
mkdir -p "$T/open" && chmod 1777 "$T/open" && ln -sf "$T/o.txt" "$T/open/link"
"$SCRY" -o "$T/open/link" -e 'BEGIN { exit(); }' >/dev/null 2>"$T/olink.err"
check "-o: a symbolic link in a directory others can write to is refused" \
  sh -c "grep -q 'is a symbolic link in a directory others can write to' '$T/olink.err' && grep -qx after '$T/o.txt'"

# A BEGIN that calls exit(): the -c command never runs.
rm -f "$T/begin_ran"
"$SCRY" -c "touch $T/begin_ran" -e 'BEGIN { exit(); } tracepoint:syscalls:sys_enter_openat { }' >/dev/null 2>&1
check "exit() in BEGIN: the -c command never runs" test ! -e "$T/begin_ran"

# Front-end limits: no input crashes or floods. The passes after parsing recurse once per
# nesting level (10,000 at most, a located error past it); diagnostics stop after 20, and a
# long source line is shown around the caret only.
python3 -c "print('BEGIN { @ = ' + '+'.join(['1'] * 5000) + '; exit(); }')" >"$T/terms.bt"
check "5,000 terms of 1+1+... compile and add up (bpftrace runs them)" sh -c "'$SCRY' -q '$T/terms.bt' | grep -qx '@: 5000'"
check "--dump=ast of 5,000 terms prints the whole tree" sh -c "test \$('$SCRY' --dump=ast '$T/terms.bt' | wc -l) -gt 10000"
python3 -c "print('\\n'.join('interval:s:%d { @[%d] = count(); }' % (i + 1, i) for i in range(2000)))" >"$T/probes2000.bt"
check "2,000 probes compile (into one BPF object of 2,000 programs)" \
  sh -c "'$SCRY' --dump=elf '$T/probes2000.bt' | head -c 4 | grep -q ELF"
python3 -c "print('BEGIN { printf(\"' + 'a' * 100000 + '\\\\n\"); exit(); }')" >"$T/bigliteral.bt"
check "a 100 KB printf literal prints whole" sh -c "test \$('$SCRY' -q '$T/bigliteral.bt' | head -1 | wc -c) = 100001"
python3 -c "print('BEGIN { ' + 'if (1) { ' * 7000 + '@x = 1;' + ' }' * 7000 + ' exit(); }')" >"$T/ifs.bt"
check "7,000 nested if blocks compile" sh -c "'$SCRY' -q '$T/ifs.bt' | grep -qx '@x: 1'"
python3 -c "print('BEGIN { @ = ' + '!' * 8000 + '1; exit(); }')" >"$T/nots.bt"
check "8,000 chained ! compile" sh -c "'$SCRY' -q '$T/nots.bt' | grep -qx '@: 1'"
python3 -c "print('struct ' + 'a' * 30000 + ' { int x; } BEGIN { exit(); }')" >"$T/longname.bt"
check "a struct with a 30,000-character name compiles" "$SCRY" -q "$T/longname.bt"
python3 -c "print('BEGIN { @ = ' + '!' * 10000 + '1; exit(); }')" >"$T/deep.bt"
"$SCRY" --dry-run "$T/deep.bt" >/dev/null 2>"$T/deep.err"
rc=$?
check "nesting past 10,000 levels is a located error, not a crash" \
  sh -c "test $rc = 1 && grep -q '^$T/deep.bt:1:[0-9]*: error: the program nests 10002 levels deep, more than the 10000 scry compiles' '$T/deep.err'"
check "a long source line is shown around the caret" sh -c "test \$(sed -n 2p '$T/deep.err' | wc -c) -lt 200"
python3 -c "print(','.join('bad:probe%d' % i for i in range(20000)) + ' { }')" >"$T/bad.bt"
"$SCRY" --dry-run "$T/bad.bt" >/dev/null 2>"$T/bad.err"
check "20,000 bad attach points: 20 errors and a note that the rest are not shown" \
  sh -c "test \$(grep -c ': error: ' '$T/bad.err') = 21 && grep -q 'too many errors: only the first 20 are shown' '$T/bad.err' && test \$(wc -c <'$T/bad.err') -lt 20000"

# bpftrace's environment variables.
printf 'abcdefgh' >"$T/eight"
BPFTRACE_CAT_BYTES_MAX=3 "$SCRY" -q -e "BEGIN { cat(\"$T/eight\"); printf(\"|\\n\"); exit(); }" >"$T/catmax.out" 2>&1
check "BPFTRACE_CAT_BYTES_MAX: what cat() prints of a file, at most" grep -qx "abc|" "$T/catmax.out"
"$SCRY" -q -e "BEGIN { cat(\"$T/missing\"); printf(\"goes on\\n\"); exit(); }" >"$T/catmiss.out" 2>&1
check "cat() of a missing file is an error, and the program goes on" \
  sh -c "grep -qx \"ERROR: failed to open file '$T/missing': No such file or directory\" '$T/catmiss.out' && grep -qx 'goes on' '$T/catmiss.out'"
# -v asks for each program's verifier log in BPFTRACE_LOG_SIZE bytes; a log that does not fit
# fails the load, as in bpftrace.
BPFTRACE_LOG_SIZE=1 "$SCRY" -ve 'BEGIN { exit(); }' >"$T/logsize.out" 2>&1
check "BPFTRACE_LOG_SIZE too small for the verifier's log: the load fails, named" \
  sh -c "! BPFTRACE_LOG_SIZE=1 '$SCRY' -ve 'BEGIN { exit(); }' >/dev/null 2>&1 && grep -q 'Error loading program: BEGIN' '$T/logsize.out'"
"$SCRY" -ve 'BEGIN { exit(); }' >"$T/logsize_ok.out" 2>&1
check "-v prints each program's verifier log" grep -q "^processed [0-9]* insns" "$T/logsize_ok.out"
BPFTRACE_STACK_MODE=perf "$SCRY" -q -c "$TARGET nest" -e 'tracepoint:syscalls:sys_enter_getppid /comm == "scry_target"/ { print(ustack(3)); }' >"$T/stackmode.out" 2>&1
check "BPFTRACE_STACK_MODE: how stacks print without a mode" grep -qE "^	[0-9a-f]+ scry_stack_middle\+[0-9]+ \($TARGET\)$" "$T/stackmode.out"
BPFTRACE_STRLEN=4 "$SCRY" -q -c "$TARGET open 1 /dev/null" -e 'tracepoint:syscalls:sys_enter_openat /comm == "scry_target" && args.flags == 0/ { printf("%s\n", str(args.filename)); exit(); }' >"$T/strlen.out" 2>&1
check "BPFTRACE_STRLEN: how much of a string str() reads" grep -qx "/de" "$T/strlen.out"
BPFTRACE_MAX_PROBES=10 "$SCRY" -e 'tracepoint:syscalls:sys_enter_* { }' >"$T/maxprobes.out" 2>&1
check "BPFTRACE_MAX_PROBES: more probes are refused, and the note names the variable" \
  sh -c "grep -q \"error: Can't attach to [0-9]* probes because it exceeds the current limit of 10 probes\" '$T/maxprobes.out' && grep -q 'BPFTRACE_MAX_PROBES environment variable' '$T/maxprobes.out'"
BPFTRACE_MAX_BPF_PROGS=2 "$SCRY" -e 'BEGIN { } END { } interval:s:1 { }' >"$T/maxprogs.out" 2>&1
check "BPFTRACE_MAX_BPF_PROGS: more programs are refused" grep -q "more than 3 BPF programs, which exceeds the current limit of 2" "$T/maxprogs.out"
BPFTRACE_STRLEN=big "$SCRY" -e 'BEGIN { exit(); }' >"$T/badenv.out" 2>&1
rc=$?
check "a bad value in a BPFTRACE_ variable is an error" \
  sh -c "test $rc = 1 && grep -q \"^ERROR: Env var 'BPFTRACE_STRLEN' is not a valid value: 'big'\" '$T/badenv.out'"
for v in 0 1; do
  BPFTRACE_NO_CPP_DEMANGLE=$v "$SCRY" -q -c "$TARGET call" \
    -e "uprobe:$TARGET:scry::Counter::bump { printf(\"%s\\n\", usym(reg(\"ip\"))); exit(); }" >"$T/demangle$v.out" 2>&1
done
check "C++ names in stacks are demangled" grep -qx "scry::Counter::bump(long)" "$T/demangle0.out"
check "BPFTRACE_NO_CPP_DEMANGLE=1: as the binary spells them" grep -qx "_ZN4scry7Counter4bumpEl" "$T/demangle1.out"

# Without the capabilities: one clear line and exit status 1. What counts is CAP_BPF and
# CAP_PERFMON (or CAP_SYS_ADMIN), not the user id: a user given those two runs scry.
setpriv --reuid=65534 --regid=65534 --clear-groups "$SCRY" -e 'BEGIN { exit(); }' >"$T/user.out" 2>"$T/user.err"
rc=$?
check "not root: one clear line, status 1" \
  test "$rc" = 1 -a "$(cat "$T/user.err")" = "ERROR: scry needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs: run it as root"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
  "$SCRY" -q -e 'BEGIN { printf("capable\n"); exit(); }' >"$T/caps.out" 2>&1
check "a user with CAP_BPF and CAP_PERFMON runs scry" grep -qx capable "$T/caps.out"

# A full map is reported, not silent: 5000 keys into a map of 4096 entries drops 904.
"$SCRY" -q -c "$TARGET open 5000 /dev/null" \
  -e 'tracepoint:syscalls:sys_enter_openat /comm == "scry_target" && str(args->filename) == "/dev/null"/ { @[nsecs] = 1; } END { clear(@); }' \
  >"$T/full.out" 2>"$T/full.err"
dropped=$(sed -n 's/^WARNING: map @ is full: \([0-9]*\) updates dropped.*/\1/p' "$T/full.err" | awk '{ s += $1 } END { print s + 0 }')
check "a full map is reported with the number of dropped updates" test "${dropped:-0}" = 904

# -c: a command that cannot run is an error (as in bpftrace), before anything is attached.
"$SCRY" -q -c "/nonexistent/cmd" -e 'BEGIN { printf("b\n"); } END { printf("e\n"); }' >"$T/c.out" 2>"$T/c.err"
rc=$?
check "-c with a missing command is an error before anything runs" test "$rc" = 1 -a ! -s "$T/c.out"
check "-c with a missing command says why" grep -qx "ERROR: failed to run the -c command: '/nonexistent/cmd' does not exist or is not executable" "$T/c.err"
"$SCRY" -q -c "no_such_command_in_path" -e 'BEGIN { exit(); }' >/dev/null 2>"$T/c2.err"
check "-c looks the command up in PATH" grep -q "'no_such_command_in_path' does not exist" "$T/c2.err"

# Listing: patterns, kinds, -lv with arguments, the probes of a script.
"$SCRY" -l 'tracepoint:syscalls:sys_enter_openat*' >"$T/l1"
check "-l lists matching tracepoints" test "$(cat "$T/l1")" = "$(printf 'tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_enter_openat2')"
"$SCRY" -lv 'tracepoint:syscalls:sys_enter_openat' >"$T/l2"
check "-lv shows each argument with its type" grep -qx '    const char \* filename' "$T/l2"
check "-l finds kernel functions in BTF" sh -c "'$SCRY' -l 'kprobe:vfs_read' | grep -qx 'kprobe:vfs_read'"
check "-l finds raw tracepoints in BTF" sh -c "'$SCRY' -l 'rawtracepoint:sched_switch' | grep -qx 'rawtracepoint:sched_switch'"
check "-l lists a binary's functions" sh -c "'$SCRY' -l 'uprobe:$TARGET:scry_target_*' | grep -qx 'uprobe:$TARGET:scry_target_add'"
check "-l without a kind matches every kind" sh -c "'$SCRY' -l 'sys_enter_openat' | grep -qx 'tracepoint:syscalls:sys_enter_openat'"
"$SCRY" -l -e 'tracepoint:syscalls:sys_enter_openat*, interval:s:1 { }' >"$T/l3"
check "-l -e lists the script's probes" test "$(cat "$T/l3")" = "$(printf 'tracepoint:syscalls:sys_enter_openat\ntracepoint:syscalls:sys_enter_openat2\ninterval:s:1')"
"$SCRY" -l 'nosuchprobe*' >/dev/null 2>"$T/nomatch.err"
check "-l with no match exits 1" test $? = 1
check "-l with no match says so" grep -qx "no probe matches 'nosuchprobe\*'" "$T/nomatch.err"
setpriv --reuid=65534 --regid=65534 --clear-groups "$SCRY" -l 'tracepoint:syscalls:sys_enter_openat' >/dev/null 2>"$T/nobody.err"
if [ "$(stat -c %a /sys/kernel/tracing 2>/dev/null)" = 700 ]; then
  check "-l as a user who may not read tracefs says so" grep -q "may not read /sys/kernel/tracing" "$T/nobody.err"
fi

# watchpoint: a hardware breakpoint on a variable of the -c process fires on each write.
addr=$(nm "$TARGET" | awk '$3 == "scry_watched" { print $1 }')
"$SCRY" -q -c "$TARGET watch" -e "watchpoint:0x$addr:8:w { @writes = count(); }" >"$T/wp" 2>&1
if "$TARGET" watchself >/dev/null; then
  check "watchpoint fires on each write" grep -qx '@writes: 3' "$T/wp"
else
  # Some virtual machines accept a hardware breakpoint and never fire it (bpftrace counts 0
  # too): the target's own perf breakpoint on the variable told us so.
  echo "SKIP watchpoint fires on each write: this machine's hardware breakpoints never fire"
fi
# watchpoint:FUNC+argN: each address the function gets is watched from the call on (the
# process waits, stopped, while scry attaches); unwatch() ends it; asyncwatchpoint does not
# stop the process.
"$SCRY" -q -c "$TARGET watcharg" -e 'watchpoint:scry_target_bump+arg0:4:w { @[probe] = count(); }' >"$T/wpf" 2>&1
"$SCRY" -q -c "$TARGET watcharg" -e 'watchpoint:scry_target_bump+arg0:4:w { @n = count(); unwatch(@a); }
  uprobe:'"$TARGET"':scry_target_bump { @a = arg0; }' >"$T/wpu" 2>&1
"$SCRY" -q -c "$TARGET watcharg" -e 'asyncwatchpoint:scry_target_bump+arg0:4:w { @async = count(); }' >"$T/wpa" 2>&1
if "$TARGET" watchself >/dev/null; then
  check "watchpoint on a function's argument: every write to each address it gets" \
    grep -qx "@\[watchpoint:$TARGET:scry_target_bump:4:w\]: 5" "$T/wpf"
  # Each call watches its address again; after the last, unwatch() leaves the final write unseen.
  check "unwatch() stops watching an address" grep -qx '@n: 4' "$T/wpu"
  check "asyncwatchpoint: the process is not stopped (a write may be missed)" grep -q '^@async: [1-5]$' "$T/wpa"
else
  echo "SKIP watchpoints on function arguments: this machine's hardware breakpoints never fire"
fi
"$SCRY" -e 'watchpoint:scry_target_bump+arg0:4:w { }' >/dev/null 2>"$T/wpf.err"
check "watchpoint on a function's argument without -p/-c says why" grep -q "needs the program to watch: use -p PID or -c CMD" "$T/wpf.err"
"$SCRY" -e "watchpoint:0x$addr:8:w { @writes = count(); }" >/dev/null 2>"$T/wp.err"
check "watchpoint without -p/-c says why" grep -q "needs a process to watch: use -p PID or -c CMD" "$T/wp.err"

# -p: uprobes in that process only; scry stops when it exits.
"$TARGET" sleep 1500 &
tpid=$!
"$SCRY" -q -p $tpid -e "uprobe:$TARGET:scry_target_add { @ = count(); } interval:ms:100 { @ticks = count(); }" >"$T/p.out" 2>&1
rc=$?
check "-p: scry exits when the process does" test $rc = 0
wait $tpid
"$SCRY" -p 999999 -e 'BEGIN { exit(); }' >/dev/null 2>"$T/p.err"
check "-p with no such process is an error" grep -q "there is no process 999999" "$T/p.err"

# USDT: listing a binary's probes; Python's interpreter has probes (behind semaphores).
check "-l lists USDT probes" sh -c "'$SCRY' -l 'usdt:$TARGET:*' | grep -qx 'usdt:$TARGET:scry:ping'"
if [ -x /usr/bin/python3.11 ]; then
  printf 'def scry_test_function():\n    return 1\nfor i in range(3):\n    scry_test_function()\n' >"$T/t.py"
  "$SCRY" -q -c "/usr/bin/python3.11 $T/t.py" \
    -e 'usdt:/usr/bin/python3.11:python:line { @lines = count(); } usdt:/usr/bin/python3.11:python:gc__start { @gc = count(); }' \
    >"$T/py" 2>&1
  check "USDT probes of the Python interpreter fire" grep -q '^@lines: [1-9]' "$T/py"
fi

# -p: the process's files, for usdt probes without a path and for -l (uprobes and USDT probes
# of the binary and of the libraries it has mapped); a file pattern names each file it matches.
"$TARGET" usdtloop 20000 &
upid=$!
"$SCRY" -l 'usdt:*' -p $upid >"$T/lp_usdt.out" 2>&1
check "-l 'usdt:*' -p PID lists the process's USDT probes" grep -qx "usdt:$TARGET:scry:tick" "$T/lp_usdt.out"
"$SCRY" -l -p $upid >"$T/lp_all.out" 2>&1
check "-l -p PID lists the process's functions and its libraries'" \
  sh -c "grep -qx 'uprobe:$TARGET:scry_target_add' '$T/lp_all.out' && grep -q '^uprobe:.*/libc.so.6:malloc$' '$T/lp_all.out'"
"$SCRY" -l 'usdt:*:scry:ti*' -p $upid >"$T/lp_filter.out" 2>&1
check "-l -p PID with a provider and a probe pattern" sh -c "test \$(wc -l <'$T/lp_filter.out') = 1 && grep -qx 'usdt:$TARGET:scry:tick' '$T/lp_filter.out'"
timeout 30 "$SCRY" -q -p $upid -e 'usdt::scry:tick { printf("tick %d\n", arg0 > 0); exit(); }' >"$T/p_usdt.out" 2>&1
check "usdt::PROVIDER:NAME with -p attaches in the process's files" grep -qx "tick 1" "$T/p_usdt.out"
timeout 30 "$SCRY" -q -p $upid -e 'usdt:::tic? { printf("any provider\n"); exit(); }' >"$T/p_usdt2.out" 2>&1
check "usdt::: with -p: any file of the process, any provider" grep -qx "any provider" "$T/p_usdt2.out"
kill $upid; wait $upid 2>/dev/null
"$SCRY" -e 'usdt::scry:tick { }' >/dev/null 2>"$T/usdt_nopath.err"
check "usdt without a path and without -p says why" grep -q "needs -p PID" "$T/usdt_nopath.err"
"$SCRY" -l "usdt:${TARGET%_target}_tar*:scry:p*" >"$T/l_glob.out" 2>&1
check "-l with a file pattern lists each file it matches" \
  sh -c "grep -qx 'usdt:$TARGET:scry:ping' '$T/l_glob.out' && grep -qx 'usdt:${TARGET}_pie:scry:ping' '$T/l_glob.out'"
"$SCRY" -q --usdt-file-activation -c "$TARGET usdt" -e "usdt:${TARGET}*:scry:ping { @[probe] = count(); }" >"$T/glob_usdt.out" 2>&1
check "usdt on a file pattern attaches in every file that matches (--usdt-file-activation accepted)" \
  grep -qx "@\[usdt:$TARGET:scry:ping\]: 1" "$T/glob_usdt.out"

# A probe that cannot attach is an error naming it; --missing-probes=warn makes it a warning.
"$SCRY" -e 'kprobe:vfs_read { @k = count(); } interval:ms:10 { exit(); }' >/dev/null 2>"$T/k.err"
rc=$?
check "a kprobe that cannot attach is an error naming it" \
  sh -c "test $rc = 1 && grep -q 'could not attach kprobe:vfs_read' '$T/k.err' && grep -q 'instead, try: tracepoint:syscalls:sys_enter_read' '$T/k.err'"
"$SCRY" --missing-probes=warn -e 'kprobe:vfs_read { @k = count(); } interval:ms:10 { exit(); }' >"$T/k2.out" 2>"$T/k2.err"
rc=$?
check "--missing-probes=warn goes on without it" \
  sh -c "test $rc = 0 && grep -q '^WARNING: could not attach kprobe:vfs_read' '$T/k2.err'"
"$SCRY" -e 'fentry:vfs_read { @f = count(); }' >/dev/null 2>"$T/f.err"
check "fentry is refused with the reason and a suggestion" \
  sh -c "grep -q 'this kernel refuses fentry/fexit programs' '$T/f.err' && grep -q 'instead, try: tracepoint:syscalls:sys_enter_read' '$T/f.err'"
"$SCRY" -e 'hardware:cycles:100000 { @h = count(); }' >/dev/null 2>"$T/h.err"
check "hardware events say the machine has no PMU" grep -q 'no hardware performance counters' "$T/h.err"

# bashreadline: a uretprobe on readline in /bin/bash, driven through a pseudo terminal.
if command -v script >/dev/null; then
  "$SCRY" -e 'uretprobe:/bin/bash:readline { printf("read: %s\n", str(retval)); }' >"$T/rl" 2>&1 &
  spid=$!
  wait_for "$T/rl" "Attaching"
  printf 'echo scry-readline-test\nexit\n' | script -qc "bash --norc --noprofile -i" /dev/null >/dev/null 2>&1
  sleep 0.5
  kill -INT $spid
  wait $spid
  check "uretprobe:/bin/bash:readline sees typed lines" grep -qx 'read: echo scry-readline-test' "$T/rl"
fi

# software: events counted in the -c process (it faults pages in as it starts).
"$SCRY" -q -c "$TARGET sleep 10" -e 'software:page-faults:1 /pid == cpid/ { @faults = count(); }' >"$T/sw" 2>&1
check "software:page-faults fires" grep -q '^@faults: [1-9]' "$T/sw"
"$SCRY" -q -e 'iter:task_file /ctx->task->tgid == pid/ { @files = count(); } iter:task_vma /ctx->task->tgid == pid/ { @maps = count(); }' >"$T/it" 2>&1
check "iter:task_file and iter:task_vma see scry's own files and mappings" \
  sh -c "grep -q '^@files: [1-9]' '$T/it' && grep -q '^@maps: [1-9]' '$T/it'"

# cgroup_path(): scry started inside a cgroup of its own prints that cgroup's path.
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ] && mkdir -p "$cg2/scry-cli-test" 2>/dev/null; then
  sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" -q -e "BEGIN { print(cgroup_path(cgroup, \"unified\")); exit(); }"' \
    sh "$cg2/scry-cli-test" "$SCRY" >"$T/cg" 2>&1
  check "cgroup_path names the cgroup scry runs in" grep -qx 'unified:/scry-cli-test' "$T/cg"
  rmdir "$cg2/scry-cli-test" 2>/dev/null
else
  echo "SKIP cgroup_path names the cgroup scry runs in: no writable cgroup v2 hierarchy here"
fi

# Folded stacks for flame graphs: the CPU profile of a busy target, one "frames count" line
# per stack, root first, which examples/flamegraph.py (like flamegraph.pl) turns into an SVG.
"$SCRY" -f folded -c "$TARGET spin 1500" "$(dirname "$0")/../../examples/cpuflame.bt" >"$T/folded" 2>"$T/folded.err"
check "-f folded: every line is frames then a count" awk 'NF < 2 || $NF !~ /^[0-9]+$/ { bad = 1 } END { exit bad || NR == 0 }' "$T/folded"
# (the spin loop is main -> now_ms -> clock_gettime; libc's clock_gettime keeps no frame
# pointer, so a sample in it may skip now_ms)
check "-f folded: the target's stacks run from its name through main to its clock reads" \
  grep -Eq '^scry_target;.*main;(now_ms|clock_gettime|__vdso_clock_gettime)[; ]' "$T/folded"
check "-f folded: nothing but stacks on stdout" sh -c "! grep -q Attaching '$T/folded'"
"$(dirname "$0")/../../examples/flamegraph.py" "$T/folded" >"$T/flame.svg"
check "flamegraph.py draws the folded stacks" sh -c "grep -q '<title>scry_target (' '$T/flame.svg' && grep -q '<title>main (' '$T/flame.svg'"

# User stacks of a position-independent executable (loaded at a random address) and of code
# made at run time, named by /tmp/perf-PID.map.
"$SCRY" -c "$(dirname "$TARGET")/scry_target_pie nest" \
  -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[ustack(3)] = count(); }' >"$T/pie" 2>&1
check "ustack names the functions of a PIE" grep -q '^    scry_stack_middle+[0-9]*$' "$T/pie"
"$SCRY" -q -c "$TARGET jit" \
  -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("pid %d\n", pid); @[ustack(1)] = count(); }' >"$T/jit" 2>&1
check "ustack names JIT code from /tmp/perf-PID.map" grep -q '^    scry_jit_getppid+7$' "$T/jit"
rm -f "/tmp/perf-$(awk '/^pid/ { print $2 }' "$T/jit").map"

# -B: the script cat()s its own output file after 3 printfs. Line-buffered (the default) and
# unbuffered output is in the file by then; fully buffered output is not written until exit.
for mode in line:6 none:6 full:3; do
  rm -f "$T/buffered"
  "$SCRY" -B "${mode%:*}" -o "$T/buffered" \
    -e "interval:ms:50 { @n++; printf(\"tick\\n\"); if (@n == 3) { cat(\"$T/buffered\"); exit(); } }" 2>/dev/null
  check "-B ${mode%:*}: the file holds ${mode#*:} ticks" test "$(grep -c tick "$T/buffered")" = "${mode#*:}"
done

# Output goes out in whole records: the -c command writes to the same file at the same time,
# and none of its lines lands inside one of scry's 500-byte lines.
long=$(printf 'x%.0s' $(seq 500))
"$SCRY" -q -o "$T/mixed" -c "sh -c 'for i in \$(seq 3000); do echo CHILD-LINE; done >>$T/mixed'" \
  -e "tracepoint:syscalls:sys_enter_write /pid == cpid/ { printf(\"EVENT $long\\n\"); }" 2>/dev/null
check "output records are never split by another writer" \
  sh -c "grep -c '^EVENT x*\$' '$T/mixed' | grep -qx 3000 && ! grep -q 'xCHILD' '$T/mixed'"

# Events the ring buffer had no room for are counted and reported: nobody reads scry's output
# for 3 s while the target opens /dev/null 20000 times, 1 KiB an event, into a 4 MiB buffer.
"$SCRY" -c "$TARGET open 20000 /dev/null" \
  -e 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("%s\n", str(args->filename, 1024)); }' \
  2>"$T/lost.err" | { sleep 3; cat >"$T/lost.out"; }
lost=$(sed -n 's/^WARNING: \([0-9]*\) events lost: the ring buffer was full$/\1/p' "$T/lost.err" | awk '{ s += $1 } END { print s + 0 }')
delivered=$(grep -cx /dev/null "$T/lost.out")
check "lost events are reported: $lost lost + $delivered printed = 20000" test "$lost" -gt 0 -a $((lost + delivered)) = 20000

# The compile cache: a script run again is loaded from it, without compiling; anything the
# program depends on that changed (the script, a parameter, a uprobe's binary) is a miss.
export SCRY_CACHE_DIR="$T/cache"
cached() {  # cached NAME ARGS...: runs scry -v, keeps stdout in $T/NAME.out, stderr in $T/NAME.err
  local name="$1"
  shift
  "$SCRY" -v "$@" >"$T/$name.out" 2>"$T/$name.err"
}
hit() { grep -q "scry: cache hit" "$T/$1.err"; }
cached c1 -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
cached c2 -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
cached c3 -e 'BEGIN { printf("%s\n", str($1)); exit(); }' two
cached c4 --no-cache -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one
check "cache: the first run compiles" sh -c "! grep -q 'cache hit' '$T/c1.err' && grep -q 'scry: codegen' '$T/c1.err'"
check "cache: the second run is a hit and prints the same" sh -c "grep -q 'cache hit' '$T/c2.err' && cmp -s '$T/c1.out' '$T/c2.out'"
check "cache: another parameter is a miss" sh -c "! grep -q 'cache hit' '$T/c3.err' && grep -qx two '$T/c3.out'"
check "cache: --no-cache compiles" sh -c "! grep -q 'cache hit' '$T/c4.err'"
SCRY_CACHE=off "$SCRY" -v -e 'BEGIN { printf("%s\n", str($1)); exit(); }' one >/dev/null 2>"$T/c5.err"
check "cache: SCRY_CACHE=off compiles" sh -c "! grep -q 'cache hit' '$T/c5.err'"
warn='kprobe:scry_no_such_function_* { @n = count(); } BEGIN { exit(); }'
"$SCRY" -e "$warn" >/dev/null 2>"$T/w1.err"
"$SCRY" -e "$warn" >/dev/null 2>"$T/w2.err"
check "cache: a hit prints the compile warnings again" sh -c "grep -q W0003 '$T/w2.err' && cmp -s '$T/w1.err' '$T/w2.err'"
cp "$TARGET" "$T/target_copy"
probe="uprobe:$T/target_copy:scry_target_add { @adds = count(); } BEGIN { exit(); }"
cached u1 -e "$probe"
cached u2 -e "$probe"
cp "$TARGET" "$T/target_copy.new" && mv "$T/target_copy.new" "$T/target_copy"  # the binary, rebuilt
cached u3 -e "$probe"
cached x1 -e 'BEGIN { printf("bytes: a\xffb\n"); exit(); }'
cached x2 -e 'BEGIN { printf("bytes: a\xffb\n"); exit(); }'
check "cache: a script whose strings are not UTF-8 is kept byte for byte" \
  sh -c "hit x2 2>/dev/null; grep -q 'cache hit' '$T/x2.err' && cmp -s '$T/x1.out' '$T/x2.out' && grep -q \$(printf 'a\\377b') '$T/x2.out'"
check "cache: a uprobe script is a hit while its binary stays the same" hit u2
check "cache: a changed uprobe binary is a miss" sh -c "! grep -q 'cache hit' '$T/u3.err'"
# An entry others could have written is not trusted (it would be loaded into the kernel).
"$SCRY" -e 'BEGIN { printf("mode\n"); exit(); }' >/dev/null 2>&1
"$SCRY" -v -e 'BEGIN { printf("mode\n"); exit(); }' >/dev/null 2>"$T/m1.err"
chmod 666 "$T"/cache/*.entry
"$SCRY" -v -e 'BEGIN { printf("mode\n"); exit(); }' >/dev/null 2>"$T/m2.err"
check "cache: an entry others can write to is not used" \
  sh -c "grep -q 'cache hit' '$T/m1.err' && ! grep -q 'cache hit' '$T/m2.err'"
# A planted entry (its key that of a safe run, its program the --unsafe one, calling system())
# is refused: a cached program that uses system() or signal() runs only with --unsafe given on
# this run. The script then compiles, and fails for want of --unsafe.
# First, that planting works: the entry of a program without system(), planted the same way,
# is a hit.
rm -f "$T"/cache/*.entry
"$SCRY" --unsafe -e 'BEGIN { printf("safe\n"); exit(); }' >/dev/null 2>&1
/usr/bin/python3 "$(dirname "$0")/plant_cache_entry.py" "$T/cache" "$T"/cache/*.entry >/dev/null
"$SCRY" -v -e 'BEGIN { printf("safe\n"); exit(); }' >"$T/plant0.out" 2>"$T/plant0.err"
check "cache: a planted entry of a program without system() is a hit (planting works)" \
  sh -c "grep -q 'cache hit' '$T/plant0.err' && grep -qx safe '$T/plant0.out'"
rm -f "$T"/cache/*.entry
plant='BEGIN { system("touch '"$T"'/planted"); exit(); }'
"$SCRY" --unsafe -e "$plant" >/dev/null 2>&1
rm -f "$T/planted"
planted=$(/usr/bin/python3 "$(dirname "$0")/plant_cache_entry.py" "$T/cache" "$T"/cache/*.entry)
"$SCRY" -v -e "$plant" >/dev/null 2>"$T/plant.err"
rc=$?
check "cache: a planted entry that runs system() is not run without --unsafe" \
  sh -c "test -s '$planted' && test $rc = 1 && test ! -e '$T/planted' && ! grep -q 'cache hit' '$T/plant.err' && grep -q 'unsafe' '$T/plant.err'"
"$SCRY" -v --unsafe -e "$plant" >/dev/null 2>"$T/plant2.err"
check "cache: the --unsafe run itself is still a hit" sh -c "grep -q 'cache hit' '$T/plant2.err' && test -e '$T/planted'"
# Another user's entry, and a cache directory that is a symbolic link, are not used.
chown 65534 "$T"/cache/*.entry
"$SCRY" -v --unsafe -e "$plant" >/dev/null 2>"$T/plant3.err"
check "cache: an entry owned by another user is not used" sh -c "! grep -q 'cache hit' '$T/plant3.err'"
mkdir -p "$T/realcache" && chmod 700 "$T/realcache" && ln -s "$T/realcache" "$T/linkcache"
SCRY_CACHE_DIR="$T/linkcache" "$SCRY" -e 'BEGIN { printf("link\n"); exit(); }' >/dev/null 2>&1
SCRY_CACHE_DIR="$T/linkcache" "$SCRY" -v -e 'BEGIN { printf("link\n"); exit(); }' >/dev/null 2>"$T/link.err"
check "cache: a cache directory that is a symbolic link is not used" \
  sh -c "! grep -q 'cache hit' '$T/link.err' && test -z \"\$(ls '$T/realcache')\""
# The code generator (LLVM) is a plugin: a cache hit never maps it; compiling without it is
# an error that says so.
"$SCRY" -e 'interval:ms:300 { exit(); }' >/dev/null 2>&1
"$SCRY" -e 'interval:ms:300 { exit(); }' >"$T/hit.out" 2>&1 &
hitpid=$!
wait_for "$T/hit.out" Attaching
grep -c scry-codegen "/proc/$hitpid/maps" >"$T/hit.maps" 2>/dev/null
wait $hitpid
check "cache: a hit does not load the code generator" grep -qx 0 "$T/hit.maps"
mkdir "$T/alone"
cp "$SCRY" "$T/alone/scry"
"$T/alone/scry" -e 'BEGIN { printf("not cached\n"); exit(); }' >/dev/null 2>"$T/alone.err"
rc=$?
check "without the code generator plugin, compiling is an error that says why" \
  sh -c "test $rc = 1 && grep -q \"cannot load scry's code generator: .*scry-codegen.so\" '$T/alone.err'"
unset SCRY_CACHE_DIR

# Every example tool compiles and loads.
for ex in "$(dirname "$0")"/../../examples/*.bt; do
  check "example $(basename "$ex") loads" "$SCRY" --dry-run "$ex"
done

# Nothing stays loaded after scry exits.
if command -v bpftool >/dev/null; then
  loaded_after=$(loaded_probes)
  check "no scry programs remain loaded" test "${loaded_after:-0}" -le "${loaded_before:-0}"
fi
check "no uprobe/kprobe events left in tracefs" \
  sh -c "! grep -qs . /sys/kernel/tracing/uprobe_events /sys/kernel/tracing/kprobe_events"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
