/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "Otaflash"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#ifdef OTA_GUI_PROGRAM
#include <errno.h>
#include <unistd.h>
#endif

#include "cli/ota-cli.h"
#include "ota-i18n.h"
#ifdef OTA_HAVE_GUI
#include "ota-gui.h"
#endif

#ifdef _WIN32
#include <winsock2.h> /* before windows.h */
#include <windows.h>

/* With its window, otaflash.exe is a GUI program: Windows gives it no
 * console. The command line prints to the console it was started from;
 * output already redirected (a pipe, a file) stays where it goes. */
static void
attach_parent_console (void)
{
  HANDLE out = GetStdHandle (STD_OUTPUT_HANDLE);
  HANDLE err = GetStdHandle (STD_ERROR_HANDLE);
  int out_set = out != NULL && out != INVALID_HANDLE_VALUE;
  int err_set = err != NULL && err != INVALID_HANDLE_VALUE;

  if (out_set && err_set)
    return;
  if (!AttachConsole (ATTACH_PARENT_PROCESS))
    return; /* started from Explorer: nowhere to print */
  if (!out_set)
    (void) !freopen ("CONOUT$", "w", stdout);
  if (!err_set)
    (void) !freopen ("CONOUT$", "w", stderr);
}
#else
static void
attach_parent_console (void)
{
}
#endif

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  ota_i18n_init ();
  /* the window's GtkBuilder files and GLib's option help look up here too */
  textdomain (GETTEXT_PACKAGE);

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
        {
          attach_parent_console ();
          return ota_cli_run (argc, argv);
        }
    }
#ifdef OTA_HAVE_GUI
  return ota_gui_run (argc, argv);
#else
#ifdef OTA_GUI_PROGRAM
  /* split packages (docs/packaging.md): the window is the otaflash
   * package's program, this otaflash (otaflash-cli) runs it when installed */
  execv (OTA_GUI_PROGRAM, argv);
  if (errno != ENOENT)
    {
      fprintf (stderr, "otaflash: cannot start the window (%s: %s)\n", OTA_GUI_PROGRAM,
               strerror (errno));
      return 2;
    }
  fprintf (stderr, "otaflash: the window is not installed (the otaflash package); "
                   "without it: otaflash --cli --help\n");
#else
  fprintf (stderr, "otaflash was built without its window; use: otaflash --cli --help\n");
#endif
  return 2;
#endif
}
