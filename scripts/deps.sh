#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian packages otaflash needs to build and test, if any is
# missing. Works as root or through sudo.
set -euo pipefail

# clang and its runtime libraries (libFuzzer, sanitizers) build the fuzz
# targets (tests/fuzz/run.sh); the -14 name is Debian 12's LLVM. strace lets
# test-syscalls count the flasher's send calls.
# dbus-daemon gives test-color-scheme its own private session bus (GTestDBus)
# and runs the GUI tests under dbus-run-session; dbus-x11 lets GLib
# autolaunch a session bus under xvfb-run, as a desktop has one, so that the
# plain ctest run covers that case too (scripts/test.sh also runs them
# without any bus). libnm-dev builds the NetworkManager Wi-Fi backend;
# python3-dbusmock is the NetworkManager that test-wifi-nm runs on a private
# system bus (docs/wifi.md). libsqlite3-dev keeps the flash history
# (docs/history.md). debhelper, dpkg-dev, help2man, lintian, man-db and
# bash-completion build the Debian packages, their man pages, and check and
# try them (scripts/package.sh, tests/check-package.sh, docs/packaging.md).
# gettext compiles and checks the translations (po/); locales gives the
# zh_CN.UTF-8 locale the translation tests run in (made below), and
# fonts-wqy-microhei the CJK font the window draws it with.
# python3-pyatspi (with gir1.2-atspi-2.0) and at-spi2-core (the AT-SPI bus
# launcher and registry) let test-gui-atspi-a11y walk the window as a screen
# reader does (tests/a11y/atspi-walk.py).
packages=(cmake ninja-build gcc pkg-config libglib2.0-dev libcjson-dev libgtk-3-dev
          xvfb xauth valgrind appstream desktop-file-utils clang libclang-rt-14-dev strace
          dbus-daemon dbus-x11 libnm-dev python3-dbusmock clang-format libsqlite3-dev
          debhelper dpkg-dev fakeroot help2man lintian man-db bash-completion
          gettext locales fonts-wqy-microhei python3-pyatspi gir1.2-atspi-2.0 at-spi2-core)
if [ "${OTA_DEPS_EXTRA:-}" != "" ]; then
  read -r -a extra <<<"$OTA_DEPS_EXTRA"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
as_root=()
if [ "$(id -u)" -ne 0 ] && { [ ${#missing[@]} -gt 0 ] || ! locale -a | grep -qi '^zh_CN.utf-\?8$'; }; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]} (or the zh_CN.UTF-8 locale)" >&2; exit 1; }
  as_root=(sudo)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# the translation tests run the CLI and the window in Simplified Chinese
# (listed in /etc/locale.gen, so that a later locale-gen keeps it)
if ! locale -a | grep -qi '^zh_CN.utf-\?8$'; then
  echo "deps: generating the zh_CN.UTF-8 locale"
  if [ -f /etc/locale.gen ] && command -v locale-gen >/dev/null; then
    grep -q '^zh_CN.UTF-8 UTF-8' /etc/locale.gen ||
      echo 'zh_CN.UTF-8 UTF-8' | "${as_root[@]}" tee -a /etc/locale.gen >/dev/null
    "${as_root[@]}" locale-gen >/dev/null
  else
    "${as_root[@]}" localedef -i zh_CN -f UTF-8 zh_CN.UTF-8
  fi
fi
