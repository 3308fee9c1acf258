#!/bin/bash
# Runs the compiler's fuzz target: first every input in regressions/ (each a crash it found
# once), then SECONDS of fuzzing from the test scripts. Fails on any crash, hang, leak or
# sanitizer report, and keeps the input that caused it in $ARTIFACTS.
# Usage: run.sh FUZZER SECONDS [ARTIFACTS]
set -uo pipefail
fuzzer=$1 seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
artifacts=${3:-$(dirname "$fuzzer")/fuzz-artifacts}
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

shopt -s nullglob
regressions=("$here"/regressions/*)
if [ ${#regressions[@]} -gt 0 ]; then
  echo "fuzz: ${#regressions[@]} regression inputs"
  "$fuzzer" -timeout=60 -rss_limit_mb=4096 "${regressions[@]}" >"$artifacts/regressions.log" 2>&1 || {
    tail -50 "$artifacts/regressions.log"; echo "fuzz: a regression input fails again"; exit 1; }
fi

# The seeds: every script of the tests (lang, runtime, cli, tools).
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
n=0
while IFS= read -r -d '' f; do
  cp "$f" "$corpus/seed$n.bt"; n=$((n + 1))
done < <(find "$tests" -name '*.bt' -size -8k -print0)
echo "fuzz: $n seed scripts, $seconds s"
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$corpus" >"$artifacts/fuzz.log" 2>&1
rc=$?
grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$artifacts/fuzz.log"
if [ $rc -ne 0 ]; then
  tail -60 "$artifacts/fuzz.log"
  echo "fuzz: FAILED; the input is in $artifacts (add it to tests/fuzz/regressions once fixed)"
  exit 1
fi
echo "fuzz: no crash"
