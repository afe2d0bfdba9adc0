/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Otaflash"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/ota-cli.h"
#ifdef OTA_HAVE_GUI
#include "ota-gui.h"
#endif

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  /* --cli is decided before GTK is initialised, so that scripts need no
   * display at all */
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      /* the version, like the command line, needs no display (nor a
       * build with the window) */
      if (strcmp (argv[i], "--cli") == 0 || strcmp (argv[i], "--version") == 0
          || strcmp (argv[i], "-V") == 0)
        return ota_cli_run (argc, argv);
    }
#ifdef OTA_HAVE_GUI
  return ota_gui_run (argc, argv);
#else
  fprintf (stderr, "otaflash was built without its window; use: otaflash --cli --help\n");
  return 2;
#endif
}
