#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan, and
# runs each for a bounded time.  Fails on any crash, sanitizer report, model
# mismatch (a target aborts), leak or timeout; the input that did it is copied
# to tests/fuzz/regressions/<target>/, which the replay tests (fuzz_<target>
# in every ctest run) replay from then on: commit it with the fix.
#   ci/fuzz.sh [target...]          (default: every target)
# FUZZ_SECONDS (default 45) is the time per target; BUILD_DIR (default
# build-fuzz) the build directory; FUZZ_ARGS adds libFuzzer options.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-45}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=()
  for f in tests/fuzz/fuzz_*.c; do
    n=${f#tests/fuzz/fuzz_}
    TARGETS+=("${n%.c}")
  done
fi

# clang and its libFuzzer runtime (Debian 12: clang 14), installed when missing.
# shellcheck source=ci/debian-source.sh
. ci/debian-source.sh
apt_install_missing clang libfuzzer-14-dev

start=$(date +%s)
# Everything is instrumented for coverage (fuzzer-no-link); only the fuzz
# programs link libFuzzer itself.
cmake -S . -B "$BUILD_DIR" -DCMAKE_C_COMPILER=${CC:-clang} -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DUVBEV_WERROR=ON -DUVBEV_SANITIZE=ON -DUVBEV_FUZZ=ON -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link \
  -DUVBEV_BUILD_SHARED=OFF -DUVBEV_BUILD_BENCH=OFF -DUVBEV_BUILD_EXAMPLES=OFF \
  -DUVBEV_TEST_ORACLE=OFF >/dev/null
cmake --build "$BUILD_DIR" -j2 --target "${TARGETS[@]/#/fuzz_}"
sh tests/fuzz/make-corpus.sh "$BUILD_DIR/fuzz-corpus"
echo "fuzz: build and corpus took $(($(date +%s) - start)) s"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for t in "${TARGETS[@]}"; do
  work="$BUILD_DIR/fuzz-work/$t"      # what libFuzzer finds goes here, not into the seeds
  art="$BUILD_DIR/fuzz-artifacts/$t"
  regress="tests/fuzz/regressions/$t"
  rm -rf "$art"
  mkdir -p "$work" "$art" "$regress"
  t0=$(date +%s)
  if "$BUILD_DIR/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} \
       "$work" "$BUILD_DIR/fuzz-corpus/$t" "$regress" >"$art.log" 2>&1; then
    echo "fuzz: $t: ok in $(($(date +%s) - t0)) s, $(grep -o 'stat::number_of_executed_units: [0-9]*' "$art.log" | grep -o '[0-9]*$') runs"
  else
    echo "fuzz: $t: FAILED after $(($(date +%s) - t0)) s (log: $art.log)"
    grep -E "ERROR|check failed|SUMMARY|Test unit written" "$art.log" | head -20 || true
    for crash in "$art"/*; do
      [ -f "$crash" ] || continue
      cp "$crash" "$regress/$(basename "$crash")"
      echo "fuzz: $t: input kept as $regress/$(basename "$crash")"
    done
    failed+=("$t")
  fi
done
echo "fuzz: total $(($(date +%s) - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
