#!/bin/bash
# JSON output (-f json): the runtime test scripts and the scripts here (which make the rarer
# records: full maps, attach errors, diagnostics, run-time errors), run with -f json. Every line
# must parse and match docs/json-schema.json (the schema docs/json.md describes), and every
# record type of the schema must show up. A ring buffer overflow must report lost events whose
# number, added to the events delivered, is every event the target made.
# usage: run_json.sh SCRY TARGET
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
SCRY="$(realpath "$1")"
TARGET="$(realpath "$2")"
SCHEMA="$HERE/../../docs/json-schema.json"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
fail=0

export GOLDEN_ARGS="-f json" GOLDEN_SAVE="$T"
"$HERE/../golden.sh" "$SCRY" "$HERE/../runtime" "$TARGET" >"$T/runtime.log" || fail=1
"$HERE/../golden.sh" "$SCRY" "$HERE" "$TARGET" >"$T/json.log" || fail=1
unset GOLDEN_ARGS GOLDEN_SAVE

# Nobody reads scry's output for 3 s (the pipe fills and scry blocks) while the target opens
# /dev/null 20000 times: 20000 events of 1 KiB overflow the 4 MiB ring buffer.
"$SCRY" -f json -c "$TARGET open 20000 /dev/null" \
  -e 'tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("%s\n", str(args->filename, 1024)); }' |
  { sleep 3; cat >"$T/lost_events.out"; }
lost=$(grep '"type": "lost_events"' "$T/lost_events.out" | sed 's/.*"events": \([0-9]*\).*/\1/' | awk '{s += $1} END {print s + 0}')
delivered=$(grep -c '"data": "/dev/null\\n"' "$T/lost_events.out")
if [ "$lost" -gt 0 ] && [ $((lost + delivered)) = 20000 ]; then
  echo "PASS lost events: $lost lost + $delivered delivered = 20000"
else
  echo "FAIL lost events: $lost lost + $delivered delivered, expected 20000 in all"
  fail=1
fi

n=$(ls "$T"/*.out | wc -l)
if SEEN_TYPES="$T/seen" /usr/bin/python3 "$HERE/validate.py" "$SCHEMA" "$T"/*.out; then
  echo "PASS every line of $n runs parses and matches the schema"
else
  echo "FAIL some lines do not match the schema"
  fail=1
fi
for type in $(/usr/bin/python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["properties"]["type"]["enum"]))' "$SCHEMA"); do
  if ! grep -qx "$type" "$T/seen"; then
    echo "FAIL no run printed a \"$type\" record"
    fail=1
  fi
done
[ $fail = 0 ] && echo "PASS every record type of the schema was printed"
[ $fail = 0 ]
