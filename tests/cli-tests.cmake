# SPDX-License-Identifier: LGPL-2.1-or-later
# End-to-end tests of `otaflash --cli` against the emulator. One program,
# registered as several ctest entries (by test path) so that ctest -j runs
# them side by side.
ota_add_test(test-cli SOURCES test-cli.c TIMEOUT 600)
add_dependencies(test-cli otaflash otaflash-emu)
get_test_property(test-cli ENVIRONMENT cli_env)
set_tests_properties(test-cli PROPERTIES DISABLED TRUE)
foreach(group flash recovery same-firmware fault cancel info unreachable check bad-file-untouched usage help-version)
  add_test(NAME cli-${group} COMMAND test-cli -p /cli/${group})
  set_tests_properties(cli-${group} PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77 ENVIRONMENT "${cli_env}")
endforeach()
