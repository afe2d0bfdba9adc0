#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Screenshots of the window in every state (idle, ready, stage 1, between
# stages, stage 2, success, failure, cancelled, recovery, demo, bad file), at
# 800x600 and at 1920x1080, for the README and docs/gui.md: builds, then
# drives the real window under Xvfb (a 1920x1080 screen) against the device
# emulator on 127.0.0.1 and writes STATE-WxH.png into docs/screenshots/ (or
# the folder given as the first argument). Each PNG is the window only.
#
# The driver is the GUI test program in its --screenshots mode: the same
# application and window as `otaflash`, the same clicks as the tests.
#
# LANGUAGE=zh_CN scripts/screenshots.sh: the same in Simplified Chinese (the
# build tree's po/zh_CN.po), into docs/screenshots/zh_CN/ by default.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${OTA_BUILD_DIR:-build}
case "${LANGUAGE:-}" in
  zh_CN*)
    export LC_ALL=zh_CN.UTF-8 LANGUAGE=zh_CN
    out=${1:-docs/screenshots/zh_CN}
    ;;
  *)
    export LC_ALL=C.UTF-8
    unset LANGUAGE
    out=${1:-docs/screenshots}
    ;;
esac
export OTAFLASH_LOCALEDIR="$PWD/$build/locale"

./scripts/deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" test-gui otaflash-emu otaflash otaflash-translations >/dev/null

# network safety: the window must only ever look at 127.0.0.1; settings go to
# a temporary folder, not to the user's
export OTAFLASH_HOST=127.0.0.1
export OTAFLASH_EMU="$PWD/$build/src/emulator/otaflash-emu"
export OTA_TEST_EMU="$OTAFLASH_EMU"
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
export OTAFLASH_CONFIG_DIR="$config"
export XDG_STATE_HOME="$config/state"
export OTA_WIFI_BACKEND=none
# the window follows the desktop's dark/light preference (the settings
# portal on the session bus); the shots choose their theme themselves
export DBUS_SESSION_BUS_ADDRESS="unix:path=$config/no-bus"

mkdir -p "$out"
xvfb-run -a -s "-screen 0 1920x1080x24 -nolisten tcp" \
  "$build/tests/test-gui" --screenshots "$out" 2>/dev/null | grep '^wrote'
# smaller files, where the tool is installed
if command -v optipng >/dev/null; then
  optipng -quiet -o2 "$out"/*-800x600.png "$out"/*-1920x1080.png || true
fi
