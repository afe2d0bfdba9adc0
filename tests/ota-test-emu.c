/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include "ota-test-emu.h"

#include "ota-platform.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "ota-ctp-frame.h" /* autoptr for cJSON */

#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 30000

#ifdef G_OS_WIN32
#define EMU_EXE "otaflash-emu.exe"
#else
#define EMU_EXE "otaflash-emu"
#endif

/* How the emulator is stopped cleanly. A Windows program has no SIGTERM
 * (a signal from outside just kills it), so there it runs with
 * --control-stdin and stops when its standard input ends. On Linux SIGTERM
 * stays the default; OTA_TEST_EMU_CONTROL_STDIN=1 selects the stdin way
 * there too. */
static gboolean
use_control_stdin (void)
{
#ifdef G_OS_WIN32
  return TRUE;
#else
  return g_strcmp0 (g_getenv ("OTA_TEST_EMU_CONTROL_STDIN"), "1") == 0;
#endif
}

static gchar *
find_emulator (GError **error)
{
  const gchar *env = g_getenv ("OTA_TEST_EMU");
  const gchar *builddir;

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  builddir = g_getenv ("G_TEST_BUILDDIR");
  if (builddir != NULL)
    {
      g_autofree gchar *path = g_build_filename (builddir, "..", "src", "emulator", EMU_EXE, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
#ifdef G_OS_UNIX
  {
    /* Run by hand: the test binary sits in <build>/tests. */
    g_autofree gchar *self_exe = g_file_read_link ("/proc/self/exe", NULL);

    if (self_exe != NULL)
      {
        g_autofree gchar *dir = g_path_get_dirname (self_exe);
        g_autofree gchar *path = g_build_filename (dir, "..", "src", "emulator", EMU_EXE, NULL);

        if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
          return g_steal_pointer (&path);
      }
  }
#endif
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "otaflash-emu not found: set OTA_TEST_EMU (ctest does)");
  return NULL;
}

static gboolean
args_have (const gchar *const *args, const gchar *opt, const gchar **value)
{
  gsize opt_len = strlen (opt);

  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    {
      if (g_str_equal (args[i], opt))
        {
          if (value != NULL)
            *value = args[i + 1];
          return TRUE;
        }
      if (strncmp (args[i], opt, opt_len) == 0 && args[i][opt_len] == '=')
        {
          if (value != NULL)
            *value = args[i] + opt_len + 1;
          return TRUE;
        }
    }
  return FALSE;
}

/* --- waiting on a private main context, always bounded --- */

typedef struct {
  gboolean done;
  gchar *line;
  GError *error;
} ReadLineData;

static void
read_line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ReadLineData *data = user_data;

  data->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL,
                                                          &data->error);
  data->done = TRUE;
}

static gboolean
flag_timeout_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Reads stdout lines until one starts with "READY ". */
static gchar *
wait_ready_line (GSubprocess *proc, GError **error)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GSource) timeout = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  gboolean timed_out = FALSE;
  gchar *result = NULL;

  g_main_context_push_thread_default (ctx);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  timeout = g_timeout_source_new (READY_TIMEOUT_MS);
  g_source_set_callback (timeout, flag_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, ctx);

  while (result == NULL)
    {
      ReadLineData data = { FALSE, NULL, NULL };

      g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, cancellable, read_line_cb,
                                           &data);
      while (!data.done)
        {
          if (timed_out)
            g_cancellable_cancel (cancellable);
          g_main_context_iteration (ctx, TRUE);
        }
      if (data.error != NULL)
        {
          if (timed_out)
            {
              g_clear_error (&data.error);
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "no READY line from otaflash-emu within %d s", READY_TIMEOUT_MS / 1000);
            }
          else
            g_propagate_error (error, data.error);
          break;
        }
      if (data.line == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "otaflash-emu exited before printing READY");
          break;
        }
      /* a Windows program ends its lines with "\r\n" */
      g_strchomp (data.line);
      if (g_str_has_prefix (data.line, "READY "))
        result = data.line;
      else
        g_free (data.line);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (ctx);
  return result;
}

static gboolean
parse_ready_line (OtaTestEmu *emu, const gchar *line, GError **error)
{
  g_auto (GStrv) words = g_strsplit (line, " ", -1);
  guint found = 0;

  for (guint i = 1; words[i] != NULL; i++)
    {
      g_auto (GStrv) kv = g_strsplit (words[i], "=", 2);
      guint64 port = 0;

      if (kv[0] == NULL || kv[1] == NULL
          || !g_ascii_string_to_unsigned (kv[1], 10, 1, G_MAXUINT16, &port, NULL))
        continue;
      if (g_str_equal (kv[0], "ctp"))
        emu->ctp_port = (guint16) port, found |= 1;
      else if (g_str_equal (kv[0], "http"))
        emu->http_port = (guint16) port, found |= 2;
      else if (g_str_equal (kv[0], "ota"))
        emu->ota_port = (guint16) port, found |= 4;
    }
  if (found != 7)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad READY line: %s", line);
      return FALSE;
    }
  return TRUE;
}

#ifdef __linux__
/* A test that aborts must not leave its emulator running. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}
#endif

static OtaTestEmu *
start_full (const gchar *const *extra_args, const gchar *state_dir, const gchar *events_path,
            const guint16 ports[3], GError **error)
{
  g_autoptr (OtaTestEmu) emu = g_new0 (OtaTestEmu, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree gchar *exe = find_emulator (error);
  g_autofree gchar *line = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  const gchar *value = NULL;

  if (exe == NULL)
    return NULL;

  if (args_have (extra_args, "--state-dir", &value))
    emu->state_dir = g_strdup (value);
  else if (state_dir != NULL)
    emu->state_dir = g_strdup (state_dir);
  else
    {
      emu->state_dir = g_dir_make_tmp ("otaflash-emu-XXXXXX", error);
      if (emu->state_dir == NULL)
        return NULL;
      emu->owns_state_dir = TRUE;
    }
  if (args_have (extra_args, "--events", &value))
    emu->events_path = g_strdup (value);
  else if (events_path != NULL)
    emu->events_path = g_strdup (events_path);
  else
    emu->events_path = g_build_filename (emu->state_dir, "events.jsonl", NULL);

  g_ptr_array_add (argv, g_strdup (exe));
  g_ptr_array_add (argv, g_strdup ("--host=127.0.0.1"));
  g_ptr_array_add (argv, g_strdup_printf ("--ctp-port=%u", ports != NULL ? ports[0] : 0));
  g_ptr_array_add (argv, g_strdup_printf ("--http-port=%u", ports != NULL ? ports[1] : 0));
  g_ptr_array_add (argv, g_strdup_printf ("--ota-port=%u", ports != NULL ? ports[2] : 0));
  g_ptr_array_add (argv, g_strdup ("--time-scale=0.02"));
  g_ptr_array_add (argv, g_strdup ("--strict"));
  if (!args_have (extra_args, "--state-dir", NULL))
    g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", emu->state_dir));
  if (!args_have (extra_args, "--events", NULL))
    g_ptr_array_add (argv, g_strdup_printf ("--events=%s", emu->events_path));
  emu->control_stdin = use_control_stdin ();
  if (emu->control_stdin)
    g_ptr_array_add (argv, g_strdup ("--control-stdin"));
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (extra_args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_PIPE
      | (emu->control_stdin ? G_SUBPROCESS_FLAGS_STDIN_PIPE : G_SUBPROCESS_FLAGS_NONE));
#ifdef __linux__
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
#endif
  emu->proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) argv->pdata, error);
  if (emu->proc == NULL)
    return NULL;

  line = wait_ready_line (emu->proc, error);
  if (line == NULL || !parse_ready_line (emu, line, error))
    return NULL;
  return g_steal_pointer (&emu);
}

OtaTestEmu *
ota_test_emu_start (const gchar *const *extra_args, GError **error)
{
  return start_full (extra_args, NULL, NULL, NULL, error);
}

OtaTestEmu *
ota_test_emu_restart (OtaTestEmu *old, const gchar *const *extra_args, GError **error)
{
  guint16 ports[3];
  OtaTestEmu *emu;

  g_return_val_if_fail (old != NULL, NULL);

  ota_test_emu_stop (old);
  ports[0] = old->ctp_port;
  ports[1] = old->http_port;
  ports[2] = old->ota_port;
  emu = start_full (extra_args, old->state_dir, old->events_path, ports, error);
  if (emu != NULL && old->owns_state_dir && g_strcmp0 (emu->state_dir, old->state_dir) == 0)
    {
      emu->owns_state_dir = TRUE;
      old->owns_state_dir = FALSE;
    }
  return emu;
}

gint
ota_test_emu_stop (OtaTestEmu *emu)
{
  g_return_val_if_fail (emu != NULL, -1);

  if (emu->stopped || emu->proc == NULL)
    return emu->exit_status;

  if (emu->control_stdin)
    {
      /* end of input is the emulator's clean stop, like SIGTERM */
      g_output_stream_close (g_subprocess_get_stdin_pipe (emu->proc), NULL, NULL);
      if (!ota_platform_wait_process (emu->proc, STOP_TIMEOUT_MS))
        {
          g_warning ("otaflash-emu did not exit within %d s after the end of its input; it was "
                     "killed",
                     STOP_TIMEOUT_MS / 1000);
          g_subprocess_force_exit (emu->proc);
          ota_platform_wait_process (emu->proc, STOP_TIMEOUT_MS);
        }
    }
  else if (!ota_platform_stop_process (emu->proc, STOP_TIMEOUT_MS))
    g_warning ("otaflash-emu did not exit within %d s after SIGTERM; it was killed",
               STOP_TIMEOUT_MS / 1000);
  emu->stopped = TRUE;
  if (g_subprocess_get_if_exited (emu->proc))
    emu->exit_status = g_subprocess_get_exit_status (emu->proc);
  else
    emu->exit_status = -1;
  return emu->exit_status;
}

void
ota_test_rm_rf (const gchar *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
      const gchar *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree gchar *child = g_build_filename (path, name, NULL);

          ota_test_rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
ota_test_emu_free (OtaTestEmu *emu)
{
  if (emu == NULL)
    return;
  if (emu->proc != NULL)
    {
      ota_test_emu_stop (emu);
      g_object_unref (emu->proc);
    }
  if (emu->owns_state_dir && emu->state_dir != NULL)
    ota_test_rm_rf (emu->state_dir);
  g_free (emu->state_dir);
  g_free (emu->events_path);
  g_free (emu);
}

/* --- event log --- */

/* Calls @func on each parsed event; stops when it returns FALSE. */
static void
foreach_event (OtaTestEmu *emu, gboolean (*func) (cJSON *ev, gpointer data), gpointer data)
{
  g_autofree gchar *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (emu->events_path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr (cJSON) ev = NULL;

      if (lines[i][0] == '\0')
        continue;
      ev = cJSON_Parse (lines[i]);
      if (ev == NULL)
        continue; /* the last line may still be being written */
      if (!func (ev, data))
        break;
    }
}

static gboolean
event_is (const cJSON *ev, const gchar *name)
{
  const cJSON *e = cJSON_GetObjectItemCaseSensitive (ev, "event");

  return name == NULL || (cJSON_IsString (e) && g_strcmp0 (e->valuestring, name) == 0);
}

typedef struct {
  const gchar *name;
  const gchar *rule;
  guint count;
  guint nth;
  cJSON *found;
  cJSON *array;
} EventQuery;

static gboolean
count_cb (cJSON *ev, gpointer data)
{
  EventQuery *q = data;

  if (event_is (ev, q->name))
    {
      const cJSON *rule = cJSON_GetObjectItemCaseSensitive (ev, "rule");

      if (q->rule == NULL || (cJSON_IsString (rule) && g_strcmp0 (rule->valuestring, q->rule) == 0))
        q->count++;
    }
  return TRUE;
}

static gboolean
find_cb (cJSON *ev, gpointer data)
{
  EventQuery *q = data;

  if (event_is (ev, q->name) && ++q->count == q->nth)
    {
      q->found = cJSON_Duplicate (ev, TRUE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
collect_cb (cJSON *ev, gpointer data)
{
  EventQuery *q = data;

  if (event_is (ev, q->name))
    cJSON_AddItemToArray (q->array, cJSON_Duplicate (ev, TRUE));
  return TRUE;
}

guint
ota_test_emu_count_events (OtaTestEmu *emu, const gchar *name)
{
  EventQuery q = { name, NULL, 0, 0, NULL, NULL };

  g_return_val_if_fail (emu != NULL, 0);
  foreach_event (emu, count_cb, &q);
  return q.count;
}

cJSON *
ota_test_emu_wait_event_nth (OtaTestEmu *emu, const gchar *name, guint nth, guint timeout_ms)
{
  gint64 deadline;

  g_return_val_if_fail (emu != NULL && name != NULL && nth > 0, NULL);

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  for (;;)
    {
      EventQuery q = { name, NULL, 0, nth, NULL, NULL };

      foreach_event (emu, find_cb, &q);
      if (q.found != NULL)
        return q.found;
      if (g_get_monotonic_time () >= deadline)
        return NULL;
      /* Polling the log file: the condition, not the sleep, ends the wait. */
      g_usleep (10 * 1000);
    }
}

cJSON *
ota_test_emu_wait_event (OtaTestEmu *emu, const gchar *name, guint timeout_ms)
{
  return ota_test_emu_wait_event_nth (emu, name, 1, timeout_ms);
}

cJSON *
ota_test_emu_get_events (OtaTestEmu *emu, const gchar *name)
{
  EventQuery q = { name, NULL, 0, 0, NULL, cJSON_CreateArray () };

  g_return_val_if_fail (emu != NULL, NULL);
  foreach_event (emu, collect_cb, &q);
  return q.array;
}

guint
ota_test_emu_count_violations (OtaTestEmu *emu)
{
  return ota_test_emu_count_events (emu, "violation");
}

guint
ota_test_emu_count_violations_of (OtaTestEmu *emu, const gchar *rule)
{
  EventQuery q = { "violation", rule, 0, 0, NULL, NULL };

  g_return_val_if_fail (emu != NULL, 0);
  foreach_event (emu, count_cb, &q);
  return q.count;
}

/* --- state file --- */

static cJSON *
read_state (OtaTestEmu *emu)
{
  g_autofree gchar *path = g_build_filename (emu->state_dir, "state.json", NULL);
  g_autofree gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return cJSON_Parse (text);
}

static gchar *
state_string (OtaTestEmu *emu, const gchar *key)
{
  g_autoptr (cJSON) state = NULL;
  const cJSON *item;

  g_return_val_if_fail (emu != NULL, NULL);
  state = read_state (emu);
  item = cJSON_GetObjectItemCaseSensitive (state, key);
  return cJSON_IsString (item) ? g_strdup (item->valuestring) : NULL;
}

gchar *
ota_test_emu_get_installed_version (OtaTestEmu *emu)
{
  return state_string (emu, "installed_version");
}

gboolean
ota_test_emu_get_stage2_pending (OtaTestEmu *emu)
{
  g_autoptr (cJSON) state = NULL;

  g_return_val_if_fail (emu != NULL, FALSE);
  state = read_state (emu);
  return cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (state, "stage2_pending"));
}

gchar *
ota_test_emu_get_ssid (OtaTestEmu *emu)
{
  return state_string (emu, "ssid");
}

/* --- firmware files --- */

gchar *
ota_test_make_ufw (const gchar *dir, guint64 flash_size, guint64 ota_size, guint32 seed,
                   const gchar *version, OtaUfwCorruption corruption, GError **error)
{
  OtaUfwBuildOptions opts;
  g_autofree gchar *name = NULL;
  g_autofree gchar *path = NULL;

  g_return_val_if_fail (dir != NULL, NULL);

  ota_ufw_build_options_init (&opts);
  opts.flash_size = flash_size;
  opts.ota_size = ota_size;
  opts.seed = seed;
  opts.version = version;
  opts.corruption = corruption;
  name = g_strdup_printf ("fw-%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "-%u-%s-%s.ufw", flash_size,
                          ota_size, seed, version != NULL ? version : "nover",
                          ota_ufw_corruption_to_string (corruption));
  path = g_build_filename (dir, name, NULL);
  if (!ota_ufw_build_file (&opts, path, error))
    return NULL;
  return g_steal_pointer (&path);
}

void
ota_test_emu_assert_clean (OtaTestEmu *emu)
{
  gint status = ota_test_emu_stop (emu);

  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_cmpint (status, ==, 0);
}

void
ota_test_emu_assert_installed (OtaTestEmu *emu, const gchar *version, gboolean pending)
{
  g_autofree gchar *installed = ota_test_emu_get_installed_version (emu);

  g_assert_cmpstr (installed, ==, version);
  g_assert_cmpint (ota_test_emu_get_stage2_pending (emu), ==, pending);
}
