#!/bin/bash
# Golden tests: runs every NAME.bt in DIR with scry and compares what it printed with the
# files beside it: NAME.expected (stdout), NAME.stderr (stderr). Lines in the script:
#   // scry-args: ARGS     extra arguments before the script (shell words; $TARGET is the
#                          test target program, $DIR this directory)
#   // scry-params: WORDS  positional parameters, after the script
#   // scry-rc: N          expected exit status (default 0)
#   // scry-filter: CMD    a shell pipeline stdout goes through before the comparison, for
#                          what differs per build or kernel (addresses, offsets)
# usage: golden.sh SCRY DIR [TARGET]
# With GOLDEN_ARGS set, those arguments come first (tests/json runs every script with
# "-f json"); with GOLDEN_SAVE set to a directory, each script's stdout is saved there as
# NAME.out instead of being compared.
# Prints PASS/FAIL per script and "N passed, N failed"; exits 1 if any failed.
set -u
SCRY="$(realpath "$1")"
DIR="$(realpath "$2")"
export TARGET="${3:+$(realpath "$3")}"
pass=0
fail=0
cd "$DIR"
for bt in *.bt; do
  name="${bt%.bt}"
  args="$(sed -n 's|^// scry-args: ||p' "$bt" | head -1)"
  want_rc="$(sed -n 's|^// scry-rc: ||p' "$bt" | head -1)"
  want_rc="${want_rc:-0}"
  params="$(sed -n 's|^// scry-params: ||p' "$bt" | head -1)"
  filter="$(sed -n 's|^// scry-filter: ||p' "$bt" | head -1)"
  # @TARGET@ in a script (an attach point path) becomes the target program's path.
  run="$bt"
  if grep -q '@TARGET@' "$bt"; then
    run=".run.$bt"
    sed "s|@TARGET@|$TARGET|g" "$bt" >"$run"
  fi
  eval "set -- $args"
  pre=("$@")
  eval "set -- $params"
  # shellcheck disable=SC2086
  timeout -s INT 60 "$SCRY" ${GOLDEN_ARGS:-} "${pre[@]}" "$run" "$@" >"/tmp/golden.$$.out" 2>"/tmp/golden.$$.err" </dev/null
  rc=$?
  [ "$run" != "$bt" ] && rm -f "$run"
  # The target's path differs per machine: expected files say @TARGET@.
  [ -n "$TARGET" ] && sed -i "s|$TARGET|@TARGET@|g" "/tmp/golden.$$.out" "/tmp/golden.$$.err"
  if [ -n "${GOLDEN_SAVE:-}" ]; then
    cp "/tmp/golden.$$.out" "$GOLDEN_SAVE/$name.out"
    cp "/tmp/golden.$$.err" "$GOLDEN_SAVE/$name.err"
    echo "RAN $name (exit status $rc)"
    continue
  fi
  if [ -n "$filter" ]; then
    bash -c "$filter" <"/tmp/golden.$$.out" >"/tmp/golden.$$.filtered"
    mv "/tmp/golden.$$.filtered" "/tmp/golden.$$.out"
  fi
  ok=1
  why=""
  : >"/tmp/golden.$$.diff"
  # A script with nothing to compare against would pass whatever it printed.
  if [ ! -f "$name.expected" ] && [ ! -f "$name.stderr" ]; then ok=0; why="no $name.expected or $name.stderr"; fi
  if [ "$rc" != "$want_rc" ]; then ok=0; why="exit status $rc, expected $want_rc"; fi
  if [ -f "$name.expected" ] && ! diff -u "$name.expected" "/tmp/golden.$$.out" >"/tmp/golden.$$.diff"; then
    ok=0; why="$why stdout differs"
  fi
  if [ -f "$name.stderr" ] && ! diff -u "$name.stderr" "/tmp/golden.$$.err" >>"/tmp/golden.$$.diff"; then
    ok=0; why="$why stderr differs"
  fi
  if [ $ok = 1 ]; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name: $why"
    sed 's/^/    /' "/tmp/golden.$$.diff"
    [ -f "$name.stderr" ] || sed 's/^/    stderr: /' "/tmp/golden.$$.err"
    fail=$((fail + 1))
  fi
done
rm -f /tmp/golden.$$.*
echo "$pass passed, $fail failed"
[ $fail = 0 ]
