#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs tests/a11y/atspi-walk.py (the window over the real AT-SPI bus) under
# its own Xvfb (xvfb-run -a) and its own private session bus
# (dbus-run-session): never the desktop's session or accessibility bus,
# whether the caller has one (a desktop, dbus-run-session) or none
# (DBUS_SESSION_BUS_ADDRESS=disabled:).
#
# usage: run-atspi-walk.sh DISPLAY-NUMBER PYTHON3 OTAFLASH OTAFLASH-EMU OTAFLASH-MKUFW
# Exits 77 (skipped) only when a tool is missing and $OTA_A11Y_REQUIRED is
# not set (scripts/test.sh sets it: CI never skips this test).
set -euo pipefail

[ $# -eq 5 ] || { echo "usage: $0 DISPLAY-NUMBER PYTHON3 OTAFLASH OTAFLASH-EMU OTAFLASH-MKUFW" >&2; exit 2; }
display=$1 python=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

missing() {
  if [ -n "${OTA_A11Y_REQUIRED:-}" ]; then
    echo "run-atspi-walk: FAILED: $1 is missing and OTA_A11Y_REQUIRED is set (scripts/deps.sh installs it)" >&2
    exit 1
  fi
  echo "run-atspi-walk: SKIPPED: $1 is missing" >&2
  exit 77
}
command -v xvfb-run >/dev/null || missing xvfb-run
command -v dbus-run-session >/dev/null || missing dbus-run-session
command -v "$python" >/dev/null || missing "$python"

# nothing of the caller's accessibility or session bus leaks in; GTK's bridge
# is on (the other GUI tests turn it off with NO_AT_BRIDGE)
unset AT_SPI_BUS_ADDRESS DBUS_SESSION_BUS_ADDRESS NO_AT_BRIDGE
export LC_ALL=C.UTF-8 OTAFLASH_HOST=127.0.0.1 OTA_WIFI_BACKEND=none

exec xvfb-run -n "$display" -a -e "${OTA_XVFB_LOG:-/dev/null}" -s "-screen 0 1024x768x24 -nolisten tcp -noreset" \
  dbus-run-session -- "$python" "$here/atspi-walk.py" "$@"
