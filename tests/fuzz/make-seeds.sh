#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/:
# small hand-made protocol messages and tiny .ufw files made by
# otaflash-mkufw (our own pseudo-random data, never vendor firmware).
# Usage: tests/fuzz/make-seeds.sh [PATH/TO/otaflash-mkufw]
set -euo pipefail
cd "$(dirname "$0")"
mkufw=${1:-../../build/src/emulator/otaflash-mkufw}
[ -x "$mkufw" ] || { echo "make-seeds: otaflash-mkufw not found at $mkufw (build first, or give its path)" >&2; exit 2; }

out=corpus
rm -rf "$out"
mkdir -p "$out"/{ctp-decoder,net-header,http-parser,description,ufw}

byte() { printf "\\x$(printf %02x $(( $1 & 255 )))"; }
le16() { byte "$1"; byte $(( $1 >> 8 )); }
le32() { le16 $(( $1 & 65535 )); le16 $(( ($1 >> 16) & 65535 )); }
bsum32() { echo $(( ($1 & 255) + (($1 >> 8) & 255) + (($1 >> 16) & 255) + (($1 >> 24) & 255) )); }
# CTP frame: topic, content
ctp() { printf 'CTP:'; le16 ${#1}; printf '%s' "$1"; le32 ${#2}; printf '%s' "$2"; }
# net_ota header from the device: seek size all status percent
net() {
  local sum=$(( $(bsum32 "$1") + $(bsum32 "$2") + $(bsum32 "$3") + $4 + $5 ))
  le32 "$sum"; le32 "$1"; le32 "$2"; le32 "$3"; byte "$4"; byte "$5"; le16 0
}

main_desc='{"app_list":{"match_android_ver":["1.0","2.0"],"match_ios_ver":["1.0","2.0"]},"forward_support":["0"],"behind_support":["0"],"device_type":"1","net_type":"1","rts_type":"0","product_type":"AC79x_wifi_camera","support_projection":"0","ota_type":"1","ota_step":"0","firmware_version":"1.0.1","match_app_type":"DVRunning 2","uuid":"7f0f99c4"}'
loader_desc='{"device_type":"1","product_type":"AC79x_wifi_camera","ota_type":"1","ota_step":"1","firmware_version":"1.0.1","uuid":"loader"}'

# --- ctp-decoder: 4 bytes of splitter seed, then the stream
c=$out/ctp-decoder
{ le32 0x01020304; ctp APP_ACCESS '{"op":"PUT","param":{"type":"0","ver":"20906"}}'; } >"$c/request"
{ le32 0x11111111; ctp APP_ACCESS '{"op":"NOTIFY","param":{"type":"0","ver":"20906"}}'
  ctp SD_STATUS '{"op":"NOTIFY","param":{"online":"1"}}'
  ctp BAT_STATUS '{"op":"NOTIFY","param":{"level":"4"}}'; } >"$c/notify-burst"
{ le32 0x7f00ff01; ctp CTP_KEEP_ALIVE ''; ctp NET_OTA_SINGLE '{"op":"NOTIFY","param":{"status":"1"}}'; } >"$c/keepalive-then-ota"
{ le32 0x00000005; ctp APP_ACCESS '{"op":"NOTIFY","errno":3,"param":{"msg":"CTP_ACCESS_REFUSED"}}'; } >"$c/errno-3"
{ le32 0xdeadbeef; printf 'CTP:'; le16 10; printf 'APP_ACCESS'; le32 4294967295; } >"$c/huge-length"

# --- net-header: 8 bytes of file size, a device header, answer data
n=$out/net-header
{ le32 300000; le32 0; net 0 20436 0 4 0; printf 'data'; } >"$n/read-probe"
{ le32 300000; le32 0; net 0 0 71696 0 0; } >"$n/total-size"
{ le32 300000; le32 0; net 297416 40916 0 4 13; printf 'answer bytes'; } >"$n/read-stage2"
{ le32 379248; le32 0; net 0 0 0 1 100; } >"$n/ok"
{ le32 379248; le32 0; net 0 0 0 2 0; } >"$n/err"
{ le32 1000; le32 0; net 999 44032 0 4 50; } >"$n/read-too-large"

# --- http-parser: 4 bytes (splitter seed, body limit), then the response
h=$out/http-parser
{ le32 0x00008010; printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' ${#main_desc} "$main_desc"; } >"$h/main-firmware"
{ le32 0x00008203; printf 'HTTP/1.1 200 OK\r\nContent-Type:text\r\nContent-Length:%d\r\n\r\n%s' ${#loader_desc} "$loader_desc"; } >"$h/loader-stub"
{ le32 0x00008001; printf 'HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found'; } >"$h/not-found"
{ le32 0x00008040; printf 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\nX-A:b\r\n\r\n{}trailing'; } >"$h/lowercase"

# --- description: the JSON document
d=$out/description
printf '%s' "$main_desc" >"$d/main-firmware"
printf '%s' "$loader_desc" >"$d/loader"
printf '{"ota_type":1,"ota_step":0,"firmware_version":1.5,"uuid":null}' >"$d/numbers"
printf '{"ota_step":"0","firmware_version":"1.0.1"}' >"$d/no-ota-type"
printf '[1,2,{"a":[true,false,null]}]' >"$d/array"

# --- ufw: a tiny file, the control byte last (0: as is, 0x3f: repair all)
u=$out/ufw
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mkufw" -f 1500 -o 700 -s 1 -v 1.0.2 "$tmp/ok.ufw" >/dev/null
{ cat "$tmp/ok.ufw"; byte 0; } >"$u/valid"
{ cat "$tmp/ok.ufw"; byte 0x3f; } >"$u/valid-repair-all"
"$mkufw" -f 300 -o 100 -s 2 --no-version "$tmp/nover.ufw" >/dev/null
{ cat "$tmp/nover.ufw"; byte 0; } >"$u/no-version"
for kind in truncated header-crc list-crc data-crc entry-bounds entry-size no-ota-bin unknown-chip too-short bad-count; do
  "$mkufw" -f 600 -o 200 -s 3 -v 9.9 --corrupt "$kind" "$tmp/$kind.ufw" >/dev/null
  { cat "$tmp/$kind.ufw"; byte 0; } >"$u/$kind"
done
echo "seeds: $(find "$out" -type f | wc -l) files, $(du -sk "$out" | cut -f1) KiB in tests/fuzz/$out"
