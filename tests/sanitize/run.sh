#!/bin/bash
# The sanitizer lane: builds scry with clang-19, AddressSanitizer and UndefinedBehaviorSanitizer
# (and the compiler's fuzz target) in its own tree, then runs the unit, language and runtime
# tests and a short fuzz run there. Any sanitizer report aborts the process that made it, which
# fails the test it ran in.
# Usage: run.sh SOURCE_DIR BUILD_DIR TARGET (the main tree's test target program, which the
# runtime tests' expected outputs were made with)
set -euo pipefail
src=$1 build=$2 target=$3
for tool in clang-19 clang++-19; do
  command -v "$tool" >/dev/null || { echo "sanitize: $tool is missing (scripts/setup.sh installs clang-19)"; exit 1; }
done
[ -e /usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a ] ||
  { echo "sanitize: libclang-rt-19-dev is missing (scripts/setup.sh installs it)"; exit 1; }

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-19 \
  -DCMAKE_CXX_COMPILER=clang++-19 -DSCRY_SANITIZE=ON -DSCRY_FUZZ=ON -DSCRY_TEST_TARGET="$target" >/dev/null
cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1 || { tail -80 "$build/build.log"; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:print_summary=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" -L sanitize --output-on-failure
