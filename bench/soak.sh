#!/bin/bash
# Soak: scry under a printf storm and map churn for SECONDS, its memory and file descriptors
# sampled as it runs; then whether every event was either printed or counted as lost, and
# whether Ctrl-C stops a storm at once. Not a test (it runs for minutes): its figures go in
# docs/performance.md.
#
# usage: bench/soak.sh SCRY [SECONDS] [EVERY]   as root; bench_loop is looked for beside SCRY
#   SECONDS  how long the storm lasts (default 600)
#   EVERY    seconds between samples (default 30)
#
# The event source is bench_loop: getpid() in a tight loop for SECONDS. Each call is a printf
# (the storm, into a pipe that a reader drains as fast as it can), an update of a map of 4096
# entries keyed by one of 50,000 random numbers (most updates find it full: counted as drops),
# a delete of another random key, a histogram and a stats() per CPU; every 5 s the map is
# cleared and the stats printed.
set -u
SCRY="$(realpath "$1")"
SECONDS_TOTAL="${2:-600}"
EVERY="${3:-30}"
LOOP="$(dirname "$SCRY")/bench_loop"
[ -x "$LOOP" ] || { echo "no $LOOP: build the bench_loop target"; exit 1; }
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT

script='tracepoint:syscalls:sys_enter_getpid /comm == "bench_loop"/ {
  printf("E %d %llu\n", tid, nsecs);
  @m[rand % 50000] = count();
  delete(@m[rand % 50000]);
  @h[cpu] = hist(nsecs % 1000000);
  @s = stats(nsecs % 1000);
}
interval:s:5 { clear(@m); print(@s); }'

progs_before=$(bpftool prog show 2>/dev/null | grep -c '^[0-9]*:')
"$SCRY" -c "sh -c '$LOOP -t $((SECONDS_TOTAL * 1000)) > $T/calls'" -e "$script" 2>"$T/err" |
  grep -c '^E ' >"$T/printed" &
sleep 1
pid=$(pgrep -n -x scry)
echo "soak: scry pid $pid, ${SECONDS_TOTAL} s, a sample every ${EVERY} s"
printf '%8s %10s %6s\n' seconds rss_kib fds
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  [ -n "$rss" ] && printf '%8d %10s %6s\n' $(($(date +%s) - start)) "$rss" "$fds"
  for _ in $(seq "$EVERY"); do kill -0 "$pid" 2>/dev/null && sleep 1; done
done
wait
calls=$(awk '/^calls/ { print $2 }' "$T/calls")
printed=$(cat "$T/printed")
lost=$(sed -n 's/^WARNING: \([0-9]*\) events lost.*/\1/p' "$T/err" | awk '{ s += $1 } END { print s + 0 }')
full=$(sed -n 's/^WARNING: map @m is full: \([0-9]*\) updates dropped.*/\1/p' "$T/err" | awk '{ s += $1 } END { print s + 0 }')
echo "soak: $calls events made, $printed printed, $lost reported lost: $((printed + lost)) accounted for"
echo "soak: $full updates of @m dropped and reported (the map was full)"
grep -v -e '^WARNING: [0-9]* events lost' -e '^WARNING: map @m is full' "$T/err" | head -5

# Ctrl-C in the middle of a storm: how long until scry has stopped, detached and exited.
"$SCRY" -c "$LOOP -t 60000" -e "$script" >/dev/null 2>&1 &
sleep 5
pid=$(pgrep -n -x scry)
t0=$(date +%s%N)
kill -INT "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
t1=$(date +%s%N)
wait
sleep 1
progs_after=$(bpftool prog show 2>/dev/null | grep -c '^[0-9]*:')
echo "soak: Ctrl-C during a storm: stopped in $(((t1 - t0) / 1000000)) ms;" \
  "BPF programs loaded before $progs_before, after $progs_after; bench_loop left: $(pgrep -c -x bench_loop)"
