#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The otaflash benchmarks (docs/performance.md): builds build-bench/
# (RelWithDebInfo), generates the firmware files with otaflash-mkufw into a
# temporary directory, runs every benchmark against otaflash-emu on
# 127.0.0.1 and prints ONE table of medians, with the machine it ran on.
# Every single run is kept in build-bench/bench-results.txt.
#
#   bench/run.sh            # the whole set, about 7 minutes on 2 cores
#   RUNS=7 bench/run.sh     # more runs per figure (default 5, at least 5; the
#                           # raw figures use 2 * RUNS - 1, the 256 MiB CLI run 1)
#
# Not a test: nothing here is registered with ctest, and it never fails on a
# slow figure; the table says whether each goal was met.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
RUNS=${RUNS:-5}
if [ "$RUNS" -lt 5 ]; then
  echo "run.sh: RUNS must be at least 5 (medians of at least 5 runs)" >&2
  exit 2
fi

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target otaflash otaflash-emu otaflash-mkufw ota-bench \
  vendor-baseline >/dev/null
GUI_MODULE="$BUILD/bench/libota-bench-gui.so"
cmake --build "$BUILD" -j "$(nproc)" --target ota-bench-gui >/dev/null 2>&1 || GUI_MODULE=

EMU="$BUILD/src/emulator/otaflash-emu"
MKUFW="$BUILD/src/emulator/otaflash-mkufw"
OTAFLASH="$BUILD/src/otaflash"
BENCH="$BUILD/bench/ota-bench"
BASELINE="$BUILD/bench/vendor-baseline"
LOG="$BUILD/bench-results.txt"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/otaflash-bench-XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# the same seed and sizes every time: the same files every time
"$MKUFW" --flash-size 64M --seed 7 "$TMP/fw64.ufw" >/dev/null
"$MKUFW" --flash-size 4M --seed 7 "$TMP/fw4.ufw" >/dev/null
"$MKUFW" --flash-size 1M --seed 7 "$TMP/fw1.ufw" >/dev/null
"$MKUFW" --flash-size 256M --seed 7 "$TMP/fw256.ufw" >/dev/null

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
CPU="$CPU (family $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1), model $(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1))"
if grep -q '^flags.* hypervisor' /proc/cpuinfo; then
  CPU="$CPU, virtual machine"
fi
START=$(date '+%Y-%m-%d %H:%M')
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
T0=$(date +%s)

: >"$LOG"
bench () {
  echo "# ota-bench $*" >>"$LOG"
  "$BENCH" --emu "$EMU" "$@" >>"$LOG.part"
  cat "$LOG.part" >>"$LOG"
  rm -f "$LOG.part"
}

# 5. the sum over each answer, alone
bench sum --runs "$RUNS"
# 1. raw serving speed (and the CPU it takes): stage two, no device delays;
#    a run is short and the most exposed to other load, so more of them
bench raw --baseline "$BASELINE" --runs $((2 * RUNS - 1)) "$TMP/fw64.ufw"
# 3. Nagle mode at raw speed: 4 MiB, because every READ stalls
bench raw --baseline "$BASELINE" --clients nagle --runs "$RUNS" "$TMP/fw4.ufw"
# 2. the modelled Wi-Fi link, both stages; the baseline for comparison
bench link --runs "$RUNS" "$TMP/fw4.ufw"
bench link --client vendor --baseline "$BASELINE" --runs "$RUNS" "$TMP/fw4.ufw"
# 3. Nagle mode on the modelled link
bench link --client nagle --runs "$RUNS" "$TMP/fw4.ufw"
# 4./5. the CLI: peak RSS and CPU, medians of the same number of runs
bench cli --otaflash "$OTAFLASH" --label 1M --runs "$RUNS" "$TMP/fw1.ufw"
bench cli --otaflash "$OTAFLASH" --label 256M --runs "$RUNS" "$TMP/fw256.ufw"
# 5. the GUI's CPU while flashing at the modelled link speed
if [ -n "$GUI_MODULE" ] && command -v xvfb-run >/dev/null 2>&1; then
  bench gui --otaflash "$OTAFLASH" --gui-module "$GUI_MODULE" --runs "$RUNS" "$TMP/fw4.ufw"
else
  printf 'ROW\t5\tGUI CPU while flashing (Wi-Fi model, xvfb)\tpending: no GUI build or no xvfb-run\t-\t\t\n' >>"$LOG"
fi

# the CLI figures need both files: memory difference, CPU per MiB
awk -F'[ =]' '
  /^CLI / {
    for (i = 2; i < NF; i += 2) v[$i] = $(i + 1)
    rss[v["label"]] = v["maxrss_mib"]; cpu[v["label"]] = v["cpu_ms_per_mib"]
    chk[v["label"]] = v["check_cpu_ms_per_mib"]; rate[v["label"]] = v["stage2_mb_s"]
  }
  END {
    printf "ROW\t1\t  the otaflash --cli program, 256 MiB stage two (first READ..OK)\t%.0f MB/s\t%s\t\t\n",
      rate["256M"], runs
    d = rss["256M"] - rss["1M"]
    printf "ROW\t4\tpeak RSS of otaflash --cli: 1 MiB / 256 MiB file\t%.1f / %.1f MiB (%+.2f MiB)\t%s\t< 2 MiB more\t%s\n",
      rss["1M"], rss["256M"], d, runs, (d < 2 ? "yes" : "NO")
    printf "ROW\t5\tCLI CPU per MiB of file, 256 MiB (validation part)\t%.2f ms (%.2f ms checking the file)\t%s\t\t\n",
      cpu["256M"], chk["256M"], runs
  }' runs="$RUNS" "$LOG" >>"$LOG"

T1=$(date +%s)
{
  echo
  echo "otaflash benchmarks, $START, $((T1 - T0)) s; medians over the runs given"
  echo "load average at start $LOAD0, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $CPU; $(nproc) cores; Linux $(uname -r); glib $(pkg-config --modversion glib-2.0 2>/dev/null || echo '?')"
  echo
  grep '^ROW' "$LOG" | sort -s -t "$(printf '\t')" -k2,2n |
    awk -F'\t' '
      BEGIN { fmt = "%-2s %-58s %-52s %-5s %-13s %s\n"
              printf fmt, "#", "benchmark", "result (median)", "runs", "goal", "met"
              printf fmt, "--", "---------", "---------------", "----", "----", "---" }
      { printf fmt, $2, $3, $4, $5, $6, $7 }'
  echo
  echo "every run: $LOG"
}
