/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "wifi-harness.h"

#include <stdlib.h>
#include <string.h>

#define READY_TIMEOUT_S 60
#define STOP_TIMEOUT_S 30

struct _WifiHarness {
  GSubprocess *proc;
  GThread *reader;
  GMutex lock;
  GCond changed;
  GPtrArray *lines;  /* under lock */
  gboolean eof;      /* under lock */
  GHashTable *ready; /* the READY line's fields */
  gchar *dir;
};

static gpointer
reader_thread (gpointer data)
{
  WifiHarness *h = data;
  g_autoptr (GDataInputStream) in
      = g_data_input_stream_new (g_subprocess_get_stdout_pipe (h->proc));

  for (;;)
    {
      g_autofree gchar *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);

      g_mutex_lock (&h->lock);
      if (line == NULL)
        h->eof = TRUE;
      else
        g_ptr_array_add (h->lines, g_steal_pointer (&line));
      g_cond_broadcast (&h->changed);
      g_mutex_unlock (&h->lock);
      if (h->eof)
        return NULL;
    }
}

/* The first line starting with @prefix, waiting up to @timeout_s (a copy). */
static gchar *
wait_for_line (WifiHarness *h, const gchar *prefix, gint timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  gchar *found = NULL;
  guint seen = 0;

  g_mutex_lock (&h->lock);
  while (found == NULL)
    {
      for (; seen < h->lines->len && found == NULL; seen++)
        if (g_str_has_prefix (g_ptr_array_index (h->lines, seen), prefix))
          found = g_strdup (g_ptr_array_index (h->lines, seen));
      if (found != NULL || h->eof || !g_cond_wait_until (&h->changed, &h->lock, end))
        break;
    }
  g_mutex_unlock (&h->lock);
  return found;
}

WifiHarness *
wifi_harness_start (const gchar *const *emu_options, const gchar *password)
{
  WifiHarness *h = g_new0 (WifiHarness, 1);
  const gchar *python = g_getenv ("OTA_TEST_PYTHON3");
  const gchar *emu = g_getenv ("OTA_TEST_EMU");
  g_autofree gchar *script = g_test_build_filename (G_TEST_DIST, "wifi", "harness.py", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ready = NULL;
  g_auto (GStrv) words = NULL;
  g_autofree gchar *bus_prefix = NULL;
  const gchar *bus;

  g_assert_nonnull (python);
  g_assert_nonnull (emu);
  g_ptr_array_add (argv, (gpointer) python);
  g_ptr_array_add (argv, script);
  g_ptr_array_add (argv, "--emu");
  g_ptr_array_add (argv, (gpointer) emu);
  if (password != NULL)
    {
      g_ptr_array_add (argv, "--password");
      g_ptr_array_add (argv, (gpointer) password);
    }
  g_ptr_array_add (argv, "--");
  for (guint i = 0; emu_options != NULL && emu_options[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) emu_options[i]);
  g_ptr_array_add (argv, NULL);

  g_mutex_init (&h->lock);
  g_cond_init (&h->changed);
  h->lines = g_ptr_array_new_with_free_func (g_free);
  h->ready = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* the harness makes its own bus: never hand it the machine's */
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS");
  h->proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, &error);
  g_assert_no_error (error);
  h->reader = g_thread_new ("wifi-harness", reader_thread, h);

  ready = wait_for_line (h, "READY ", READY_TIMEOUT_S);
  if (ready == NULL)
    g_error ("no READY line from the Wi-Fi harness within %d s", READY_TIMEOUT_S);
  words = g_strsplit (ready + strlen ("READY "), " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      const gchar *eq = strchr (words[i], '=');
      if (eq != NULL)
        g_hash_table_insert (h->ready, g_strndup (words[i], eq - words[i]), g_strdup (eq + 1));
    }
  h->dir = g_strdup (g_hash_table_lookup (h->ready, "dir"));
  bus = g_hash_table_lookup (h->ready, "bus");
  g_assert_nonnull (h->dir);
  g_assert_nonnull (bus);
  /* the one rule: the private bus the harness started, nothing else */
  bus_prefix = g_strdup_printf ("unix:path=%s/", h->dir);
  if (!g_str_has_prefix (bus, bus_prefix) || !g_str_has_prefix (h->dir, g_get_tmp_dir ()))
    g_error ("refusing to run: the harness's bus %s is not a private one in %s", bus, h->dir);
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", bus, TRUE);
  g_setenv ("OTA_WIFI_BACKEND", "nm", TRUE);
  return h;
}

guint16
wifi_harness_port (WifiHarness *h, const gchar *name)
{
  const gchar *value = g_hash_table_lookup (h->ready, name);

  g_assert_nonnull (value);
  return (guint16) g_ascii_strtoull (value, NULL, 10);
}

const gchar *
wifi_harness_ssid (WifiHarness *h)
{
  return g_hash_table_lookup (h->ready, "ssid");
}

GPtrArray *
wifi_harness_dup_lines (WifiHarness *h)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_free);

  g_mutex_lock (&h->lock);
  for (guint i = 0; i < h->lines->len; i++)
    g_ptr_array_add (copy, g_strdup (g_ptr_array_index (h->lines, i)));
  g_mutex_unlock (&h->lock);
  return copy;
}

guint
wifi_harness_count (WifiHarness *h, const gchar *prefix)
{
  guint n = 0;

  g_mutex_lock (&h->lock);
  for (guint i = 0; i < h->lines->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (h->lines, i), prefix);
  g_mutex_unlock (&h->lock);
  return n;
}

static const gchar *
field (GHashTable *fields, const gchar *name)
{
  const gchar *value = g_hash_table_lookup (fields, name);

  g_assert_nonnull (value);
  return value;
}

void
wifi_harness_stop (WifiHarness *h, WifiHarnessSummary *summary)
{
  GOutputStream *in = g_subprocess_get_stdin_pipe (h->proc);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *line = NULL;
  g_autoptr (GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) words = NULL;

  g_output_stream_write_all (in, "quit\n", 5, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (in, NULL, NULL);
  line = wait_for_line (h, "SUMMARY ", STOP_TIMEOUT_S);
  if (line == NULL)
    g_error ("no SUMMARY line from the Wi-Fi harness within %d s", STOP_TIMEOUT_S);
  words = g_strsplit (line + strlen ("SUMMARY "), " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      const gchar *eq = strchr (words[i], '=');
      if (eq != NULL)
        g_hash_table_insert (fields, g_strndup (words[i], eq - words[i]), g_strdup (eq + 1));
    }
  summary->joins = (guint) g_ascii_strtoull (field (fields, "joins"), NULL, 10);
  summary->home_active = g_str_equal (field (fields, "home-active"), "true");
  summary->temporary = (guint) g_ascii_strtoull (field (fields, "temporary-profiles"), NULL, 10);
  summary->emu_exit = (gint) g_ascii_strtoll (field (fields, "emu-exit"), NULL, 10);
  g_subprocess_wait (h->proc, NULL, &error);
  g_assert_no_error (error);
}

void
wifi_harness_free (WifiHarness *h)
{
  if (h == NULL)
    return;
  /* end of input stops the harness cleanly (its bus, mock and emulator
   * with it); a harness that hangs is killed */
  g_output_stream_close (g_subprocess_get_stdin_pipe (h->proc), NULL, NULL);
  g_free (wait_for_line (h, "\x01never", STOP_TIMEOUT_S));
  if (g_subprocess_get_identifier (h->proc) != NULL)
    {
      g_mutex_lock (&h->lock);
      if (!h->eof)
        g_subprocess_force_exit (h->proc);
      g_mutex_unlock (&h->lock);
      g_subprocess_wait (h->proc, NULL, NULL);
    }
  g_thread_join (h->reader);
  g_object_unref (h->proc);
  g_ptr_array_unref (h->lines);
  g_hash_table_unref (h->ready);
  g_free (h->dir);
  g_mutex_clear (&h->lock);
  g_cond_clear (&h->changed);
  g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
  g_free (h);
}
