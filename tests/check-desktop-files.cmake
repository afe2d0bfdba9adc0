# SPDX-License-Identifier: LGPL-2.1-or-later
# Validates the .desktop launcher and the AppStream metainfo with the tools
# distributions use. Prints "SKIPPED:" (the test's SKIP_REGULAR_EXPRESSION)
# when a tool is not installed: `cmake -P` cannot exit with 77 before 3.29.
# cmake -DRES=<resources dir> -P check-desktop-files.cmake
find_program(DESKTOP_FILE_VALIDATE desktop-file-validate)
find_program(APPSTREAMCLI appstreamcli)
if(NOT DESKTOP_FILE_VALIDATE OR NOT APPSTREAMCLI)
  message("SKIPPED: desktop-file-validate or appstreamcli is not installed (scripts/deps.sh)")
  return()
endif()

set(desktop ${RES}/io.github.otaflash.Otaflash.desktop)
set(metainfo ${RES}/io.github.otaflash.Otaflash.metainfo.xml)
execute_process(COMMAND ${DESKTOP_FILE_VALIDATE} ${desktop}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
# desktop-file-validate exits 0 on hints too: any "error:" fails
if(NOT rc EQUAL 0 OR out MATCHES "error:")
  message(FATAL_ERROR "desktop-file-validate: ${desktop} is not valid")
endif()
execute_process(COMMAND ${APPSTREAMCLI} validate --no-net ${metainfo}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "appstreamcli validate: ${metainfo} is not valid")
endif()
