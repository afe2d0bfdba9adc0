#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages end to end (scripts/test.sh runs it as root; CI's
# machine is thrown away): scripts/package.sh (lintian included), then both
# packages installed on this machine, run from where they were installed,
# and removed again:
#   otaflash --version; a file from the installed otaflash-mkufw passes
#   otaflash --cli --check; a flash against the installed otaflash-emu on
#   free ports of 127.0.0.1; man -w for the three pages; the completion
#   offers --wifi, --scan and --history after "otaflash --cli --"; the
#   headless otaflash runs the window's program of the otaflash package.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "check-package: needs root (dpkg -i); CI runs it" >&2; exit 77; }
for p in otaflash otaflash-cli; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "check-package: $p is installed already; not touching it" >&2
    exit 1
  fi
done

scripts/package.sh

tmp=$(mktemp -d)
emu_pid=
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
  dpkg --purge otaflash otaflash-cli >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

dpkg -i dist/otaflash-cli_*.deb dist/otaflash_*.deb >/dev/null
# what was installed, not this tree's build
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export OTAFLASH_HISTORY_DB=$tmp/history.db

[ "$(otaflash --version)" = "otaflash $(dpkg-query -W -f='${Version}' otaflash-cli)" ] ||
  fail "otaflash --version: $(otaflash --version)"
otaflash-mkufw --version 1.0.2 "$tmp/new.ufw" >/dev/null
otaflash --cli --check "$tmp/new.ufw" >/dev/null || fail "otaflash --cli --check failed"

# the headless otaflash without --cli runs the window's program, whose
# --help needs no display and names otaflash
otaflash --help | grep -q "otaflash \[OPTION" || fail "otaflash --help does not name otaflash"

# a flash against the installed emulator, both on 127.0.0.1
mkfifo "$tmp/emu.out"
otaflash-emu --host 127.0.0.1 --ctp-port 0 --http-port 0 --ota-port 0 --time-scale 0.02 \
  --strict >"$tmp/emu.out" 2>"$tmp/emu.err" &
emu_pid=$!
ready=
while read -r line; do
  case $line in READY*) ready=$line; break ;; esac
done <"$tmp/emu.out"
exec 3<"$tmp/emu.out" # keep the pipe open: the emulator may print more
[ -n "$ready" ] || fail "otaflash-emu printed no READY line: $(cat "$tmp/emu.err")"
port() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$ready"; }
otaflash --cli --host 127.0.0.1 --ctp-port "$(port ctp)" --http-port "$(port http)" \
  --ota-port "$(port ota)" --timeout 10 --reboot-timeout 30 "$tmp/new.ufw" >"$tmp/flash.out" 2>&1 ||
  { cat "$tmp/flash.out" >&2; fail "the flash against otaflash-emu failed"; }
kill "$emu_pid"
wait "$emu_pid" 2>/dev/null || true
emu_pid=
exec 3<&-

for page in otaflash otaflash-emu otaflash-mkufw; do
  man -w "$page" >/dev/null || fail "man $page: not found"
done

# otaflash --cli --<TAB>
offered=$(bash -c 'source /usr/share/bash-completion/completions/otaflash
  COMP_WORDS=(otaflash --cli --); COMP_CWORD=2; _otaflash; echo "${COMPREPLY[*]}"')
for opt in --wifi --scan --history --check; do
  grep -qw -- "$opt" <<<"$offered" || fail "completion of 'otaflash --cli --' lacks $opt: $offered"
done

dpkg --purge otaflash otaflash-cli >/dev/null
[ ! -e /usr/bin/otaflash ] && [ ! -e /usr/libexec/otaflash ] || fail "files left after dpkg --purge"
echo "check-package: built, lintian clean, installed, flashed the emulator, removed"
