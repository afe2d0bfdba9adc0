# SPDX-License-Identifier: LGPL-2.1-or-later
# The window, driven in-process against the emulator (test-gui.c), and the
# desktop integration files. GTK needs a display: each test runs under its
# own Xvfb through xvfb-run when it is installed, and skips itself (77)
# where there is no display at all.
#
# They pass with a session bus (a desktop's, dbus-run-session's, or the one
# GLib autolaunches through X11 when dbus-x11 is installed) and without one:
# every application is run through g_application_run() and must be finalized
# before the next starts, and none owns a bus name (G_APPLICATION_NON_UNIQUE,
# an id of its own per process and run). Label "gui": scripts/test.sh runs
# them once more under dbus-run-session and once with no bus at all.
if(OTA_BUILD_GUI)
  # registered below, one ctest entry per group, each under its own Xvfb
  ota_add_test(test-gui SOURCES test-gui.c LIBS otagui BUILD_ONLY
    ENV "OTAFLASH_EMU=$<TARGET_FILE:otaflash-emu>")
  add_dependencies(test-gui otaflash-emu)
  # no GUI test talks to the machine's NetworkManager or system bus: the
  # window's Wi-Fi is "none" here (test-gui-wifi uses a private bus of its own)
  set(gui_env "${test-gui_TEST_ENV};OTA_WIFI_BACKEND=none")
  if(OTA_SANITIZE)
    # GTK, fontconfig and friends keep caches for the life of the process;
    # the suppressions name each of them (tests/lsan-gui.supp)
    # the full unwinder: GLib's stacks have no frame pointers, and only the
    # whole stack shows that its quark table's dropped block comes from
    # _dl_init (tests/lsan-gui.supp); the windows with the batch and history
    # views make more than the first block's 2048 quarks
    list(APPEND gui_env "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/lsan-gui.supp:print_suppressions=0"
         "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0")
  endif()

  # Not under valgrind: GTK under memcheck needs suppressions of its own and
  # minutes per test; the window's code is covered by the ASan/LSan build.

  find_program(XVFB_RUN xvfb-run)
  # each group looks for a free X display from its own number up, so that
  # groups started side by side rarely race for the same one (xvfb-run -a
  # also retries)
  set(display 140)
  foreach(group flash cancel recovery file device settings demo layout a11y zh batch)
    math(EXPR display "${display} + 7")
    if(XVFB_RUN)
      add_test(NAME test-gui-${group}
        COMMAND ${XVFB_RUN} -n ${display} -a -s "-screen 0 1024x600x24 -nolisten tcp"
                $<TARGET_FILE:test-gui> -p /gui/${group})
    else()
      add_test(NAME test-gui-${group} COMMAND test-gui -p /gui/${group})
    endif()
    set(env "${gui_env}")
    if(group STREQUAL "zh")
      # the window in Simplified Chinese (po/zh_CN.po): nothing English left
      list(APPEND env "LC_ALL=zh_CN.UTF-8" "LANGUAGE=zh_CN")
    endif()
    set_tests_properties(test-gui-${group} PROPERTIES
      TIMEOUT 600 SKIP_RETURN_CODE 77 LABELS gui ENVIRONMENT "${env}")
  endforeach()

  # Following the desktop's dark/light preference (the XDG Settings portal),
  # against a fake portal on a private session bus (GTestDBus: its own
  # dbus-daemon; the portal tests skip themselves without one).
  ota_add_test(test-color-scheme SOURCES test-color-scheme.c LIBS otagui BUILD_ONLY)
  set(color_scheme_env "${test-color-scheme_TEST_ENV};OTA_WIFI_BACKEND=none")
  if(OTA_SANITIZE)
    list(APPEND color_scheme_env "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/lsan-gui.supp:print_suppressions=0")
  endif()
  if(XVFB_RUN)
    add_test(NAME test-color-scheme
      COMMAND ${XVFB_RUN} -n 230 -a -s "-screen 0 1024x600x24 -nolisten tcp"
              $<TARGET_FILE:test-color-scheme>)
  else()
    add_test(NAME test-color-scheme COMMAND test-color-scheme)
  endif()
  set_tests_properties(test-color-scheme PROPERTIES
    TIMEOUT 120 SKIP_RETURN_CODE 77 LABELS gui ENVIRONMENT "${color_scheme_env}")

  # The window as a screen reader sees it, over the real AT-SPI bus
  # (tests/a11y/atspi-walk.py, pyatspi): the real otaflash against the
  # emulator, under an Xvfb and a private session bus of its own
  # (run-atspi-walk.sh: xvfb-run, dbus-run-session), so that it passes the
  # same with the caller's session bus and without any. Skips (77) only
  # when pyatspi or a tool is missing and $OTA_A11Y_REQUIRED is not set;
  # scripts/test.sh sets it.
  find_program(OTA_PYTHON3 python3 HINTS /usr/bin)
  add_test(NAME test-gui-atspi-a11y
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/a11y/run-atspi-walk.sh 340 ${OTA_PYTHON3}
            $<TARGET_FILE:otaflash> $<TARGET_FILE:otaflash-emu> $<TARGET_FILE:otaflash-mkufw>)
  set_tests_properties(test-gui-atspi-a11y PROPERTIES
    TIMEOUT 180 SKIP_RETURN_CODE 77 LABELS gui ENVIRONMENT "${gui_env}")

  # The launcher and the AppStream metadata, as distributions check them.
  add_test(NAME gui-desktop-files
    COMMAND ${CMAKE_COMMAND} -DRES=${PROJECT_BINARY_DIR}/resources
            -P ${CMAKE_CURRENT_SOURCE_DIR}/check-desktop-files.cmake)
  set_tests_properties(gui-desktop-files PROPERTIES
    SKIP_RETURN_CODE 77 SKIP_REGULAR_EXPRESSION "SKIPPED:" TIMEOUT 60)
endif()

# The window's Wi-Fi (test-gui-wifi.c): the device network list, and a whole
# two-stage flash through the window with the engine's Wi-Fi steps against
# the emulator coupled to NetworkManager's mock on a private system bus
# (tests/wifi/harness.py). Every other GUI test keeps OTA_WIFI_BACKEND=none.
if(OTA_BUILD_GUI AND OTA_HAVE_LIBNM)
  find_program(OTA_PYTHON3 python3 HINTS /usr/bin)
  ota_add_test(test-gui-wifi SOURCES test-gui-wifi.c wifi/wifi-harness.c LIBS otagui BUILD_ONLY)
  target_include_directories(test-gui-wifi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/wifi)
  add_dependencies(test-gui-wifi otaflash-emu)
  set(gui_wifi_env "${test-gui-wifi_TEST_ENV};OTA_WIFI_BACKEND=none;OTA_TEST_PYTHON3=${OTA_PYTHON3}")
  if(OTA_SANITIZE)
    # the full unwinder: GLib's stacks have no frame pointers, and only the
    # whole stack shows that its quark table's block comes from _dl_init
    # (tests/lsan-gui.supp)
    list(APPEND gui_wifi_env "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/lsan-gui.supp:print_suppressions=0"
         "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0")
  endif()
  set(display 300)
  foreach(group list flash)
    math(EXPR display "${display} + 7")
    if(XVFB_RUN)
      add_test(NAME test-gui-wifi-${group}
        COMMAND ${XVFB_RUN} -n ${display} -a -s "-screen 0 1024x600x24 -nolisten tcp"
                $<TARGET_FILE:test-gui-wifi> -p /gui/wifi/${group})
    else()
      add_test(NAME test-gui-wifi-${group} COMMAND test-gui-wifi -p /gui/wifi/${group})
    endif()
    set_tests_properties(test-gui-wifi-${group} PROPERTIES
      TIMEOUT 600 SKIP_RETURN_CODE 77 LABELS gui ENVIRONMENT "${gui_wifi_env}")
  endforeach()
endif()
