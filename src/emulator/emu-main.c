/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

/* otaflash-emu: a JieLi AC79 Wi-Fi device for tests, benchmarks and demos,
 * as strict and as quirky as the real one (docs/emulator.md). */

#include <stdio.h>
#include <stdlib.h>
#include <gio/gio.h>

#ifdef G_OS_UNIX
#include <signal.h>
#include <glib-unix.h>
#endif

#include "emu-control.h"
#include "emu-device.h"
#include "emu-faults.h"
#include "emu-options.h"
#include "ota-platform.h"

#define EXIT_USAGE 2

static gboolean
stop_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EmuOptions, emu_options_clear)

int
main (int argc, char **argv)
{
  g_auto (EmuOptions) opts = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (EmuFaults) faults = emu_faults_new ();
  g_autoptr (EmuDevice) device = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree gchar *ssid = NULL;
  gboolean exit_now = FALSE;
  guint violations;

  if (!emu_options_parse (&opts, faults, &argc, &argv, &exit_now, &error))
    {
      g_printerr ("otaflash-emu: %s\nTry --help.\n", error->message);
      return EXIT_USAGE;
    }
  if (exit_now)
    return EXIT_SUCCESS;
  if (opts.verbose)
    g_setenv ("G_MESSAGES_DEBUG", "OtaEmu", TRUE);

#ifdef G_OS_UNIX
  signal (SIGPIPE, SIG_IGN);
#endif

  device = emu_device_new (&opts, g_steal_pointer (&faults), &error);
  if (device == NULL)
    {
      g_printerr ("otaflash-emu: %s\n", error->message);
      return EXIT_USAGE;
    }

  loop = g_main_loop_new (NULL, FALSE);
#ifdef G_OS_UNIX
  g_unix_signal_add (SIGTERM, stop_cb, loop);
  g_unix_signal_add (SIGINT, stop_cb, loop);
#else
  ota_platform_add_interrupt_handler (stop_cb, loop);
#endif

  if (!emu_device_start (device, &error))
    {
      g_printerr ("otaflash-emu: %s\n", error->message);
      return EXIT_USAGE;
    }
  /* ssid last: it may hold spaces, everything up to the end of the line */
  ssid = emu_device_dup_ssid (device);
  printf ("READY ctp=%u http=%u ota=%u ssid=%s\n", emu_device_get_port (device, EMU_PORT_CTP),
          emu_device_get_port (device, EMU_PORT_HTTP), emu_device_get_port (device, EMU_PORT_OTA),
          ssid);
  fflush (stdout);
  emu_device_ready (device);
  if (opts.control_stdin)
    emu_control_start (device, loop);

  g_main_loop_run (loop);

  emu_device_request_shutdown (device);
  emu_device_join (device);
  violations = emu_device_get_violations (device);
  emu_device_emit (device, "shutdown", NULL);
  g_printerr ("violations=%u\n", violations);
  return opts.strict && violations > 0 ? 1 : EXIT_SUCCESS;
}
