#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Screenshots of the window in its main states, for the README and
# docs/gui.md: builds, then drives the real window under Xvfb (a 1024x600
# screen) against the device emulator on 127.0.0.1 and writes PNGs into
# docs/screenshots/ (or the folder given as the first argument).
#
# The driver is the GUI test program in its --screenshots mode: the same
# application and window as `otaflash`, the same clicks as the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/screenshots}
build=${OTA_BUILD_DIR:-build}

./scripts/deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" test-gui otaflash-emu otaflash >/dev/null

# network safety: the window must only ever look at 127.0.0.1; settings go to
# a temporary folder, not to the user's
export OTAFLASH_HOST=127.0.0.1
export OTAFLASH_EMU="$PWD/$build/src/emulator/otaflash-emu"
export OTA_TEST_EMU="$OTAFLASH_EMU"
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
export OTAFLASH_CONFIG_DIR="$config"
# the window follows the desktop's dark/light preference (the settings
# portal on the session bus); the shots choose their theme themselves
export DBUS_SESSION_BUS_ADDRESS="unix:path=$config/no-bus"

mkdir -p "$out"
xvfb-run -a -s "-screen 0 1024x600x24 -nolisten tcp" \
  "$build/tests/test-gui" --screenshots "$out" 2>/dev/null | grep '^wrote'
