# SPDX-License-Identifier: LGPL-2.1-or-later

# Unit tests of the app-side core (channels, transfer, relay, events), each
# against small fake peers on 127.0.0.1 inside the test process.
set(OTA_TEST_PEER ${CMAKE_CURRENT_SOURCE_DIR}/ota-test-peer.c)
ota_add_test(test-transfer SOURCES test-transfer.c ${OTA_TEST_PEER} TIMEOUT 60)
ota_add_test(test-progress-relay SOURCES test-progress-relay.c TIMEOUT 60)
ota_add_test(test-ctp-client SOURCES test-ctp-client.c ${OTA_TEST_PEER} TIMEOUT 60)
ota_add_test(test-http-client SOURCES test-http-client.c ${OTA_TEST_PEER} TIMEOUT 60)
ota_add_test(test-event SOURCES test-event.c TIMEOUT 60)

# The flash engine in-process against the emulator: cancel policy, reuse,
# retries, evidence, and the advice table.
ota_add_test(test-flash SOURCES test-flash.c TIMEOUT 300)

# The history's recorder on a real flash: three database writes per flash,
# none during the transfer (docs/history.md, docs/performance.md).
if(OTA_HAVE_SQLITE)
  ota_add_test(test-history-recorder SOURCES test-history-recorder.c TIMEOUT 300)
endif()
