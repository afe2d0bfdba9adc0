/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaSoak"

/* otaflash-soak: N complete upgrades in a row inside one process, through
 * the same core API the front-ends use (open and validate the file, then
 * ota_session_flash), against one emulator, alternating two firmware
 * versions so that every flash really upgrades. Every 10 flashes it prints
 * the resident memory (VmRSS) and the number of open file descriptors:
 * both must stay flat. Not a ctest: run it with tests/soak.sh.
 *
 *   otaflash-soak [--count N] [--time-scale F]
 *
 * Exit status: 0 all flashes succeeded and memory and descriptors stayed
 * flat; 1 otherwise. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "ota-firmware.h"
#include "ota-session.h"
#include "ota-test-emu.h"
#include "ota-ufw.h"

/* Growth allowed between the first sample (after warm-up) and the last. */
#define RSS_SLACK_KIB 1024
#define FD_SLACK 0

static glong
rss_kib (void)
{
  g_autofree gchar *status = NULL;
  const gchar *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static gint
open_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  gint n = 0;

  if (dir == NULL)
    return -1;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n - 1; /* the directory's own descriptor */
}

static gboolean
flash_once (OtaTestEmu *emu, const gchar *path, const gchar *want, GError **error)
{
  g_autoptr (OtaFirmware) fw = NULL;
  g_autoptr (OtaUfw) ufw = NULL;
  g_autoptr (OtaSession) session = NULL;

  fw = ota_firmware_open (path, error);
  if (fw == NULL)
    return FALSE;
  ufw = ota_ufw_load (fw, OTA_UFW_CHECK_DEFAULT, NULL, error);
  if (ufw == NULL)
    return FALSE;
  /* a new session per flash, as a front-end makes one per upgrade */
  session = ota_session_new ();
  ota_session_set_host (session, "127.0.0.1");
  ota_session_set_ports (session, emu->ctp_port, emu->http_port, emu->ota_port);
  ota_session_set_timeout (session, 5000);
  ota_session_set_reboot_timeout (session, 20000);
  ota_session_set_keepalive_interval (session, 300);
  if (!ota_session_flash (session, fw, ufw, NULL, error))
    return FALSE;
  if (g_strcmp0 (ota_session_get_new_version (session), want) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the device reports %s, not %s",
                   ota_session_get_new_version (session), want);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  gint count = 200;
  gdouble time_scale = 0.02;
  GOptionEntry entries[]
      = { { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of flashes (default 200)", "N" },
          { "time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &time_scale,
            "The emulator's --time-scale (default 0.02)", "F" },
          { NULL } };
  g_autoptr (GOptionContext) context = g_option_context_new ("- flash N times in one process");
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaTestEmu) emu = NULL;
  g_autofree gchar *dir = NULL;
  g_autofree gchar *scale = NULL;
  gchar *files[2] = { NULL, NULL };
  const gchar *versions[2] = { "2.0.1", "2.0.2" };
  glong rss_first = -1, rss_max = 0, rss_last = -1;
  gint fds_first = -1, fds_max = 0, fds_last = -1;
  gint64 start;
  gint status = 0, emu_status;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || count < 1)
    {
      g_printerr ("otaflash-soak: %s\n", error != NULL ? error->message : "--count must be >= 1");
      return 2;
    }

  dir = g_dir_make_tmp ("otaflash-soak-XXXXXX", &error);
  for (guint i = 0; dir != NULL && i < 2; i++)
    {
      files[i] = ota_test_make_ufw (dir, 300 * 1024 + 17, 70 * 1024 + 3, 42 + i, versions[i],
                                    OTA_UFW_CORRUPT_NONE, &error);
      if (files[i] == NULL)
        break;
    }
  scale = g_strdup_printf ("--time-scale=%g", time_scale);
  if (error == NULL)
    {
      const gchar *emu_args[] = { scale, "--installed-version", "1.0.0", NULL };
      emu = ota_test_emu_start (emu_args, &error);
    }
  if (emu == NULL)
    {
      g_printerr ("otaflash-soak: %s\n", error->message);
      return 1;
    }

  g_print ("otaflash-soak: %d flashes, emulator time scale %g, firmware %s/%s\n", count, time_scale,
           versions[0], versions[1]);
  g_print ("%8s %10s %8s %10s\n", "flashes", "VmRSS KiB", "fds", "seconds");
  start = g_get_monotonic_time ();
  for (gint i = 1; i <= count; i++)
    {
      const gchar *want = versions[(i - 1) % 2];

      if (!flash_once (emu, files[(i - 1) % 2], want, &error))
        {
          g_printerr ("otaflash-soak: flash %d failed: %s\n", i, error->message);
          ok = FALSE;
          break;
        }
      if (i % 10 == 0 || i == count)
        {
          glong rss = rss_kib ();
          gint fds = open_fds ();

          g_print ("%8d %10ld %8d %10.1f\n", i, rss, fds,
                   (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
          /* the first sample, after ten flashes, is the baseline: caches
           * and thread stacks are warm by then */
          if (rss_first < 0)
            rss_first = rss, fds_first = fds;
          rss_max = MAX (rss_max, rss);
          fds_max = MAX (fds_max, fds);
          rss_last = rss;
          fds_last = fds;
        }
    }

  emu_status = ota_test_emu_stop (emu);
  g_print ("emulator: exit status %d, %u violations\n", emu_status,
           ota_test_emu_count_violations (emu));
  if (emu_status != 0 || ota_test_emu_count_violations (emu) != 0)
    ok = FALSE;
  if (rss_first >= 0)
    {
      g_print ("VmRSS: first %ld KiB, last %ld KiB, max %ld KiB (%+ld KiB); fds: first %d, "
               "last %d, max %d\n",
               rss_first, rss_last, rss_max, rss_last - rss_first, fds_first, fds_last, fds_max);
      if (rss_max - rss_first > RSS_SLACK_KIB || fds_max - fds_first > FD_SLACK)
        {
          g_printerr ("otaflash-soak: memory or descriptors grew\n");
          ok = FALSE;
        }
    }
  for (guint i = 0; i < 2; i++)
    {
      if (files[i] != NULL)
        g_unlink (files[i]);
      g_free (files[i]);
    }
  if (dir != NULL)
    g_rmdir (dir);
  if (!ok)
    status = 1;
  g_print ("otaflash-soak: %s\n", ok ? "flat" : "FAILED");
  return status;
}
