# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when a file of src/core includes a GTK or GDK header.
file(GLOB files ${SRC}/*.c ${SRC}/*.h)
foreach(f ${files})
  file(STRINGS ${f} hits REGEX "#[ \t]*include[ \t]*[<\"](gtk|gdk)/")
  if(hits)
    message(FATAL_ERROR "${f} includes GTK: ${hits}")
  endif()
endforeach()
message(STATUS "src/core is GTK-free")
