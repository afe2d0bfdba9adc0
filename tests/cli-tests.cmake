# SPDX-License-Identifier: LGPL-2.1-or-later
# End-to-end tests of `otaflash --cli` against the emulator, one ctest entry
# per group of test paths.
ota_add_test(test-cli SOURCES test-cli.c TIMEOUT 600 PREFIX /cli
  GROUPS flash recovery field same-firmware fault cancel info unreachable check bad-file-untouched
         usage help-version)
add_dependencies(test-cli otaflash otaflash-emu)

# The flash history through the command line (docs/history.md): needs SQLite.
if(OTA_HAVE_SQLITE)
  ota_add_test(test-cli-history SOURCES test-cli-history.c TIMEOUT 300)
  add_dependencies(test-cli-history otaflash otaflash-emu)
  # Batches (--batch) record every unit: the tests count the records.
  ota_add_test(test-cli-batch SOURCES test-cli-batch.c TIMEOUT 300)
  add_dependencies(test-cli-batch otaflash otaflash-emu)
endif()

# The CLI in Simplified Chinese (po/zh_CN.po) and its JSON Lines still
# English; the window's side is test-gui-zh.
if(NOT WIN32)
  ota_add_test(test-i18n SOURCES test-i18n.c TIMEOUT 120)
  add_dependencies(test-i18n otaflash otaflash-translations)
endif()
