# SPDX-License-Identifier: LGPL-2.1-or-later
# `cpack -G DEB` in a build directory gives a quick single Debian package for
# local use. The packages to distribute (otaflash and otaflash-cli, lintian
# clean) are scripts/package.sh's (docs/packaging.md).
# The Windows installer, with its GTK runtime, is scripts/package-windows.sh
# (docs/windows.md).
set(CPACK_PACKAGE_NAME "otaflash")
set(CPACK_PACKAGE_VENDOR "otaflash developers")
set(CPACK_PACKAGE_CONTACT "otaflash developers <otaflash@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Flasher for JieLi AC79 Wi-Fi devices (single-backup network OTA)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_GENERATOR "DEB")
if(WIN32)
  set(CPACK_GENERATOR "ZIP")
endif()
include(CPack)
