#!/bin/bash
# Every kind of diagnostic in src/diag/kinds.def is shown by some test: its id appears in an
# expected output (tests/*/NAME.stderr, .expected) or in a test that greps for it. A new kind
# without a test fails here.
# usage: diagnostics_tested.sh SOURCE_DIR
set -u
src="$1"
missing=0
while read -r id; do
  if ! grep -rqF -e "$id" "$src/tests" --include='*.stderr' --include='*.expected' \
       --include='*.sh' --include='*.cpp' --exclude='diagnostics_tested.sh'; then
    echo "no test shows $id"
    missing=$((missing + 1))
  fi
done < <(sed -n 's/^DIAG([A-Za-z]*, *"\([EW][0-9]*\)".*/\1/p' "$src/src/diag/kinds.def")
n="$(grep -c '^DIAG(' "$src/src/diag/kinds.def")"
echo "$((n - missing)) of $n diagnostic kinds tested"
[ "$n" -gt 0 ] && [ "$missing" = 0 ]
