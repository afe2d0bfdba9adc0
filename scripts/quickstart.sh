#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job, end to end, with no device: installs what is missing, builds,
# generates a firmware file, starts the device emulator on 127.0.0.1 (free
# ports, a modelled Wi-Fi link) and flashes both stages with the real CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build >/dev/null

bin=build/src
work=$(mktemp -d)
emu_pid=
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== a firmware file for the demo (generated, version 1.0.2) =="
"$bin/emulator/otaflash-mkufw" --flash-size 2M --ota-size 192K --seed 7 --version 1.0.2 "$work/demo.ufw"

echo "== the device emulator on 127.0.0.1 (runs firmware 1.0.1) =="
"$bin/emulator/otaflash-emu" --host 127.0.0.1 --ctp-port 0 --http-port 0 --ota-port 0 \
  --state-dir "$work/device" --installed-version 1.0.1 --time-scale 0.2 --strict \
  --link-bandwidth 1500000 --link-latency-ms 3 --flash-rate 1000000 \
  --events "$work/device-events.jsonl" >"$work/emu.out" &
emu_pid=$!
ready=
for _ in $(seq 200); do
  ready=$(grep -m1 '^READY' "$work/emu.out" || true)
  [ -n "$ready" ] && break
  kill -0 "$emu_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { echo "the emulator did not start" >&2; exit 1; }
echo "$ready"
ctp=$(sed -n 's/.*ctp=\([0-9]*\).*/\1/p' <<<"$ready")
http=$(sed -n 's/.*http=\([0-9]*\).*/\1/p' <<<"$ready")
ota=$(sed -n 's/.*ota=\([0-9]*\).*/\1/p' <<<"$ready")

echo "== otaflash --cli: both stages, then the new version confirmed by the device =="
set +e
"$bin/otaflash" --cli --host 127.0.0.1 --ctp-port "$ctp" --http-port "$http" --ota-port "$ota" \
  --reboot-timeout 60 "$work/demo.ufw"
status=$?
set -e

kill "$emu_pid"; wait "$emu_pid" 2>/dev/null; emu_status=$?; emu_pid=
violations=$(grep -c '"event":"violation"' "$work/device-events.jsonl" || true)
echo "== otaflash exit code: $status; device-safety violations seen by the emulator: $violations =="
[ "$status" -eq 0 ] && [ "$violations" -eq 0 ] && [ "$emu_status" -eq 0 ]
