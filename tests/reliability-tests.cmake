# SPDX-License-Identifier: LGPL-2.1-or-later
# Reliability and security (docs/reliability.md): the fault matrix, hostile
# devices, bad files, fuzz targets and the soak program.

# Every emulator fault at the start, middle and end of each stage, one ctest
# entry per group (/matrix/<group>/<row>) so that ctest -j runs them side by side.
# Groups are positions in the transfer, each 7-31 s natively (docs/reliability.md).
ota_add_test(test-fault-matrix SOURCES test-fault-matrix.c TIMEOUT 900 PREFIX /matrix
  GROUPS refused stage1-before stage1-after-start stage1-after-middle stage1-after-end
         stage2-retried-before-total stage2-retried-start stage2-retried-middle
         stage2-retried-end stage2-stranded power-loss-stage2 reboot)
add_dependencies(test-fault-matrix otaflash otaflash-emu)
# the longest groups first when ctest has no timings of its own yet (a fresh build)
set_tests_properties(test-fault-matrix-power-loss-stage2 PROPERTIES COST 30)
set_tests_properties(test-fault-matrix-reboot PROPERTIES COST 16)
if(OTA_VALGRIND)
  set_tests_properties(valgrind-test-fault-matrix-power-loss-stage2 PROPERTIES COST 30)
  set_tests_properties(valgrind-test-fault-matrix-reboot PROPERTIES COST 16)
endif()

# A hostile device: fake servers in the test process, and the emulator's
# hostile requests; bounded time and memory of the flasher.
ota_add_test(test-hostile SOURCES test-hostile.c ota-test-peer.c TIMEOUT 300 PREFIX /hostile
  GROUPS http ctp data emulator)
add_dependencies(test-hostile otaflash otaflash-emu)

# Bad files: exit 4, a precise message, the device never touched.
ota_add_test(test-badfile SOURCES test-badfile.c TIMEOUT 300 PREFIX /badfile GROUPS check flash)
add_dependencies(test-badfile otaflash otaflash-emu)

# libFuzzer targets of the parsers (clang only): tests/fuzz/run.sh
option(OTA_FUZZ "Build the libFuzzer targets (fuzz-*; needs clang)" OFF)
if(OTA_FUZZ)
  add_subdirectory(fuzz)
endif()

# The soak program (not a ctest; tests/soak.sh runs it): N flashes in one
# process, resident memory and descriptors printed every 10 flashes.
add_executable(otaflash-soak soak.c)
target_link_libraries(otaflash-soak PRIVATE otacore otatestutil)
add_dependencies(otaflash-soak otaflash-emu)
