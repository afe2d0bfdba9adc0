#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Soak test (not part of CI): N complete upgrades in a row inside one
# process (tests/soak.c, otaflash-soak) against one emulator, printing
# resident memory and open descriptors every 10 flashes; exits 1 unless
# every flash succeeded and both stayed flat. Talks to 127.0.0.1 only.
# Usage: tests/soak.sh [N=200]   (OTA_SOAK_BUILD=dir picks the build dir, default build)
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-200}
build=${OTA_SOAK_BUILD:-build}
export OTAFLASH_HOST=127.0.0.1
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" otaflash-soak otaflash-emu >/dev/null
exec "$build/tests/otaflash-soak" --count "$n"
