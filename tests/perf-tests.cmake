# SPDX-License-Identifier: LGPL-2.1-or-later

# Regression tests of the performance work (issue 6) that a slower flasher
# would fail, not only a broken one. The timing of the progress relay is in
# test-progress-relay (app-tests.cmake).

# One send call per READ answer and TCP_NODELAY on the data channel, seen
# through strace during a real flash (skips when strace is missing or ptrace
# is not permitted). Not in the valgrind build: valgrind and strace cannot
# both trace the flasher, and a valgrind entry would only skip.
if(NOT OTA_VALGRIND)
  # two entries, so that a skipped flash shows as skipped in ctest
  ota_add_test(test-syscalls SOURCES test-syscalls.c TIMEOUT 300 PREFIX /perf/syscalls
               GROUPS parser flash)
  add_dependencies(test-syscalls otaflash otaflash-emu)
endif()
