#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The built otaflash's help and the bash completion (no install, no display):
# `otaflash --help` names otaflash, not the application ID; the CLI's help
# points to the man page; "otaflash --cli --<TAB>" offers the options.
# check-help-completion.sh OTAFLASH_DIR EMU_DIR COMPLETION_FILE HAVE_GUI
set -euo pipefail
bindir=$1 emudir=$2 completion=$3 have_gui=$4
fail() { echo "check-help-completion: $*" >&2; exit 1; }
export PATH=$bindir:$emudir:$PATH

if [ "$have_gui" = ON ]; then
  help=$(env -u DISPLAY -u WAYLAND_DISPLAY otaflash --help)
  grep -q "^  otaflash \[OPTION" <<<"$help" || fail "otaflash --help: $help"
  ! grep -q "io\.github" <<<"$help" || fail "otaflash --help names the application ID"
fi
otaflash --cli --help | grep -q "man otaflash" || fail "otaflash --cli --help does not point to man otaflash"

offered=$(bash -c 'source "$1"; COMP_WORDS=(otaflash --cli --); COMP_CWORD=2; _otaflash
  echo "${COMPREPLY[*]}"' _ "$completion")
for opt in --wifi --scan --history --check --json; do
  grep -qw -- "$opt" <<<"$offered" || fail "'otaflash --cli --<TAB>' lacks $opt: $offered"
done
offered=$(bash -c 'source "$1"; COMP_WORDS=(otaflash-emu --ctp); COMP_CWORD=1; _otaflash
  echo "${COMPREPLY[*]}"' _ "$completion")
[ "$offered" = --ctp-port ] || fail "'otaflash-emu --ctp<TAB>': $offered"
echo "check-help-completion: passed"
