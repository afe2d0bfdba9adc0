#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages (docs/packaging.md): otaflash-cli (command line,
# emulator, generator; no GTK) and otaflash (the window), built by
# dpkg-buildpackage from packaging/debian on a copy of this tree, hardened,
# stripped, checked with lintian --pedantic (errors and warnings fail).
#   dist/otaflash_VERSION_ARCH.deb, dist/otaflash-cli_VERSION_ARCH.deb
#   dist/debug/*-dbgsym_*.deb   the split-off debug symbols
#   dist/*.changes, *.buildinfo, lintian.txt
# Needs the build dependencies of packaging/debian/control (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/otaflash-$version

# the tree as it is (committed or not), without build directories
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$src"
cp -a packaging/debian "$src/debian"

jobs=$(nproc 2>/dev/null || echo 2)
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$jobs ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
  tail -n 60 "$work/build.log" >&2
  echo "package: dpkg-buildpackage failed" >&2
  exit 1
}

rm -rf dist
mkdir -p dist
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo dist/
cp "$work/build.log" dist/build.log

if command -v lintian >/dev/null; then
  # the .changes names every package, the debug ones included
  as_root=()
  [ "$(id -u)" -eq 0 ] && as_root=(--allow-root) # CI builds as root
  if ! lintian "${as_root[@]}" --pedantic --display-info --fail-on error,warning dist/*.changes >dist/lintian.txt 2>&1; then
    cat dist/lintian.txt >&2
    echo "package: lintian found errors or warnings (dist/lintian.txt)" >&2
    exit 1
  fi
  grep -E '^[EWIP]:' dist/lintian.txt || true
fi
# the debug symbols apart, so that dist/*.deb is what gets installed
mkdir -p dist/debug
mv dist/*-dbgsym_*.deb dist/debug/
if ! command -v lintian >/dev/null; then
  echo "package: lintian is not installed, packages not checked (scripts/deps.sh)" >&2
fi
ls -1 "$root"/dist/*.deb
