# SPDX-License-Identifier: LGPL-2.1-or-later

# Unit tests of the core codecs, the UFW container and the firmware file.
ota_add_test(test-net-header SOURCES test-net-header.c)
ota_add_test(test-ctp SOURCES test-ctp.c)
ota_add_test(test-ufw SOURCES test-ufw.c)
# /ota/ufw/mkufw runs the generator as the other test programs do
add_dependencies(test-ufw otaflash-mkufw)
ota_add_test(test-firmware SOURCES test-firmware.c)
ota_add_test(test-http-parser SOURCES test-http-parser.c)
ota_add_test(test-description SOURCES test-description.c)
ota_add_test(test-text SOURCES test-text.c)
if(UNIX)
  # POSIX processes (/bin/sh, signals); the Windows branch is one call
  ota_add_test(test-platform SOURCES test-platform.c)
endif()

# The flash history (SQLite; docs/history.md). Without SQLite there is none
# to test.
if(OTA_HAVE_SQLITE)
  ota_add_test(test-history SOURCES test-history.c TIMEOUT 60)
endif()
