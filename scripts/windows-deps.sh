#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Windows (x86_64, MinGW-w64) libraries otaflash needs from Debian
# *source* packages, into a prefix cached outside the clone.
#
#   scripts/windows-deps.sh [glib|gtk]          build (default: gtk = everything)
#   scripts/windows-deps.sh --prefix glib|gtk   print the prefix if it is built
#                                               (exit 1 and print nothing if not)
#   scripts/windows-deps.sh --toolchain         only install the cross toolchain
#
# Layers, in build order:
#   glib  zlib, libffi, pcre2 (8-bit), a libintl stub, GLib, cJSON
#   gtk   the glib layer + libpng, pixman, fribidi, freetype, harfbuzz, cairo,
#         pango, gdk-pixbuf, libepoxy, ATK (from at-spi2-core), GTK 3
#
# Cache: ${OTA_WINDOWS_CACHE:-/var/cache/otaflash-windows}
#   src/                     the original tarballs, checked against apt's SHA256
#   NN-<pkg>-<version>-<key> one snapshot of the prefix after each package;
#                            <key> hashes the previous step's key, the package's
#                            source version and hash, its recipe (the bash
#                            function below) and the common recipe (toolchain
#                            versions, cross files, helpers). Changing one
#                            recipe rebuilds that package and the ones after it.
#   wine/                    the WINEPREFIX meson's exe_wrapper runs checks in
# Removing the whole cache directory is always safe.
#
# Only Debian's archive is used: deb-src is enabled here (bookworm, plus
# trixie for at-spi2-core, whose bookworm tarball the mirror lacks) and the
# files apt-get source lists are fetched by apt's own downloader, which
# verifies their SHA256. Debian's patches are not applied: the upstream
# sources are cross-built as they are.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${OTA_WINDOWS_CACHE:-/var/cache/otaflash-windows}
jobs=${OTA_WINDOWS_JOBS:-$(nproc 2>/dev/null || echo 2)}
triplet=x86_64-w64-mingw32

toolchain_packages=(gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
                    mingw-w64-x86-64-dev meson ninja-build cmake pkg-config wine wine64 nsis
                    xz-utils bzip2 make python3 libglib2.0-dev-bin libglib2.0-dev
                    librsvg2-bin xvfb xauth x11-apps fonts-wine)

say() { echo "windows-deps: $*" >&2; }
die() { say "$*"; exit 1; }

as_root=()
need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to $*"
    as_root=(sudo)
  fi
}

install_toolchain() {
  local missing=() p
  for p in "${toolchain_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root "install ${missing[*]}"
  say "installing ${missing[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
    install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# deb-src entries with the same mirror as the machine's binary entries.
deb_src_file=/etc/apt/sources.list.d/otaflash-deb-src.sources
enable_deb_src() {
  if apt-get source --print-uris -qq glib2.0/bookworm >/dev/null 2>&1 &&
     apt-get source --print-uris -qq at-spi2-core/trixie >/dev/null 2>&1; then
    return 0
  fi
  need_root "enable deb-src in $deb_src_file"
  say "enabling Debian source packages ($deb_src_file)"
  "${as_root[@]}" tee "$deb_src_file" >/dev/null <<'EOF'
# Added by otaflash scripts/windows-deps.sh: Debian source packages for the
# Windows cross build (bookworm; trixie only for at-spi2-core, which holds ATK).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=900 update -qq ||
    die "apt-get update failed after enabling deb-src"
}

# The build order: "name source/suite layer".
steps=(
  "zlib zlib/bookworm glib"
  "libffi libffi/bookworm glib"
  "pcre2 pcre2/bookworm glib"
  "libintl - glib"
  "glib glib2.0/bookworm glib"
  "cjson cjson/bookworm glib"
  "libpng libpng1.6/bookworm gtk"
  "pixman pixman/bookworm gtk"
  "fribidi fribidi/bookworm gtk"
  "freetype freetype/bookworm gtk"
  "harfbuzz harfbuzz/bookworm gtk"
  "cairo cairo/bookworm gtk"
  "pango pango1.0/bookworm gtk"
  "gdkpixbuf gdk-pixbuf/bookworm gtk"
  "epoxy libepoxy/bookworm gtk"
  "atk at-spi2-core/trixie gtk"
  "gtk gtk+3.0/bookworm gtk"
)

# Prints "uri file size hash" of a source package's original tarball (the
# main one, not -component tarballs or signatures).
orig_of() {
  apt-get source --print-uris -qq "$1" 2>/dev/null |
    grep -E "^'[^']+\.orig\.tar\.(gz|xz|bz2)' " | grep -v -- '\.orig-' | head -n1 | tr -d "'"
}

fetch() { # fetch URI FILE SHA256:...
  local uri=$1 file=$2 hash=$3
  mkdir -p "$cache/src"
  if [ -f "$cache/src/$file" ]; then
    [ "$(sha256sum "$cache/src/$file" | cut -d' ' -f1)" = "${hash#SHA256:}" ] && return 0
    rm -f "$cache/src/$file"
  fi
  /usr/lib/apt/apt-helper download-file "$uri" "$cache/src/$file.part" "$hash" >/dev/null 2>&1 ||
    die "could not download $uri (the Debian mirror may lack this file)"
  mv "$cache/src/$file.part" "$cache/src/$file"
}

unpack() { # unpack FILE DIR: the tarball's top folder becomes DIR
  rm -rf "$2" && mkdir -p "$2"
  tar -xf "$cache/src/$1" -C "$2" --strip-components=1
}

# ---------------------------------------------------------------------------
# The common recipe: environment every package is built in.

write_cross_files() { # write_cross_files PREFIX DIR
  local p=$1 d=$2
  mkdir -p "$d"
  cat >"$d/meson-cross.ini" <<EOF
[binaries]
c = '$triplet-gcc-posix'
cpp = '$triplet-g++-posix'
ar = '$triplet-ar'
strip = '$triplet-strip'
windres = '$triplet-windres'
pkgconfig = 'pkg-config'
exe_wrapper = '$(wine_bin)'

[properties]
pkg_config_libdir = '$p/lib/pkgconfig'

[built-in options]
c_args = ['-I$p/include']
cpp_args = ['-I$p/include']
c_link_args = ['-L$p/lib']
cpp_link_args = ['-L$p/lib', '-static-libstdc++', '-static-libgcc']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF
}

wine_bin() {
  if [ -x /usr/lib/wine/wine64 ]; then echo /usr/lib/wine/wine64; else command -v wine64 || command -v wine; fi
}

common_env() { # common_env PREFIX
  export PKG_CONFIG_LIBDIR="$1/lib/pkgconfig" PKG_CONFIG_PATH=""
  unset PKG_CONFIG_SYSROOT_DIR DISPLAY WAYLAND_DISPLAY
  export WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  # checks run through wine must find the prefix's DLLs
  export WINEPATH="$1/bin;/usr/lib/gcc/$triplet/12-posix;/usr/$triplet/lib"
  export CC=$triplet-gcc-posix CXX=$triplet-g++-posix AR=$triplet-ar RANLIB=$triplet-ranlib
  export WINDRES=$triplet-windres RC=$triplet-windres STRIP=$triplet-strip
  export CPPFLAGS="-I$1/include" LDFLAGS="-L$1/lib" CFLAGS="-O2 -g0" CXXFLAGS="-O2 -g0"
}

init_wine() {
  [ -f "$cache/wine/system.reg" ] && return 0
  say "creating the WINEPREFIX $cache/wine"
  WINEPREFIX="$cache/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= \
    "$(wine_bin)" wineboot -i >/dev/null 2>&1 || true
  # wineboot returns before the registry is written
  WINEPREFIX="$cache/wine" "$(dirname "$(wine_bin)")/wineserver" -w 2>/dev/null ||
    WINEPREFIX="$cache/wine" wineserver -w || true
  [ -f "$cache/wine/system.reg" ] || die "wineboot did not create $cache/wine"
}

meson_build() { # meson_build SRC PREFIX BUILD [options...]
  local src=$1 p=$2 b=$3
  shift 3
  meson setup "$b" "$src" --cross-file "$b.cross/meson-cross.ini" --prefix "$p" --libdir lib \
    --buildtype release --default-library shared --wrap-mode nodownload "$@"
  ninja -C "$b" -j "$jobs"
  meson install -C "$b" --no-rebuild >/dev/null
}

cmake_build() { # cmake_build SRC PREFIX BUILD [options...]
  local src=$1 p=$2 b=$3
  shift 3
  cmake -S "$src" -B "$b" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/mingw-w64-x86_64.cmake" \
    -DOTA_WINDOWS_PREFIX="$p" -DCMAKE_INSTALL_PREFIX="$p" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$p" -DBUILD_SHARED_LIBS=ON "$@" >/dev/null
  ninja -C "$b" -j "$jobs"
  ninja -C "$b" install >/dev/null
}

autotools_build() { # autotools_build SRC PREFIX BUILD [configure options...]
  local src=$1 p=$2 b=$3
  shift 3
  mkdir -p "$b"
  (cd "$b" && "$src/configure" --host=$triplet --build="$(uname -m)-linux-gnu" --prefix="$p" \
     --enable-shared --disable-static "$@" >configure.out)
  make -C "$b" -j "$jobs" >/dev/null
  make -C "$b" install >/dev/null
}

# ---------------------------------------------------------------------------
# One recipe per package: build_<name> SRC PREFIX BUILD

build_zlib() {
  # Debian's zlib tarball has no win32/ folder (no Makefile.gcc, no .rc):
  # the DLL is linked by hand; MinGW exports every function of it
  local s=$1 p=$2 b=$3 f
  mkdir -p "$b"
  for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate \
           inftrees trees uncompr zutil; do
    $CC $CFLAGS -c "$s/$f.c" -o "$b/$f.o"
  done
  $CC -shared -o "$p/bin/zlib1.dll" "$b"/*.o -Wl,--out-implib,"$p/lib/libz.dll.a"
  cp "$s/zlib.h" "$s/zconf.h" "$p/include/"
  mkdir -p "$p/lib/pkgconfig"
  cat >"$p/lib/pkgconfig/zlib.pc" <<EOF
prefix=$p
libdir=\${prefix}/lib
includedir=\${prefix}/include
Name: zlib
Description: zlib compression library
Version: $(sed -n 's/^#define ZLIB_VERSION "\(.*\)"/\1/p' "$s/zlib.h")
Libs: -L\${libdir} -lz
Cflags: -I\${includedir}
EOF
}

build_libffi() {
  autotools_build "$1" "$2" "$3" --disable-docs --disable-multi-os-directory
}

build_pcre2() {
  cmake_build "$1" "$2" "$3" -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF \
    -DPCRE2_BUILD_PCRE2_32=OFF -DPCRE2_BUILD_TESTS=OFF -DPCRE2_BUILD_PCRE2GREP=OFF \
    -DPCRE2_SUPPORT_UNICODE=ON -DPCRE2_STATIC_PIC=ON
}

# A libintl that returns the untranslated message: otaflash and GLib/GTK are
# shown in English on Windows (gettext's runtime would add translations and
# minutes of build). The format_arg attributes keep -Wformat-nonliteral happy.
build_libintl() {
  local p=$2 b=$3
  mkdir -p "$b" "$p/include" "$p/lib" "$p/bin"
  cat >"$p/include/libintl.h" <<'EOF'
/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal libintl for the otaflash Windows build: no translations. */
#ifndef OTA_LIBINTL_H
#define OTA_LIBINTL_H
#include <locale.h>
/* Windows has no LC_MESSAGES category: the value GNU libintl gives it */
#ifndef LC_MESSAGES
#define LC_MESSAGES 1729
#endif
#ifdef __cplusplus
extern "C" {
#endif
#define __GNU_GETTEXT_SUPPORTED_REVISION(major) ((major) == 0 ? 1 : -1)
char *gettext (const char *msgid) __attribute__ ((__format_arg__ (1)));
char *dgettext (const char *domain, const char *msgid) __attribute__ ((__format_arg__ (2)));
char *dcgettext (const char *domain, const char *msgid, int category) __attribute__ ((__format_arg__ (2)));
char *ngettext (const char *msgid, const char *plural, unsigned long n)
  __attribute__ ((__format_arg__ (1))) __attribute__ ((__format_arg__ (2)));
char *dngettext (const char *domain, const char *msgid, const char *plural, unsigned long n)
  __attribute__ ((__format_arg__ (2))) __attribute__ ((__format_arg__ (3)));
char *dcngettext (const char *domain, const char *msgid, const char *plural, unsigned long n,
                  int category) __attribute__ ((__format_arg__ (2))) __attribute__ ((__format_arg__ (3)));
char *textdomain (const char *domain);
char *bindtextdomain (const char *domain, const char *dirname);
char *bind_textdomain_codeset (const char *domain, const char *codeset);
#ifdef __cplusplus
}
#endif
#endif
EOF
  cat >"$b/intl.c" <<'EOF'
/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libintl.h>
static char domain_name[256] = "messages";
char *gettext (const char *m) { return (char *) m; }
char *dgettext (const char *d, const char *m) { (void) d; return (char *) m; }
char *dcgettext (const char *d, const char *m, int c) { (void) d; (void) c; return (char *) m; }
char *ngettext (const char *m, const char *p, unsigned long n) { return (char *) (n == 1 ? m : p); }
char *dngettext (const char *d, const char *m, const char *p, unsigned long n)
{ (void) d; return (char *) (n == 1 ? m : p); }
char *dcngettext (const char *d, const char *m, const char *p, unsigned long n, int c)
{ (void) d; (void) c; return (char *) (n == 1 ? m : p); }
char *textdomain (const char *d)
{
  if (d != 0 && *d != 0) {
    unsigned i = 0;
    for (; d[i] != 0 && i + 1 < sizeof domain_name; i++)
      domain_name[i] = d[i];
    domain_name[i] = 0;
  }
  return domain_name;
}
char *bindtextdomain (const char *d, const char *dir) { (void) d; return (char *) dir; }
char *bind_textdomain_codeset (const char *d, const char *c) { (void) d; return (char *) c; }
EOF
  $triplet-gcc-posix -O2 -shared -I"$p/include" -o "$p/bin/libintl-8.dll" "$b/intl.c" \
    -Wl,--out-implib,"$p/lib/libintl.dll.a"
}

build_glib() {
  meson_build "$1" "$2" "$3" -Dtests=false -Dinstalled_tests=false -Dman=false -Dgtk_doc=false \
    -Dnls=disabled -Dselinux=disabled -Dxattr=false -Dlibmount=disabled -Dsysprof=disabled \
    -Dglib_debug=disabled -Dlibelf=disabled
}

build_cjson() {
  # no custom flags: they add -fstack-protector-strong, which needs libssp-0.dll
  cmake_build "$1" "$2" "$3" -DENABLE_CJSON_TEST=OFF -DENABLE_CUSTOM_COMPILER_FLAGS=OFF \
    -DENABLE_CJSON_UTILS=OFF -DENABLE_TARGET_EXPORT=OFF
}

build_libpng() {
  cmake_build "$1" "$2" "$3" -DPNG_SHARED=ON -DPNG_STATIC=OFF -DPNG_TESTS=OFF \
    -DPNG_EXECUTABLES=OFF -DZLIB_ROOT="$2"
}

build_pixman() {
  meson_build "$1" "$2" "$3" -Dtests=disabled -Dgtk=disabled -Dlibpng=disabled -Dopenmp=disabled
}

build_fribidi() {
  meson_build "$1" "$2" "$3" -Ddocs=false
}

build_freetype() {
  meson_build "$1" "$2" "$3" -Dharfbuzz=disabled -Dbrotli=disabled -Dbzip2=disabled \
    -Dpng=enabled -Dzlib=enabled -Dtests=disabled
}

build_harfbuzz() {
  meson_build "$1" "$2" "$3" -Dglib=enabled -Dgobject=disabled -Dcairo=disabled -Dchafa=disabled \
    -Dicu=disabled -Dfreetype=enabled -Dtests=disabled -Dintrospection=disabled -Ddocs=disabled \
    -Dbenchmark=disabled
}

build_cairo() {
  # cairo 1.16 has no meson build yet. Its warning flags carry
  # _FORTIFY_SOURCE, whose checks MinGW keeps in libssp: not wanted
  sed -i 's/ -Wp,-D_FORTIFY_SOURCE=2//' "$1/configure"
  autotools_build "$1" "$2" "$3" --enable-win32 --enable-win32-font --enable-png --enable-ft \
    --disable-fc --disable-xlib --disable-xcb --disable-quartz --disable-gl --disable-glesv2 \
    --disable-script --disable-interpreter --disable-trace --disable-symbol-lookup \
    --disable-gtk-doc --disable-valgrind --enable-ps --enable-pdf --enable-svg
}

build_pango() {
  meson_build "$1" "$2" "$3" -Dintrospection=disabled -Dgtk_doc=false -Dinstall-tests=false \
    -Dfontconfig=disabled -Dxft=disabled -Dlibthai=disabled -Dsysprof=disabled -Dcairo=enabled \
    -Dfreetype=disabled
}

build_gdkpixbuf() {
  meson_build "$1" "$2" "$3" -Dpng=enabled -Djpeg=disabled -Dtiff=disabled -Dintrospection=disabled \
    -Dman=false -Dgtk_doc=false -Ddocs=false -Dtests=false -Dinstalled_tests=false \
    -Dbuiltin_loaders=png -Dnative_windows_loaders=false -Drelocatable=true
}

build_epoxy() {
  meson_build "$1" "$2" "$3" -Dtests=false -Ddocs=false -Degl=no -Dglx=no -Dx11=false
}

build_atk() {
  # at-spi2-core carries ATK; on Windows only ATK itself is wanted, which
  # does not use libxml2 (required unconditionally by the top meson.build)
  sed -i "s/^libxml_dep = dependency('libxml-2.0', version: libxml_req_version)\$/libxml_dep = dependency('libxml-2.0', version: libxml_req_version, required: not get_option('atk_only'))/" \
    "$1/meson.build"
  meson_build "$1" "$2" "$3" -Datk_only=true -Dintrospection=disabled -Ddocs=false -Dx11=disabled
}

build_gtk() {
  meson_build "$1" "$2" "$3" -Dx11_backend=false -Dwayland_backend=false -Dwin32_backend=true \
    -Dbroadway_backend=false -Dquartz_backend=false -Dintrospection=false -Ddemos=false \
    -Dexamples=false -Dtests=false -Dinstalled_tests=false -Dgtk_doc=false -Dman=false \
    -Dcolord=no -Dprint_backends=auto -Dbuiltin_immodules=yes -Dcloudproviders=false
  # the GSettings schemas GTK's file chooser and colour chooser need
  glib-compile-schemas "$2/share/glib-2.0/schemas"
}

# ---------------------------------------------------------------------------

common_hash() {
  {
    declare -f write_cross_files wine_bin common_env meson_build cmake_build autotools_build
    cat "$repo/cmake/mingw-w64-x86_64.cmake"
    $triplet-gcc-posix --version | head -n1
    dpkg-query -W -f='${Version}\n' mingw-w64-x86-64-dev meson wine64 2>/dev/null
  } | sha256sum | cut -c1-16
}

# Prints one line per step up to the last one of LAYER: "name uri file hash
# version dir". Each step's key chains the previous one's.
plan() {
  local want=$1 key n=0 last line name spec layer uri file size hash version
  key=$(common_hash)
  last=$(last_step_of "$want")
  for line in "${steps[@]}"; do
    read -r name spec layer <<<"$line"
    n=$((n + 1))
    [ "$n" -gt "$last" ] && break
    if [ "$spec" = "-" ]; then
      uri=- file=- hash=- version=1
    else
      read -r uri file size hash <<<"$(orig_of "$spec")" || true
      [ -n "${file:-}" ] || die "apt-get source lists no original tarball for $spec (is deb-src enabled?)"
      version=$(sed -E 's/^[^_]+_(.*)\.orig\.tar\..*/\1/' <<<"$file")
    fi
    key=$( { echo "$key $name $version $hash"; declare -f "build_$name"; } | sha256sum | cut -c1-16)
    echo "$name $uri $file $hash $version $cache/$(printf '%02d' $n)-$name-$version-$key"
  done
}

# Builds the steps of LAYER (and the ones before it) that are not cached yet;
# prints the final prefix.
build_layer() {
  local prev="" name uri file hash version dir t0 steps_plan rc
  steps_plan=$(plan "$1")
  while read -r name uri file hash version dir; do
    if [ ! -f "$dir/done" ]; then
      [ "$file" != - ] && fetch "$uri" "$file" "$hash"
      say "building $name $version ..."
      t0=$SECONDS
      rm -rf "$dir"
      mkdir -p "$dir"
      if [ -n "$prev" ]; then
        # the prefix is built in place under its final name (.pc files and
        # libtool archives keep absolute paths): copy the previous step's and
        # point its text files here
        cp -a "$prev/prefix" "$dir/prefix"
        grep -rlIF "$prev/prefix" "$dir/prefix" | while read -r f; do
          sed -i "s|$prev/prefix|$dir/prefix|g" "$f"
        done
      else
        mkdir -p "$dir/prefix/bin" "$dir/prefix/lib/pkgconfig" "$dir/prefix/include"
      fi
      [ "$file" != - ] && unpack "$file" "$dir/src"
      write_cross_files "$dir/prefix" "$dir/build.cross"
      # errexit must hold inside the recipe: run it outside any condition
      set +e
      (set -e; common_env "$dir/prefix"; cd "$dir"; "build_$name" "$dir/src" "$dir/prefix" "$dir/build") \
        >"$dir/build.log" 2>&1
      rc=$?
      set -e
      if [ "$rc" -ne 0 ]; then
        tail -n 40 "$dir/build.log" >&2
        die "$name $version failed after $((SECONDS - t0)) s: full log in $dir/build.log"
      fi
      rm -rf "$dir/src" "$dir/build" "$dir/build.cross"
      echo "$((SECONDS - t0))" >"$dir/seconds"
      touch "$dir/done"
      say "built $name $version in $((SECONDS - t0)) s"
    else
      say "cached $name $version (built in $(cat "$dir/seconds" 2>/dev/null || echo '?') s)"
    fi
    prev=$dir
  done <<<"$steps_plan"
  echo "$prev/prefix"
}

last_step_of() {
  local n=0 last=0 line name spec layer
  for line in "${steps[@]}"; do
    n=$((n + 1))
    read -r name spec layer <<<"$line"
    [ "$layer" = "$1" ] && last=$n
  done
  echo "$last"
}

# The DLLs of the compiler's runtime, next to the libraries that need them.
add_runtime_dlls() {
  local p=$1 f
  for f in /usr/$triplet/lib/libwinpthread-1.dll /usr/lib/gcc/$triplet/12-posix/libgcc_s_seh-1.dll \
           /usr/lib/gcc/$triplet/12-posix/libstdc++-6.dll /usr/lib/gcc/$triplet/12-posix/libssp-0.dll; do
    [ -f "$f" ] && [ ! -f "$p/bin/$(basename "$f")" ] && cp "$f" "$p/bin/"
  done
  return 0
}

main() {
  local mode=build want=gtk
  case "${1:-}" in
    --prefix) mode=prefix; want=${2:-gtk} ;;
    --toolchain) install_toolchain; exit 0 ;;
    glib|gtk) want=$1 ;;
    "") ;;
    *) die "usage: $0 [glib|gtk] | --prefix glib|gtk | --toolchain" ;;
  esac
  case "$want" in glib|gtk) ;; *) die "unknown layer: $want" ;; esac

  if [ "$mode" = prefix ]; then
    local dir
    dir=$(plan "$want" 2>/dev/null | tail -n1 | awk '{print $6}') || exit 1
    [ -n "$dir" ] && [ -f "$dir/done" ] || exit 1
    echo "$dir/prefix"
    exit 0
  fi

  install_toolchain
  enable_deb_src
  # warm: everything cached, nothing to build (and no lock to wait for)
  local last steps_plan
  steps_plan=$(plan "$want")
  last=$(tail -n1 <<<"$steps_plan" | awk '{print $6}')
  if [ -f "$last/done" ]; then
    while read -r _ _ _ _ version dir; do
      say "cached $(basename "$dir") (built in $(cat "$dir/seconds") s)"
    done <<<"$steps_plan"
    add_runtime_dlls "$last/prefix"
    echo "$last/prefix"
    return 0
  fi
  if [ ! -w "$(dirname "$cache")" ] && [ ! -d "$cache" ]; then
    need_root "create $cache"
    "${as_root[@]}" mkdir -p "$cache" && "${as_root[@]}" chown "$(id -u):$(id -g)" "$cache"
  fi
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
  init_wine
  local p
  p=$(build_layer "$want")
  add_runtime_dlls "$p"
  echo "$p"
}

main "$@"
exit
