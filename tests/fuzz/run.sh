#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for
# SECONDS (default 30), starting from the committed seeds
# (tests/fuzz/corpus/<target>) and past crashes (tests/fuzz/regressions/<target>).
# New inputs go to build-fuzz/corpus/<target>, crashes to build-fuzz/artifacts/.
# Prints the executions each target reached; exits 1 if any target crashed.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-30}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(ctp-decoder net-header http-parser description ufw)
cc=${OTA_FUZZ_CC:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (scripts/deps.sh installs clang)" >&2; exit 2; }

cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DOTA_FUZZ=ON -DOTA_BUILD_GUI=OFF >/dev/null
ninja -C build-fuzz fuzz >/dev/null
mkdir -p build-fuzz/artifacts

failed=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  log=build-fuzz/fuzz-$t.log
  mkdir -p "$work"
  case $t in
    ufw|http-parser) max_len=16384 ;;
    *) max_len=4096 ;;
  esac
  seeds=(tests/fuzz/corpus/"$t")
  [ -d tests/fuzz/regressions/"$t" ] && seeds+=(tests/fuzz/regressions/"$t")
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    ./build-fuzz/tests/fuzz/fuzz-"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$max_len" -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/"$t"- \
      "$work" "${seeds[@]}" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$work" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz-$t: CRASH after ${runs:-?} executions (log $log):"
    grep -E 'ERROR|Bail out|SUMMARY|artifact' "$log" | head -20
  else
    echo "fuzz-$t: ${runs:-?} executions in ${secs} s, coverage ${cov:-?} edges, corpus $corpus inputs, no crash"
  fi
done
exit $failed
