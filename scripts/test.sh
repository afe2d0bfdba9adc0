#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite (what CI runs): installs what is missing, then
#  1. a normal build, warnings as errors, and every ctest entry; then the
#     GUI tests (label gui) again, with a session bus of their own
#     (dbus-run-session) and with none at all, as on a desktop and on a
#     bare build machine (the first pass gets whichever this machine gives);
#  2. the same under AddressSanitizer + UndefinedBehaviorSanitizer;
#  3. valgrind memcheck of the unit and end-to-end tests (the test programs
#     and the otaflash they start; errors fatal);
#  4. each libFuzzer target for OTA_FUZZ_SECONDS (default 30) seconds;
#  5. the Debian packages: scripts/package.sh (lintian --pedantic), both
#     installed on this machine, run (version, check, a flash against the
#     installed emulator, man, completion) and removed
#     (tests/check-package.sh; root only: CI);
#  6. the Windows build, cross-compiled and tested under Wine
#     (scripts/test-windows.sh; docs/windows.md). OTA_SKIP_WINDOWS=1 skips it
#     on a developer's machine; CI never sets it.
# Every test talks to 127.0.0.1 only. The soak test is not run here:
# tests/soak.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
export OTAFLASH_HOST=127.0.0.1
# the AT-SPI walk of the window (test-gui-atspi-a11y) fails, never skips,
# when pyatspi is missing
export OTA_A11Y_REQUIRED=1
phase_start=$SECONDS
phase() {
  [ "$phase_start" -ne "$SECONDS" ] && echo "   ($((SECONDS - phase_start)) s)"
  phase_start=$SECONDS
  echo "== $* =="
}

phase "house style (clang-format)"
scripts/check-format.sh

phase "normal build (warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTA_WERROR=ON >/dev/null
ninja -C build
ctest --test-dir build --output-on-failure -j "$jobs"

phase "GUI tests with a session bus (dbus-run-session)"
dbus-run-session -- ctest --test-dir build -L gui --output-on-failure -j "$jobs"

phase "GUI tests without a session bus"
# an address GLib cannot use: no bus, and no X11 autolaunch of one either
DBUS_SESSION_BUS_ADDRESS=disabled: ctest --test-dir build -L gui --output-on-failure -j "$jobs"

phase "sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOTA_SANITIZE=ON -DOTA_WERROR=ON >/dev/null
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

phase "valgrind memcheck (unit and end-to-end tests)"
cmake -S . -B build-valgrind -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTA_VALGRIND=ON \
      -DOTA_BUILD_GUI=OFF -DOTA_WERROR=ON >/dev/null
ninja -C build-valgrind
ctest --test-dir build-valgrind -L valgrind --output-on-failure -j "$jobs"

phase "fuzzing (${OTA_FUZZ_SECONDS:-30} s per target)"
tests/fuzz/run.sh "${OTA_FUZZ_SECONDS:-30}"

if [ "$(id -u)" -eq 0 ]; then
  phase "packages (scripts/package.sh, lintian, install/run/remove)"
  tests/check-package.sh
else
  phase "packages: skipped (dpkg -i needs root; CI runs as root)"
fi

if [ "${OTA_SKIP_WINDOWS:-0}" = 1 ]; then
  phase "Windows: skipped (OTA_SKIP_WINDOWS=1)"
else
  phase "Windows: cross build, tests under Wine (scripts/test-windows.sh)"
  scripts/test-windows.sh
fi

phase "all passed in $SECONDS s"
