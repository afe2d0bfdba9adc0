#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets with clang into build-fuzz/ (or $OTA_FUZZ_BUILD) and runs
# each for SECONDS (default 30), starting from the seeds (tests/fuzz/corpus/<target>) and
# replaying past crashes (tests/fuzz/regressions/<target>). Both are committed as text:
# *.hex files (hex bytes, "strings", `mkufw OPTIONS`, # comments) that tests/fuzz/hex2bin.pl
# turns into the binary inputs in a temporary directory, with otaflash-mkufw from the same
# build for the .ufw seeds; other files (JSON) are used as they are.
# New inputs go to <build>/corpus/<target>, crashes to <build>/artifacts/.
# Prints the executions each target reached; exits 1 if any target crashed.
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-30}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(ctp-decoder net-header http-parser description ufw)
cc=${OTA_FUZZ_CC:-clang}
build=${OTA_FUZZ_BUILD:-build-fuzz}
command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (scripts/deps.sh installs clang)" >&2; exit 2; }
command -v perl >/dev/null || { echo "fuzz: perl not found (Debian: perl-base)" >&2; exit 2; }

cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DOTA_FUZZ=ON -DOTA_BUILD_GUI=OFF >/dev/null
mkdir -p "$build"
ninja -C "$build" fuzz otaflash-mkufw >"$build/build.log" 2>&1 \
  || { cat "$build/build.log"; echo "fuzz: the targets did not build" >&2; exit 2; }
mkdir -p "$build"/artifacts

# the binary inputs, made from the text in tests/fuzz/{corpus,regressions}/<target>/
inputs=$(mktemp -d "${TMPDIR:-/tmp}/otaflash-fuzz.XXXXXX")
trap 'rm -rf "$inputs"' EXIT
export OTA_MKUFW=$PWD/$build/src/emulator/otaflash-mkufw
# unpack SRC_DIR DEST_DIR: one binary input per file, named without its extension
unpack() {
  mkdir -p "$2"
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    local name=${f##*/}
    case $f in
      *.hex) perl tests/fuzz/hex2bin.pl "$f" >"$2/${name%.hex}" ;;
      *) cp "$f" "$2/${name%.*}" ;;
    esac
  done
}

failed=0
for t in "${targets[@]}"; do
  work=$build/corpus/$t
  log=$build/fuzz-$t.log
  mkdir -p "$work"
  case $t in
    ufw|http-parser) max_len=16384 ;;
    *) max_len=4096 ;;
  esac
  unpack tests/fuzz/corpus/"$t" "$inputs/corpus/$t"
  seeds=("$inputs/corpus/$t")
  if [ -d tests/fuzz/regressions/"$t" ]; then
    unpack tests/fuzz/regressions/"$t" "$inputs/regressions/$t"
    seeds+=("$inputs/regressions/$t")
  fi
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$build"/tests/fuzz/fuzz-"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$build"/artifacts/"$t"- \
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
