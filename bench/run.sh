#!/bin/bash
# scry against Debian's bpftrace 0.17, side by side: each figure is measured for both tools
# in turn, ROUNDS rounds, and printed as medians with the ratio scry/bpftrace.
# A benchmark, not a test: it never fails on a timing (tests run one round as a smoke test).
#
# usage: bench/run.sh SCRY [ROUNDS]          as root; bench_loop is looked for beside SCRY
#   CHART=FILE.png  also draw the ratios with gnuplot (Debian's gnuplot-nox)
#   TSV=FILE        also write the figures as tab-separated values
#
#   P1 start-up: wall time of `BEGIN { exit(); }`, and of a one-tracepoint one-liner that
#      exits at its first event (bench_loop makes it). scry's figure is a run from its compile
#      cache (every run after the first); the cold figure (--no-cache) is printed too.
#   P2 peak RSS of the same runs
#   P3 per-event cost: ns per getpid() with nothing attached, with a count() per system call,
#      with a printf() per system call; what each tracer adds; the BPF program's own run time
#      per event from the kernel's statistics (kernel.bpf_stats_enabled)
#   P4 output: a 2 s burst of getpid() with a printf() each: events delivered to the output
#      per second, and events lost (the tracer's own count)
#   P5 start and stop of the 360 `tracepoint:syscalls:sys_enter_*`
#   P6 compile time of a generated script of 200 probes and an expression of 200 terms
#      (scry --dump=elf against bpftrace --emit-elf: both compile, neither loads)
set -u
SCRY="$(realpath "$1")"
ROUNDS="${2:-5}"
HERE="$(cd "$(dirname "$0")" && pwd)"
LOOP="$(dirname "$SCRY")/bench_loop"
BPFTRACE="$(command -v bpftrace || true)"
[ -n "$BPFTRACE" ] || { echo "bpftrace is not installed (apt-get install bpftrace)"; exit 1; }
[ -x "$LOOP" ] || { echo "no $LOOP: build the bench_loop target"; exit 1; }
T="$(mktemp -d)"
stats_was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null
trap 'sysctl -qw kernel.bpf_stats_enabled=$stats_was 2>/dev/null; rm -rf "$T"' EXIT
# One round is a smoke run: smaller bursts.
if [ "$ROUNDS" -le 1 ]; then CALLS=200000; BURST_MS=500; else CALLS=1000000; BURST_MS=2000; fi

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
note() { echo "$2" >>"$T/$1"; }  # note FIGURE VALUE: one measurement

timed() {  # timed FIGURE COMMAND...: wall seconds and peak KiB of the command
  local fig="$1"
  shift
  /usr/bin/time -f "%e %M" -o "$T/time" "$@" >"$T/out" 2>&1
  # (a command that exits non-zero gets a "Command exited..." line first)
  read -r secs kib < <(tail -1 "$T/time")
  note "$fig.s" "$secs"
  note "$fig.kib" "$kib"
}

# P6's script: 200 tracepoints, each its own small body, and one expression of 200 terms.
gen_compile_script() {
  local n=0
  for tp in $(ls /sys/kernel/tracing/events/syscalls 2>/dev/null | grep '^sys_enter_' | head -200); do
    printf 'tracepoint:syscalls:%s { @calls[%d] = count(); if (pid == %d) { @last = nsecs; } }\n' "$tp" "$n" "$n"
    n=$((n + 1))
  done
  printf 'BEGIN {\n  $x = 1'
  for i in $(seq 200); do printf ' + %d * (pid %% %d)' "$i" "$((i + 1))"; done
  printf ';\n  printf("%%d\\n", $x);\n  exit();\n}\n'
}
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
gen_compile_script >"$T/compile.bt"

COUNT='tracepoint:raw_syscalls:sys_enter /pid == cpid/ { @[comm] = count(); }'
PRINTF='tracepoint:raw_syscalls:sys_enter /pid == cpid/ { printf("%d %llu\n", tid, nsecs); }'
ONE_EVENT='tracepoint:syscalls:sys_enter_getpid /pid == cpid/ { exit(); }'
WIDE='tracepoint:syscalls:sys_enter_* { @[probe] = count(); }'

per_event() {  # per_event FIGURE TOOL SCRIPT: ns per call and the program's ns per run
  "$2" -c "$LOOP $CALLS" -e "$3" >"$T/out" 2>&1
  note "$1.ns" "$(awk '$1 == "ns_per_call" { print $2 }' "$T/out")"
  note "$1.bpf" "$(awk '$1 == "bpf_ns_per_run" { print $2; exit }' "$T/out")"
}

burst() {  # burst FIGURE TOOL: BURST_MS of printf events: delivered per second, and lost
  "$2" -c "$LOOP -t $BURST_MS" -e "$PRINTF" >"$T/out" 2>"$T/err"
  local delivered lost
  delivered=$(grep -c '^[0-9]* [0-9]*$' "$T/out")
  # scry: "WARNING: N events lost..."; bpftrace: "Lost N events"
  lost=$(cat "$T/out" "$T/err" | sed -n 's/^WARNING: \([0-9]*\) events lost.*/\1/p; s/^Lost \([0-9]*\) events.*/\1/p' |
    awk '{ s += $1 } END { print s + 0 }')
  note "$1.rate" "$(awk -v d="$delivered" -v ms="$BURST_MS" 'BEGIN { printf "%.0f", d / (ms / 1000) }')"
  note "$1.lost" "$lost"
  note "$1.made" "$(awk '$1 == "calls" { print $2 }' "$T/out")"
  # (the command's other system calls, exec and exit, are events too: never below 0)
  note "$1.missing" "$(awk -v m="$(awk '$1 == "calls" { print $2 }' "$T/out")" -v d="$delivered" -v l="$lost" \
    'BEGIN { x = m - d - l; print (x > 0 ? x : 0) }')"
}

for _ in $(seq "$ROUNDS"); do
  for tool in scry bpftrace; do
    bin=$SCRY
    [ $tool = bpftrace ] && bin=$BPFTRACE
    timed "p1_begin.$tool" "$bin" -e 'BEGIN { exit(); }'
    timed "p1_event.$tool" "$bin" -c "$LOOP 1" -e "$ONE_EVENT"
    if [ $tool = scry ]; then
      timed p1_begin_cold.scry "$bin" --no-cache -e 'BEGIN { exit(); }'
      timed p1_event_cold.scry "$bin" --no-cache -c "$LOOP 1" -e "$ONE_EVENT"
    fi
    per_event "p3_count.$tool" "$bin" "$COUNT"
    per_event "p3_printf.$tool" "$bin" "$PRINTF"
    burst "p4.$tool" "$bin"
    timed "p5.$tool" "$bin" -c /bin/true -e "$WIDE"
  done
  "$LOOP" "$CALLS" >"$T/out"
  note p3_none.ns "$(awk '$1 == "ns_per_call" { print $2 }' "$T/out")"
  timed p6.scry "$SCRY" --dump=elf "$T/compile.bt"
  timed p6.bpftrace "$BPFTRACE" --emit-elf "$T/compile.o" "$T/compile.bt"
done

med() { [ -s "$T/$1" ] && median <"$T/$1" || echo 0; }
ratio() { awk -v s="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", s / b; else print "-" }'; }
: >"$T/rows"
row() {  # row ID LABEL SCRY BPFTRACE UNIT TARGET
  local r
  r=$(ratio "$3" "$4")
  printf '%-4s %-44s scry %12s %-4s bpftrace %12s %-4s ratio %-7s target %s\n' "$1" "$2" "$3" "$5" "$4" "$5" "$r" "$6"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$r" "$6" >>"$T/rows"
}
none=$(med p3_none.ns)
added() { awk -v t="$1" -v n="$none" 'BEGIN { printf "%.1f", t - n }'; }

echo "machine: $(uname -r), $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "bpftrace: $("$BPFTRACE" --version 2>&1 | head -1); $ROUNDS round(s), medians; getpid() alone: $none ns"
row P1a "start-up, BEGIN { exit(); }" "$(med p1_begin.scry.s)" "$(med p1_begin.bpftrace.s)" s "<= 0.1"
row P1b "start-up, one tracepoint, exit at 1st event" "$(med p1_event.scry.s)" "$(med p1_event.bpftrace.s)" s "<= 0.1"
row P1c "start-up, BEGIN { exit(); }, no cache" "$(med p1_begin_cold.scry.s)" "$(med p1_begin.bpftrace.s)" s "-"
row P1d "start-up, one tracepoint, no cache" "$(med p1_event_cold.scry.s)" "$(med p1_event.bpftrace.s)" s "-"
row P2a "peak RSS, BEGIN { exit(); }" "$(med p1_begin.scry.kib)" "$(med p1_begin.bpftrace.kib)" KiB "<= 0.2"
row P2b "peak RSS, one tracepoint" "$(med p1_event.scry.kib)" "$(med p1_event.bpftrace.kib)" KiB "<= 0.2"
row P2c "peak RSS, BEGIN { exit(); }, no cache" "$(med p1_begin_cold.scry.kib)" "$(med p1_begin.bpftrace.kib)" KiB "-"
row P2d "peak RSS, one tracepoint, no cache" "$(med p1_event_cold.scry.kib)" "$(med p1_event.bpftrace.kib)" KiB "-"
row P3a "ns added to getpid(), count() per call" "$(added "$(med p3_count.scry.ns)")" "$(added "$(med p3_count.bpftrace.ns)")" ns "<= 0.6"
row P3b "ns added to getpid(), printf() per call" "$(added "$(med p3_printf.scry.ns)")" "$(added "$(med p3_printf.bpftrace.ns)")" ns "<= 0.6"
row P3c "BPF program ns per run, count()" "$(med p3_count.scry.bpf)" "$(med p3_count.bpftrace.bpf)" ns "-"
row P3d "BPF program ns per run, printf()" "$(med p3_printf.scry.bpf)" "$(med p3_printf.bpftrace.bpf)" ns "-"
row P4a "printf() events delivered per second" "$(med p4.scry.rate)" "$(med p4.bpftrace.rate)" ev/s ">= 5"
row P4b "printf() events in the burst (calls made)" "$(med p4.scry.made)" "$(med p4.bpftrace.made)" ev "-"
row P4c "printf() events reported lost" "$(med p4.scry.lost)" "$(med p4.bpftrace.lost)" ev "-"
row P4d "printf() events lost and not reported" "$(med p4.scry.missing)" "$(med p4.bpftrace.missing)" ev "-"
row P5 "start+stop, syscalls:sys_enter_* (360)" "$(med p5.scry.s)" "$(med p5.bpftrace.s)" s "< 1 s"
row P6 "compile 200 probes + a 200-term expression" "$(med p6.scry.s)" "$(med p6.bpftrace.s)" s "< 0.1 s"

[ -n "${TSV:-}" ] && cp "$T/rows" "$TSV"
if [ -n "${CHART:-}" ] && command -v gnuplot >/dev/null; then
  # One bar per figure: scry's value as a fraction of bpftrace's (log scale; 1 = equal), and
  # the target ratio as a mark where there is one.
  awk -F'\t' '$6 != "-" && $6 > 0 { t = $7; sub(/^[<>=]+ */, "", t); print $1, $6, (t ~ /^[0-9.]+$/ ? t : "NaN") }' \
    "$T/rows" >"$T/ratios"
  gnuplot <<EOF
set terminal pngcairo size 900,450 font ",10"
set output "$CHART"
set title "scry / bpftrace 0.17 (below 1: scry smaller or faster; P4: above 1 is better)"
set logscale y
set yrange [0.001:100]
set style fill solid 0.8
set boxwidth 0.6
set grid ytics
set ylabel "ratio (log scale)"
set key top left
plot "$T/ratios" using 0:2:xtic(1) with boxes lc rgb "#3a7bd5" title "scry / bpftrace", \
     "$T/ratios" using 0:3 with points pt 5 ps 1.2 lc rgb "#cc0000" title "target", \
     1 with lines lc rgb "#888888" dt 2 notitle
EOF
  echo "chart: $CHART"
fi
