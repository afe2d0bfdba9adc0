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

#include "emu-device.h"
#include "emu-faults.h"
#include "ota-platform.h"

#define EXIT_USAGE 2

static gboolean
stop_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_port (gint value, const gchar *name, guint16 *out, GError **error)
{
  if (value < 0 || value > G_MAXUINT16)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--%s must be a port number from 0 to 65535 (0 picks a free port)", name);
      return FALSE;
    }
  *out = (guint16) value;
  return TRUE;
}

static gboolean
check_non_negative (gdouble value, const gchar *name, GError **error)
{
  if (!(value >= 0.0))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--%s must not be negative",
                   name);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (EmuFaults) faults = emu_faults_new ();
  g_autoptr (EmuDevice) device = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree gchar *host = NULL;
  g_autofree gchar *state_dir = NULL;
  g_autofree gchar *events = NULL;
  g_autofree gchar *sdk = NULL;
  g_autofree gchar *installed_version = NULL;
  g_autofree gchar *installed_ufw = NULL;
  g_autofree gchar *description = NULL;
  g_auto (GStrv) fault_specs = NULL;
  gint ctp_port = 3333, http_port = 8080, ota_port = 3335;
  gdouble time_scale = 1.0, bandwidth = 0, latency_ms = 0, flash_rate = 0, erase_pause_ms = 0;
  gint64 erase_every = 64 * 1024;
  gboolean strict = FALSE, listen_at_boot = FALSE, start_in_loader = FALSE, verbose = FALSE;
  gboolean version = FALSE;
  EmuOptions opts = { 0 };
  guint violations;
  const GOptionEntry entries[]
      = { { "host", 0, 0, G_OPTION_ARG_STRING, &host,
            "Address to listen on (default 127.0.0.1; only this address is bound)", "ADDR" },
          { "ctp-port", 0, 0, G_OPTION_ARG_INT, &ctp_port,
            "CTP control port (default 3333; 0: a free port)", "N" },
          { "http-port", 0, 0, G_OPTION_ARG_INT, &http_port,
            "HTTP description port (default 8080; 0: a free port)", "N" },
          { "ota-port", 0, 0, G_OPTION_ARG_INT, &ota_port,
            "OTA data port (default 3335; 0: a free port)", "N" },
          { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
            "Keep the device state (state.json) here; a restart on it is a power cycle (default: "
            "memory only)",
            "DIR" },
          { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &time_scale,
            "Multiply every device delay by F (tests: 0.02; 0: no device delays, for benchmarks); "
            "timeouts never go below 1 s",
            "F" },
          { "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
            "Exit with status 1 if any safety rule was broken", NULL },
          { "events", 0, 0, G_OPTION_ARG_FILENAME, &events,
            "Write the event log (JSON Lines) to FILE, - for stdout", "FILE" },
          { "fault", 0, 0, G_OPTION_ARG_STRING_ARRAY, &fault_specs,
            "Inject a fault (repeatable; list below)", "SPEC" },
          { "ota-listen-at-boot", 0, 0, G_OPTION_ARG_NONE, &listen_at_boot,
            "Listen on the OTA port from boot, without NET_OTA_SINGLE", NULL },
          { "sdk", 0, 0, G_OPTION_ARG_STRING, &sdk,
            "Behave like SDK V1.1.0 with 1.1 (SAME for identical firmware, 3 s answer timeout)",
            "VERSION" },
          { "start-in-loader", 0, 0, G_OPTION_ARG_NONE, &start_in_loader,
            "Start with stage two pending (the loader runs)", NULL },
          { "installed-version", 0, 0, G_OPTION_ARG_STRING, &installed_version,
            "Firmware version of a fresh state (default 1.0.0)", "V" },
          { "installed-ufw", 0, 0, G_OPTION_ARG_FILENAME, &installed_ufw,
            "The device runs the firmware of this .ufw already (version and flash.bin identity)",
            "FILE" },
          { "link-bandwidth", 0, 0, G_OPTION_ARG_DOUBLE, &bandwidth,
            "Link model: bandwidth in bytes/s (0: unlimited)", "B" },
          { "link-latency-ms", 0, 0, G_OPTION_ARG_DOUBLE, &latency_ms,
            "Link model: one-way latency in ms", "MS" },
          { "flash-rate", 0, 0, G_OPTION_ARG_DOUBLE, &flash_rate,
            "Link model: flash write rate in bytes/s (0: instant)", "B" },
          { "erase-pause-ms", 0, 0, G_OPTION_ARG_DOUBLE, &erase_pause_ms,
            "Link model: erase pause in stage two, every --erase-every bytes", "MS" },
          { "erase-every", 0, 0, G_OPTION_ARG_INT64, &erase_every,
            "Link model: bytes between erase pauses (default 65536)", "BYTES" },
          { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
            "Print debug messages (frames, events) on stderr", NULL },
          { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
          { NULL } };

  context = g_option_context_new ("- emulated JieLi AC79 device for otaflash");
  g_option_context_set_summary (
      context,
      "Listens like a JieLi AC79 Wi-Fi device doing the single-backup network OTA: CTP\n"
      "control (3333), HTTP description (8080) and OTA data (3335), main firmware and\n"
      "stage-two loader. Prints \"READY ctp=N http=N ota=N\" once it accepts connections.\n"
      "Every break of the device-safety rules S1-S6 is logged as a violation.");
  description = g_strconcat (
      emu_faults_describe (),
      "\nExit status: 0 stopped cleanly (SIGTERM/SIGINT, or a power-loss fault); 1 with\n"
      "--strict when a violation was counted; 2 bad command line or start-up error.\n"
      "\nExample:\n"
      "  otaflash-emu --ctp-port 0 --http-port 0 --ota-port 0 --time-scale 0.02 \\\n"
      "      --state-dir /tmp/dev --events /tmp/dev/events.jsonl --strict \\\n"
      "      --fault drop:stage=2,read=3\n"
      "See docs/emulator.md for the event log and the state file.\n",
      NULL);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("otaflash-emu: %s\nTry --help.\n", error->message);
      return EXIT_USAGE;
    }
  if (version)
    {
      g_print ("otaflash-emu %s\n", OTA_VERSION);
      return EXIT_SUCCESS;
    }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "OtaEmu", TRUE);

  if (!check_port (ctp_port, "ctp-port", &opts.ctp_port, &error)
      || !check_port (http_port, "http-port", &opts.http_port, &error)
      || !check_port (ota_port, "ota-port", &opts.ota_port, &error)
      || !check_non_negative (bandwidth, "link-bandwidth", &error)
      || !check_non_negative (latency_ms, "link-latency-ms", &error)
      || !check_non_negative (flash_rate, "flash-rate", &error)
      || !check_non_negative (erase_pause_ms, "erase-pause-ms", &error))
    {
      g_printerr ("otaflash-emu: %s\n", error->message);
      return EXIT_USAGE;
    }
  if (!(time_scale >= 0.0) || time_scale > 1000.0)
    {
      g_printerr ("otaflash-emu: --time-scale must be a number from 0 (no device delays) to 1000 "
                  "(1 = real time)\n");
      return EXIT_USAGE;
    }
  if (erase_every <= 0)
    {
      g_printerr ("otaflash-emu: --erase-every must be at least 1 byte\n");
      return EXIT_USAGE;
    }
  if (sdk != NULL && g_strcmp0 (sdk, "1.1") != 0 && g_strcmp0 (sdk, "current") != 0)
    {
      g_printerr ("otaflash-emu: --sdk knows 1.1 (V1.1.0) and current\n");
      return EXIT_USAGE;
    }
  for (guint i = 0; fault_specs != NULL && fault_specs[i] != NULL; i++)
    if (!emu_faults_add (faults, fault_specs[i], &error))
      {
        g_printerr ("otaflash-emu: %s\n", error->message);
        return EXIT_USAGE;
      }

  opts.host = host != NULL ? host : (gchar *) "127.0.0.1";
  opts.state_dir = state_dir;
  opts.time_scale = time_scale;
  opts.strict = strict;
  opts.events_path = events;
  opts.ota_listen_at_boot = listen_at_boot;
  opts.sdk_1_1 = g_strcmp0 (sdk, "1.1") == 0;
  opts.start_in_loader = start_in_loader;
  opts.installed_version = installed_version;
  opts.installed_ufw = installed_ufw;
  opts.link.bandwidth = bandwidth;
  opts.link.latency_s = latency_ms / 1000.0;
  opts.link.flash_rate = flash_rate;
  opts.link.erase_pause_s = erase_pause_ms / 1000.0;
  opts.link.erase_every = (guint64) erase_every;

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
  printf ("READY ctp=%u http=%u ota=%u\n", emu_device_get_port (device, EMU_PORT_CTP),
          emu_device_get_port (device, EMU_PORT_HTTP), emu_device_get_port (device, EMU_PORT_OTA));
  fflush (stdout);
  emu_device_ready (device);

  g_main_loop_run (loop);

  emu_device_request_shutdown (device);
  emu_device_join (device);
  violations = emu_device_get_violations (device);
  emu_device_emit (device, "shutdown", NULL);
  g_printerr ("violations=%u\n", violations);
  return strict && violations > 0 ? 1 : EXIT_SUCCESS;
}
