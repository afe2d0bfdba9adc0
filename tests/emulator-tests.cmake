# SPDX-License-Identifier: LGPL-2.1-or-later

# The device emulator, driven by a raw test app (emu-test-client.c) built on
# the core codecs, not by the flasher.
ota_add_test(test-emulator
  SOURCES test-emulator.c emu-test-client.c
  TIMEOUT 180)
ota_add_test(test-emulator-faults
  SOURCES test-emulator-faults.c emu-test-client.c
  TIMEOUT 180)
# The additions for the field: erase, the updater's 3333, retries, the end
# faults, the Wi-Fi face and --control-stdin.
ota_add_test(test-emulator-field
  SOURCES test-emulator-field.c emu-test-client.c
  TIMEOUT 180)
