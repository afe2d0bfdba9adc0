# SPDX-License-Identifier: LGPL-2.1-or-later

# The Wi-Fi layer (docs/wifi.md). test-wifi: the portable parts (device
# networks, --wifi auto, the network event, the Windows profile XML, the
# "none" backend). test-wifi-nm: the NetworkManager backend against
# python-dbusmock on a private system bus the test starts (wifi/nm-mock.py);
# it refuses to run on any other bus.
ota_add_test(test-wifi SOURCES test-wifi.c)
if(OTA_HAVE_LIBNM)
  target_compile_definitions(test-wifi PRIVATE OTA_TEST_HAVE_LIBNM=1)
  # Debian's interpreter, the one python3-dbusmock is installed for (a
  # python3 earlier on PATH, e.g. pyenv's, may not have it)
  find_program(OTA_PYTHON3 python3 HINTS /usr/bin)
  find_program(OTA_DBUS_DAEMON dbus-daemon)
  if(NOT OTA_PYTHON3 OR NOT OTA_DBUS_DAEMON)
    message(FATAL_ERROR "test-wifi-nm needs python3 and dbus-daemon (scripts/deps.sh installs them)")
  endif()
  ota_add_test(test-wifi-nm SOURCES test-wifi-nm.c wifi/wifi-test-bus.c TIMEOUT 300
               ENV OTA_TEST_PYTHON3=${OTA_PYTHON3})
  target_include_directories(test-wifi-nm PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/wifi)
  # /ota/wifi/nm/cli-scan runs otaflash --cli --scan on the private bus
  add_dependencies(test-wifi-nm otaflash)
endif()

# A whole flash with the Wi-Fi steps (otaflash --cli --wifi), end to end:
# the emulator coupled to the mock by wifi/harness.py on a private bus of
# its own, one ctest entry per case so that they run side by side.
if(OTA_HAVE_LIBNM)
  ota_add_test(test-wifi-flash SOURCES test-wifi-flash.c wifi/wifi-harness.c TIMEOUT 600
               ENV OTA_TEST_PYTHON3=${OTA_PYTHON3}
               PREFIX /wifi/flash
               GROUPS both-stages updater-open-gateway auto-recovery not-in-range wrong-password
                      password lost-between-stages batch no-backend usage)
  target_include_directories(test-wifi-flash PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/wifi)
  add_dependencies(test-wifi-flash otaflash otaflash-emu)
endif()
