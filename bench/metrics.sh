#!/bin/bash
# What --metrics costs. A benchmark, not a test: it never fails on a timing.
#   M1 a scrape of a map of 10,000 keys (10,000 series): seconds from request to the last byte
#      (curl's time_total), the median and the slowest of SCRAPES scrapes. bpftrace has no
#      endpoint: no ratio. The goal: under 50 ms.
#   M2 what a probe costs while it is scraped: ns added to getpid() by a count() per call
#      (bench_loop, 1,000,000 calls), under scry --metrics with nothing scraping, under scry
#      --metrics with curl scraping the 10,000 series every 0.1 s (150 times as often as
#      Prometheus' default), and without a pause (the other core kept busy), and under
#      bpftrace 0.17 with the same probe; rounds alternate them, medians are printed,
#      with the ratios scry/bpftrace.
#
# usage: bench/metrics.sh SCRY [ROUNDS] [SCRAPES]      as root; bench_loop beside SCRY
set -u
SCRY="$(realpath "$1")"
ROUNDS="${2:-5}"
SCRAPES="${3:-50}"
LOOP="$(dirname "$SCRY")/bench_loop"
BPFTRACE="$(command -v bpftrace || true)"
[ -x "$LOOP" ] || { echo "no $LOOP: build the bench_loop target"; exit 1; }
[ -n "$BPFTRACE" ] || { echo "bpftrace is not installed"; exit 1; }
T="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
CALLS=1000000
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# The 10,000 keys: the getpid() calls of one bench_loop, each counted under its own key.
cat >"$T/wide.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getpid /comm == "bench_loop" && @n < 10000/ { @calls[@n] = count(); @n = @n + 1; }
EOF
COUNT='tracepoint:syscalls:sys_enter_getpid /pid == cpid/ { @[comm] = count(); }'

# serve SCRIPT ARGS...: scry --metrics on a free port in the background; sets PORT.
serve() {
  "$SCRY" --map-size 16384 --metrics 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
  pids+=($!)
  PORT=
  for _ in $(seq 200); do
    PORT=$(sed -n 's|.*serving metrics on http://127.0.0.1:\([0-9]*\)/metrics|\1|p' "$T/serve.err")
    [ -n "$PORT" ] && grep -q Attaching "$T/serve.out" && break
    sleep 0.05
  done
  [ -n "$PORT" ] || { echo "scry --metrics did not start:"; cat "$T/serve.err"; exit 1; }
}

# M1: a scry with 10,000 keys in @calls.
serve "$T/wide.bt"
WIDE_PORT=$PORT
"$LOOP" 10000 >/dev/null
series=$(curl -s "http://127.0.0.1:$WIDE_PORT/metrics" | grep -c '^scry_calls_total{')
for _ in $(seq "$SCRAPES"); do
  curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$WIDE_PORT/metrics" >>"$T/m1"
done
m1_med=$(median <"$T/m1")
m1_max=$(sort -g "$T/m1" | tail -1)
bytes=$(curl -s "http://127.0.0.1:$WIDE_PORT/metrics" | wc -c)

# M2: the count() probe, unscraped and scraped, under scry; under bpftrace.
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
for r in $(seq "$ROUNDS"); do
  "$LOOP" "$CALLS" | awk '$1 == "ns_per_call" { print $2 }' >>"$T/base"
  "$SCRY" --metrics 127.0.0.1:0 -c "$LOOP $CALLS" -e "$COUNT" 2>/dev/null | awk '$1 == "ns_per_call" { print $2 }' >>"$T/quiet"
  ( while :; do curl -s -o /dev/null "http://127.0.0.1:$WIDE_PORT/metrics" || break; done ) &
  scraper=$!
  "$SCRY" --metrics 127.0.0.1:0 -c "$LOOP $CALLS" -e "$COUNT" 2>/dev/null | awk '$1 == "ns_per_call" { print $2 }' >>"$T/scraped"
  kill $scraper 2>/dev/null; wait $scraper 2>/dev/null
  ( while :; do curl -s -o /dev/null "http://127.0.0.1:$WIDE_PORT/metrics" || break; sleep 0.1; done ) &
  scraper=$!
  "$SCRY" --metrics 127.0.0.1:0 -c "$LOOP $CALLS" -e "$COUNT" 2>/dev/null | awk '$1 == "ns_per_call" { print $2 }' >>"$T/paced"
  kill $scraper 2>/dev/null; wait $scraper 2>/dev/null
  "$BPFTRACE" -c "$LOOP $CALLS" -e "$COUNT" 2>/dev/null | awk '$1 == "ns_per_call" { print $2 }' >>"$T/bpftrace"
done
base=$(median <"$T/base")
quiet=$(added "$(median <"$T/quiet")" "$base")
scraped=$(added "$(median <"$T/scraped")" "$base")
paced=$(added "$(median <"$T/paced")" "$base")
bt=$(added "$(median <"$T/bpftrace")" "$base")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

printf '%-4s %-62s %12s\n' fig what value
printf '%-4s %-62s %12s\n' M1 "series in the scrape (@calls)" "$series"
printf '%-4s %-62s %12s\n' M1 "bytes in the scrape" "$bytes"
printf '%-4s %-62s %12s\n' M1 "scrape of the 10,000 series, median of $SCRAPES (goal < 0.050)" "${m1_med} s"
printf '%-4s %-62s %12s\n' M1 "scrape of the 10,000 series, slowest" "${m1_max} s"
printf '%-4s %-62s %12s\n' M2 "getpid() with nothing attached" "$base ns"
printf '%-4s %-62s %12s\n' M2 "added by count(), scry --metrics, not scraped" "$quiet ns"
printf '%-4s %-62s %12s\n' M2 "added by count(), scry --metrics, scraped without a pause" "$scraped ns"
printf '%-4s %-62s %12s\n' M2 "added by count(), scry --metrics, scraped every 0.1 s" "$paced ns"
printf '%-4s %-62s %12s\n' M2 "added by count(), bpftrace 0.17" "$bt ns"
printf '%-4s %-62s %12s\n' M2 "ratio scry not scraped / bpftrace" "$(ratio "$quiet" "$bt")"
printf '%-4s %-62s %12s\n' M2 "ratio scry scraped every 0.1 s / bpftrace" "$(ratio "$paced" "$bt")"
printf '%-4s %-62s %12s\n' M2 "ratio scry scraped without a pause / bpftrace" "$(ratio "$scraped" "$bt")"
