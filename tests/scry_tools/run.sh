#!/bin/bash
# scry's own tools (tools/*.bt) run for real on traffic this test makes: an HTTPS and a plain
# HTTP server on 127.0.0.1 (https_server.py, with a certificate made here), clients (curl with
# OpenSSL, wget with GnuTLS, python3), the test target's loopback exchanges, and cgroups made
# here with processes moved into them. Each case (cases.sh) runs one tool with -c COMMAND and
# checks its output against regular expressions.
# With BUILD_DIR, the tools are also run from a tree `cmake --install` made: `scry
# tools/NAME.bt` from any directory, and their man pages.
# SCRY_TOOLS_CASES=FILE runs the cases of FILE instead (the VM lane's: tests/vm/tool_cases_scry.sh).
# usage: run.sh SCRY TARGET [BUILD_DIR]
set -u
SCRY="$(realpath "$1")"
TARGET="$(realpath "$2")"
BUILD="${3:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
TOOLS="$(cd "$HERE/../../tools" && pwd)"
PY=/usr/bin/python3  # not a pyenv shim on PATH: its ssl is the system's OpenSSL
T="$(mktemp -d)"
pids=()
CGTEST=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  # The cgroups made for containertop: their processes have exited by now.
  [ -n "$CGTEST" ] && find "$CGTEST" -depth -type d -exec rmdir {} + 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

for need in curl wget openssl; do
  command -v "$need" >/dev/null || { echo "$need is not installed"; echo "0 passed, 1 failed"; exit 1; }
done

# The API the clients call.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
CA="$T/cert.pem"
start_server() {  # start_server OUTFILE ARGS...: the port it listens on
  local out="$1"; shift
  "$PY" "$HERE/https_server.py" --port 0 "$@" >"$out" 2>"$out.err" &
  pids+=($!)
  for _ in $(seq 1 100); do [ -s "$out" ] && break; sleep 0.1; done
  head -1 "$out"
}
HTTPS_PORT="$(start_server "$T/https.port" --cert "$T/cert.pem" --key "$T/key.pem")"
HTTP_PORT="$(start_server "$T/http.port" --plain)"
if [ -z "$HTTPS_PORT" ] || [ -z "$HTTP_PORT" ]; then
  echo "the test servers did not start"; cat "$T"/*.err; echo "0 passed, 1 failed"; exit 1
fi

# cgroups for containertop, under the cgroup v2 hierarchy (the unified one of a hybrid setup).
CG2="$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)"
DOCKER_ID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
if [ -n "$CG2" ]; then
  CGTEST="$CG2/scry-tools-test-$$"
  mkdir -p "$CGTEST/docker-$DOCKER_ID.scope" "$CGTEST/web.service"
fi

pass=0
fail=0
S='[[:space:]]+'  # in the cases' patterns: spaces, a number
N='[0-9]+'
# check [VAR=VALUE...] TOOL "COMMAND" [ARGS -- ] REGEX...: runs scry -c COMMAND tools/TOOL ARGS;
# each REGEX (extended) must match a line of its output, each !REGEX none.
check() {
  local envs=() tool cmd args=()
  while [[ "$1" == *=* ]]; do envs+=("$1"); shift; done
  tool="$1" cmd="$2"; shift 2
  if [ "${1:-}" = "--args" ]; then args=($2); shift 2; fi
  env "${envs[@]}" timeout 120 "$SCRY" -c "$cmd" "$TOOLS/$tool" "${args[@]}" >"$T/out" 2>"$T/err"
  local rc=$? bad=""
  [ -n "${TOOLS_OUTPUT:-}" ] && cp "$T/out" "$TOOLS_OUTPUT/$tool.$((pass + fail)).txt"  # for docs/tools.md
  [ $rc -eq 0 ] || bad="scry exited with $rc"
  for re in "$@"; do
    if [[ "$re" == '!'* ]]; then
      grep -Eq -- "${re:1}" "$T/out" && bad="$bad${bad:+; }printed a line matching ${re:1}"
    else
      grep -Eq -- "$re" "$T/out" || bad="$bad${bad:+; }no line matches $re"
    fi
  done
  report "$tool ${envs[*]} ($cmd)" "$bad"
}
# refuses TOOL REGEX: scry cannot run TOOL on this kernel, says why (REGEX on stderr), and
# exits non-zero.
refuses() {
  timeout 120 "$SCRY" -c /bin/true "$TOOLS/$1" >"$T/out" 2>"$T/err"
  local rc=$? bad=""
  [ $rc -ne 0 ] || bad="scry exited with 0"
  grep -Eq -- "$2" "$T/err" || bad="$bad${bad:+; }no error matches $2"
  report "$1 (refused here)" "$bad"
}
report() {
  if [ -z "$2" ]; then
    echo "PASS $1"
    pass=$((pass + 1))
  else
    echo "FAIL $1: $2"
    sed 's/^/    out: /' "$T/out" | head -40
    sed 's/^/    err: /' "$T/err" | head -10
    fail=$((fail + 1))
  fi
}

. "${SCRY_TOOLS_CASES:-$HERE/cases.sh}"

if [ -n "$BUILD" ]; then
  bad=""
  if cmake --install "$BUILD" --prefix "$T/prefix" >"$T/out" 2>"$T/err"; then
    (cd "$T" && timeout 120 "$T/prefix/bin/scry" -c /bin/true tools/execsnoop.bt) >"$T/out" 2>"$T/err" ||
      bad="the installed scry did not run tools/execsnoop.bt from $T"
    for tool in "$TOOLS"/*.bt; do
      name="$(basename "$tool" .bt)"
      [ -s "$T/prefix/share/man/man8/$name.8" ] || bad="$bad${bad:+; }no man page $name.8"
      [ -s "$T/prefix/share/scry/tools/$name.bt" ] || bad="$bad${bad:+; }$name.bt not installed"
    done
    man -l "$T/prefix/share/man/man8/apicalls.8" 2>/dev/null | grep -q "EXAMPLE" ||
      { command -v man >/dev/null && bad="$bad${bad:+; }apicalls(8) has no EXAMPLE section"; }
  else
    bad="cmake --install failed"
  fi
  report "installed tools" "$bad"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
