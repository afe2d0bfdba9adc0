#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The translation check (po/CMakeLists.txt runs it before compiling a
# catalogue, so a failure fails the build):
#   check-translations.sh SRCDIR LANG     every string marked in POTFILES has a
#                                         LANG translation (none missing, none
#                                         fuzzy, none obsolete-only), and every
#                                         source file that marks strings is in
#                                         POTFILES
#   check-translations.sh --update SRCDIR regenerate po/otaflash.pot, merge it
#                                         into every LINGUAS catalogue
set -euo pipefail

extract() { # SRCDIR OUT.pot
  (cd "$1" && xgettext --from-code=UTF-8 --add-comments=TRANSLATORS: \
     --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
     --keyword=g_dngettext:2,3 --keyword=ngettext:1,2 \
     --keyword=emit_log:5 --flag=emit_log:5:c-format \
     --keyword=emit_wifi:6 --flag=emit_wifi:6:c-format \
     --package-name=otaflash --msgid-bugs-address=https://github.com/otaflash/otaflash/issues \
     --files-from=po/POTFILES --output="$2" 2>/dev/null)
  # xgettext writes nothing when there is nothing to extract
  [ -s "$2" ] || { echo "check-translations: nothing extracted from po/POTFILES" >&2; exit 1; }
}

if [ "${1:-}" = --update ]; then
  src=$2
  extract "$src" "$src/po/otaflash.pot"
  while read -r lang; do
    case "$lang" in ''|'#'*) continue ;; esac
    if [ -f "$src/po/$lang.po" ]; then
      msgmerge --quiet --update --backup=none --no-fuzzy-matching "$src/po/$lang.po" "$src/po/otaflash.pot"
    else
      msginit --no-translator --locale="$lang.UTF-8" --input="$src/po/otaflash.pot" \
        --output-file="$src/po/$lang.po"
    fi
  done < "$src/po/LINGUAS"
  exit 0
fi

src=$1 lang=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# every file that marks a string is listed
missing=0
while IFS= read -r f; do
  if ! grep -qxF "$f" "$src/po/POTFILES"; then
    echo "check-translations: $f marks strings for translation but is not in po/POTFILES" >&2
    missing=1
  fi
done < <(cd "$src" && grep -rlE '(^|[^A-Za-z0-9_])N?C?_ \(|translatable="yes"' \
            src ui --include='*.c' --include='*.ui' 2>/dev/null | sort)
[ "$missing" = 0 ] || exit 1

extract "$src" "$tmp/otaflash.pot"
msgmerge --quiet --no-fuzzy-matching --output-file="$tmp/$lang.po" "$src/po/$lang.po" "$tmp/otaflash.pot"
untranslated=$(msgattrib --untranslated --no-obsolete "$tmp/$lang.po" | grep -c '^msgid ' || true)
fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$tmp/$lang.po" | grep -c '^msgid ' || true)
# the header counts once in each listing when there is anything at all
[ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
[ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
if [ "$untranslated" -ne 0 ] || [ "$fuzzy" -ne 0 ]; then
  echo "check-translations: po/$lang.po lacks $untranslated translation(s) and has $fuzzy fuzzy one(s):" >&2
  msgattrib --untranslated --no-obsolete "$tmp/$lang.po" | grep -A1 '^msgid ' | grep -v '^msgid ""$' | head -40 >&2
  msgattrib --only-fuzzy --no-obsolete "$tmp/$lang.po" | grep -A1 '^msgid ' | head -20 >&2
  echo "check-translations: run 'ninja -C build update-po', translate, and build again" >&2
  exit 1
fi
