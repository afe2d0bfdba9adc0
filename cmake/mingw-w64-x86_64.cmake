# SPDX-License-Identifier: LGPL-2.1-or-later
# Cross-building for 64-bit Windows with Debian's MinGW-w64 (posix threads).
#
#   cmake -S . -B build-windows -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake \
#         -DOTA_WINDOWS_PREFIX=$(scripts/windows-deps.sh --prefix gtk)
#
# OTA_WINDOWS_PREFIX is the prefix scripts/windows-deps.sh built (GLib, cJSON,
# and for the window the GTK 3 stack); pkg-config looks there only. Tests run
# under wine (CMAKE_CROSSCOMPILING_EMULATOR), so ctest works as on Linux.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(OTA_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${OTA_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${OTA_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${OTA_MINGW_TRIPLET}-windres)

# try_compile re-reads this file in a fresh project: hand the prefix on
if(NOT OTA_WINDOWS_PREFIX AND DEFINED ENV{OTA_WINDOWS_PREFIX})
  set(OTA_WINDOWS_PREFIX "$ENV{OTA_WINDOWS_PREFIX}")
endif()
set(ENV{OTA_WINDOWS_PREFIX} "${OTA_WINDOWS_PREFIX}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES OTA_WINDOWS_PREFIX)

set(CMAKE_FIND_ROOT_PATH /usr/${OTA_MINGW_TRIPLET} ${OTA_WINDOWS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(OTA_WINDOWS_PREFIX)
  set(ENV{PKG_CONFIG_LIBDIR} "${OTA_WINDOWS_PREFIX}/lib/pkgconfig")
  set(ENV{PKG_CONFIG_PATH} "")
  unset(ENV{PKG_CONFIG_SYSROOT_DIR})
endif()

# wine64 itself, not the wine launcher script (which warns about a missing
# wine32 on every run)
find_program(OTA_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_DEFAULT_PATH)
find_program(OTA_WINE NAMES wine64 wine)
if(OTA_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${OTA_WINE})
endif()
