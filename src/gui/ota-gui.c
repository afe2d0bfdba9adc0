/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-gui.h"

#include <stdio.h>

/* The window is the subject of its own issue; until it lands the flasher is
 * headless only. */
int
ota_gui_run (int argc, char **argv)
{
  fprintf (stderr, "The otaflash window is not part of this build yet.\n"
                   "Use the command line: otaflash --cli --help\n");
  return 2;
}
