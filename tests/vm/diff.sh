#!/bin/bash
# Runs each DIR/NAME.bt under scry and under bpftrace 0.17 (the reference) and compares what
# they print. Lines in a script: "// scry-args: ARGS" (both tracers get them), "// scry-filter:
# CMD" (both outputs go through it). Prints PASS/FAIL per script; exits 1 if any failed.
# usage: diff.sh SCRY DIR
set -u
scry=$1
cd "$2" || exit 1
pass=0 fail=0
for bt in *.bt; do
  name=${bt%.bt}
  args=$(sed -n 's|^// scry-args: ||p' "$bt" | head -1)
  filter=$(sed -n 's|^// scry-filter: ||p' "$bt" | head -1)
  for tool in scry bpftrace; do
    exe=$scry
    [ $tool = bpftrace ] && exe=bpftrace
    eval "timeout -s INT 120 $exe $args $bt" </dev/null >"/tmp/diff.$tool.out" 2>"/tmp/diff.$tool.err"
    echo "$?" >"/tmp/diff.$tool.rc"
    [ -n "$filter" ] && bash -c "$filter" <"/tmp/diff.$tool.out" >"/tmp/diff.$tool.f" && mv "/tmp/diff.$tool.f" "/tmp/diff.$tool.out"
  done
  if cmp -s /tmp/diff.scry.out /tmp/diff.bpftrace.out && cmp -s /tmp/diff.scry.rc /tmp/diff.bpftrace.rc &&
     [ -s /tmp/diff.scry.out ]; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name (exit: scry $(cat /tmp/diff.scry.rc), bpftrace $(cat /tmp/diff.bpftrace.rc))"
    diff -u --label bpftrace --label scry /tmp/diff.bpftrace.out /tmp/diff.scry.out | head -40 | sed 's/^/    /'
    sed 's/^/    scry stderr: /' /tmp/diff.scry.err | head -5
    sed 's/^/    bpftrace stderr: /' /tmp/diff.bpftrace.err | head -5
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed (scry against bpftrace)"
[ "$fail" = 0 ]
