#!/bin/bash
# What tracing costs a service's API calls: 1,000 HTTPS requests over loopback (curl, one
# keep-alive connection, to tests/scry_tools/https_server.py), timed with nothing attached,
# under scry's tools/apicalls.bt (every request parsed and timed, system-wide read/write
# tracepoints too) and, side by side, under bpftrace 0.17's sslsnoop.bt (Debian's: uprobes
# and uretprobes on SSL_read and SSL_write, a latency printed per call). Rounds alternate
# the three; medians are printed. A benchmark, not a test: it never fails on a timing.
#
# usage: bench/apicalls.sh SCRY [ROUNDS] [REQUESTS]      as root
#   TOOL=SCRIPT  time another script in apicalls.bt's place (its own probes with empty blocks
#                say what the probes cost by themselves; it must print "/ready" for a request)
set -u
SCRY="$(realpath "$1")"
ROUNDS="${2:-5}"
REQUESTS="${3:-1000}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PY=/usr/bin/python3
T="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
"$PY" "$ROOT/tests/scry_tools/https_server.py" --port 0 --cert "$T/cert.pem" --key "$T/key.pem" >"$T/port" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT="$(head -1 "$T/port")"
[ -n "$PORT" ] || { echo "the server did not start"; exit 1; }
URL="https://localhost:$PORT/ok"
for _ in $(seq 1 "$REQUESTS"); do printf 'url = "%s"\noutput = "/dev/null"\n' "$URL"; done >"$T/urls"
requests() { curl -s --cacert "$T/cert.pem" -K "$T/urls"; }

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
timed() {  # timed NAME: wall seconds of the requests
  local s e
  s=$(date +%s.%N)
  requests
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l >>"$T/$1"
}
# traced NAME MARK TRACER...: the tracer started, ready (a request of its own shows MARK in its
# output), the requests timed, the tracer stopped with Ctrl-C.
traced() {
  local name="$1" mark="$2"
  shift 2
  "$@" >"$T/$name.out" 2>"$T/$name.err" &
  local tracer=$!
  for _ in $(seq 1 300); do
    kill -0 $tracer 2>/dev/null || break  # it failed to start
    curl -s --cacert "$T/cert.pem" "https://localhost:$PORT/ready" -o /dev/null
    grep -q "$mark" "$T/$name.out" && break
    sleep 0.2
  done
  grep -q "$mark" "$T/$name.out" || { echo "$name: never ready"; sed 's/^/    /' "$T/$name.err" | head; kill -INT $tracer; return; }
  timed "$name"
  kill -INT $tracer
  wait $tracer 2>/dev/null
  # Every request seen (apicalls prints one line per request it matched).
  [ "$name" = scry ] && grep -c " /ok " "$T/$name.out" >>"$T/seen"
}

requests  # the first TLS connection's costs (the server's, the page cache's) out of the way
for r in $(seq 1 "$ROUNDS"); do
  timed none
  traced scry "/ready" "$SCRY" "${TOOL:-$ROOT/tools/apicalls.bt}"
  if command -v bpftrace >/dev/null; then
    traced bpftrace "SSL_write" bpftrace /usr/sbin/sslsnoop.bt
  fi
done

none=$(median <"$T/none")
pct() {  # the share added, and the microseconds added per request
  printf "%+.1f%%, %+.0f us a request" "$(echo "($1 - $none) * 100 / $none" | bc -l)" \
    "$(echo "($1 - $none) * 1000000 / $REQUESTS" | bc -l)"
}
printf "apicalls: %d HTTPS requests (curl, one keep-alive connection), medians of %d rounds\n" "$REQUESTS" "$ROUNDS"
printf "  untraced                   %7.3f s\n" "$none"
if [ -s "$T/scry" ]; then
  s=$(median <"$T/scry")
  printf "  scry %-21s %7.3f s  %s  (requests seen: %s of %d, median)\n" "$(basename "${TOOL:-apicalls.bt}")" "$s" "$(pct "$s")" \
    "$(median <"$T/seen")" "$REQUESTS"
fi
if [ -s "$T/bpftrace" ]; then
  b=$(median <"$T/bpftrace")
  printf "  bpftrace 0.17 sslsnoop.bt  %7.3f s  %s\n" "$b" "$(pct "$b")"
fi
