/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include "ota-test-cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef G_OS_UNIX
#include <grp.h>
#include <signal.h>
#include <unistd.h>
#endif
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef G_OS_WIN32
#include <winsock2.h> /* before windows.h */
#include <windows.h>
#include <psapi.h>
#endif

#include "ota-ctp-frame.h" /* autoptr for cJSON */

#define DEFAULT_LIMIT_S 600.0

void
ota_test_cli_run_free (OtaTestCliRun *run)
{
  if (run == NULL)
    return;
  g_ptr_array_unref (run->lines);
  g_free (run->err);
  if (run->result != NULL)
    cJSON_Delete (run->result);
  g_free (run);
}

const gchar *
ota_test_cli_otaflash_path (void)
{
  const gchar *p = g_getenv ("OTA_TEST_OTAFLASH");

  g_assert_nonnull (p);
  return p;
}

gboolean
ota_test_cli_is_wrapped (void)
{
  const gchar *w = g_getenv ("OTA_TEST_WRAPPER");

  return w != NULL && *w != '\0';
}

GStrv
ota_test_cli_argv_ports (guint16 ctp, guint16 http, guint16 ota, const gchar *const *extra)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  const gchar *names[] = { "--ctp-port", "--http-port", "--ota-port" };
  guint16 ports[] = { ctp, http, ota };

  /* network safety: every run names the loopback address itself */
  g_strv_builder_add_many (b, ota_test_cli_otaflash_path (), "--cli", "--host", "127.0.0.1", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (ports); i++)
    {
      if (ports[i] != 0)
        {
          g_autofree gchar *v = g_strdup_printf ("%u", ports[i]);
          g_strv_builder_add_many (b, names[i], v, NULL);
        }
    }
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  return g_strv_builder_end (b);
}

GStrv
ota_test_cli_argv (OtaTestEmu *emu, const gchar *const *extra)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;

  if (emu != NULL)
    g_strv_builder_add_many (b, "--timeout", "5", "--reboot-timeout", "20", "--keepalive", "0.3",
                             NULL);
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  more = g_strv_builder_end (b);
  if (emu == NULL)
    return ota_test_cli_argv_ports (0, 0, 0, (const gchar *const *) more);
  return ota_test_cli_argv_ports (emu->ctp_port, emu->http_port, emu->ota_port,
                                  (const gchar *const *) more);
}

gint
ota_test_drop_privileges (void)
{
#ifdef G_OS_UNIX
  /* groups first: without root, they could not be changed any more */
  if (setgroups (0, NULL) != 0 || setgid (OTA_TEST_UNPRIVILEGED_ID) != 0
      || setuid (OTA_TEST_UNPRIVILEGED_ID) != 0)
    return errno;
  return 0;
#else
  return ENOSYS;
#endif
}

typedef struct {
  gboolean unprivileged;
} ChildSetup;

#ifdef G_OS_UNIX
static void
child_setup (gpointer user_data)
{
  const ChildSetup *setup = user_data;

  if (setup->unprivileged && ota_test_drop_privileges () != 0)
    {
      static const char msg[] = "ota-test-cli: cannot switch to the unprivileged user\n";

      (void) !write (STDERR_FILENO, msg, sizeof msg - 1);
      _exit (125);
    }
#ifdef __linux__
  /* A test that aborts must not leave a flasher running. After the switch:
   * a change of user clears this setting. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}
#endif

gint
ota_test_access_unprivileged (const gchar *path, const gchar *op)
{
#ifdef G_OS_UNIX
  const gchar *argv[] = { "/bin/sh", "-c", "test \"$1\" \"$2\"", "sh", op, path, NULL };
  ChildSetup setup = { TRUE };
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_set_child_setup (launcher, child_setup, &setup, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) > 1)
    return -1;
  return g_subprocess_get_exit_status (proc) == 0 ? 1 : 0;
#else
  /* no other user to become */
  return -1;
#endif
}

gboolean
ota_test_cli_can_run_unprivileged (gchar **reason)
{
#ifdef G_OS_UNIX
  const gchar *otaflash = ota_test_cli_otaflash_path ();
  const gchar *argv[] = { otaflash, "--cli", "--version", NULL };
  g_autoptr (OtaTestCliRun) run = NULL;
  gint can;

  if (geteuid () != 0)
    {
      *reason = g_strdup ("not root: cannot run otaflash as another user");
      return FALSE;
    }
  can = ota_test_access_unprivileged (otaflash, "-x");
  if (can < 0)
    {
      *reason = g_strdup_printf ("cannot switch to uid and gid %d", OTA_TEST_UNPRIVILEGED_ID);
      return FALSE;
    }
  if (can == 0)
    {
      *reason = g_strdup_printf ("uid %d cannot run %s: a folder on its path is closed to other "
                                 "users",
                                 OTA_TEST_UNPRIVILEGED_ID, otaflash);
      return FALSE;
    }
  run = ota_test_cli_run_unprivileged (argv, NULL, NULL, 120);
  if (run->status != 0)
    {
      *reason = g_strdup_printf ("otaflash --cli --version as uid %d failed (exit %d): %s",
                                 OTA_TEST_UNPRIVILEGED_ID, run->status, run->err);
      return FALSE;
    }
  return TRUE;
#else
  *reason = g_strdup ("Windows: no POSIX user to switch to (file access is by ACL)");
  return FALSE;
#endif
}

/* Splits complete lines off @buf, hands each to @func and keeps it. A
 * Windows program ends its lines with "\r\n": the "\r" goes too. */
static void
take_lines (GString *buf, OtaTestCliRun *run, GPid pid, OtaTestCliLineFunc func, gpointer data,
            gboolean flush)
{
  for (;;)
    {
      const gchar *nl = memchr (buf->str, '\n', buf->len);
      gchar *line;
      gsize len;

      if (nl == NULL)
        {
          if (!flush || buf->len == 0)
            return;
          line = g_strndup (buf->str, buf->len);
          g_string_truncate (buf, 0);
        }
      else
        {
          line = g_strndup (buf->str, (gsize) (nl - buf->str));
          g_string_erase (buf, 0, (gssize) (nl - buf->str) + 1);
        }
      len = strlen (line);
      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      if (func != NULL)
        func (pid, line, data);
      g_ptr_array_add (run->lines, line);
    }
}

/* One child being run: its two pipes read to the end and its exit, all on a
 * private main context, bounded by a deadline. */
typedef struct {
  OtaTestCliRun *run;
  GSubprocess *proc;
  GPid pid;
  OtaTestCliLineFunc func;
  gpointer user_data;
  GString *out;
  GString *err;
  gchar out_chunk[4096];
  gchar err_chunk[4096];
  gboolean out_done, err_done, exited, deadline_passed;
  GCancellable *cancellable;
#ifdef G_OS_WIN32
  HANDLE handle;
#endif
} Child;

/* Peak resident memory so far, sampled while the child runs (it only
 * grows): at every output chunk and every SAMPLE_MS. */
#define SAMPLE_MS 20

static void
sample_rss (Child *c)
{
  glong kib = 0;

  if (c->exited)
    return;
#ifdef __linux__
  {
    g_autofree gchar *path = g_strdup_printf ("/proc/%d/status", (int) c->pid);
    g_autofree gchar *text = NULL;
    const gchar *hwm;

    if (g_file_get_contents (path, &text, NULL, NULL) && (hwm = strstr (text, "VmHWM:")) != NULL)
      kib = strtol (hwm + strlen ("VmHWM:"), NULL, 10);
  }
#elif defined(G_OS_WIN32)
  {
    PROCESS_MEMORY_COUNTERS pmc;

    if (c->handle != NULL && GetProcessMemoryInfo (c->handle, &pmc, sizeof pmc))
      kib = (glong) (pmc.PeakWorkingSetSize / 1024);
  }
#endif
  c->run->max_rss_kib = MAX (c->run->max_rss_kib, kib);
}

static void read_more (Child *c, gboolean is_out);

static void
read_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Child *c = user_data;
  gboolean is_out = G_INPUT_STREAM (source) == g_subprocess_get_stdout_pipe (c->proc);
  gssize got = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);

  if (got <= 0)
    {
      if (is_out)
        c->out_done = TRUE;
      else
        c->err_done = TRUE;
      return;
    }
  sample_rss (c);
  if (is_out)
    {
      g_string_append_len (c->out, c->out_chunk, got);
      take_lines (c->out, c->run, c->pid, c->func, c->user_data, FALSE);
    }
  else
    g_string_append_len (c->err, c->err_chunk, got);
  read_more (c, is_out);
}

static void
read_more (Child *c, gboolean is_out)
{
  if (is_out)
    g_input_stream_read_async (g_subprocess_get_stdout_pipe (c->proc), c->out_chunk,
                               sizeof c->out_chunk, G_PRIORITY_DEFAULT, c->cancellable, read_cb, c);
  else
    g_input_stream_read_async (g_subprocess_get_stderr_pipe (c->proc), c->err_chunk,
                               sizeof c->err_chunk, G_PRIORITY_DEFAULT, c->cancellable, read_cb, c);
}

static void
exit_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Child *c = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  c->exited = TRUE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  Child *c = user_data;

  c->deadline_passed = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
sample_cb (gpointer user_data)
{
  sample_rss (user_data);
  return G_SOURCE_CONTINUE;
}

static OtaTestCliRun *
run_child (const gchar *const *argv, OtaTestCliLineFunc func, gpointer user_data, gdouble limit_s,
           gboolean unprivileged)
{
  g_autoptr (GPtrArray) full = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GSource) deadline = NULL;
  g_autoptr (GSource) sampler = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GString) err = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  const gchar *wrapper = g_getenv ("OTA_TEST_WRAPPER");
  OtaTestCliRun *run = g_new0 (OtaTestCliRun, 1);
  Child c = { 0 };
  gint64 start;

  if (limit_s <= 0)
    limit_s = DEFAULT_LIMIT_S;
  run->lines = g_ptr_array_new_with_free_func (g_free);
  if (wrapper != NULL && *wrapper != '\0')
    {
      g_auto (GStrv) words = NULL;

      g_shell_parse_argv (wrapper, NULL, &words, &error);
      g_assert_no_error (error);
      for (guint i = 0; words[i] != NULL; i++)
        g_ptr_array_add (full, g_strdup (words[i]));
      run->wrapped = TRUE;
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, g_strdup (argv[i]));
  g_ptr_array_add (full, NULL);

  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* network safety: the flasher's default address is the loopback one */
  g_subprocess_launcher_setenv (launcher, "OTAFLASH_HOST", "127.0.0.1", TRUE);
#ifdef G_OS_UNIX
  {
    static ChildSetup setups[2] = { { FALSE }, { TRUE } };

    g_subprocess_launcher_set_child_setup (launcher, child_setup, &setups[unprivileged ? 1 : 0],
                                           NULL);
  }
#else
  g_assert_false (unprivileged);
#endif

  g_main_context_push_thread_default (ctx);
  start = g_get_monotonic_time ();
  c.proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) full->pdata, &error);
#ifdef G_OS_WIN32
  /* under Wine on a loaded machine GLib's spawn helper now and then fails
   * to start ("Failed to execute helper program"): a few bounded retries */
  for (guint retry = 0;
       c.proc == NULL && retry < 5 && g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
       retry++)
    {
      g_test_message ("spawn failed (%s); trying again", error->message);
      g_clear_error (&error);
      g_usleep (200 * 1000);
      c.proc = g_subprocess_launcher_spawnv (launcher, (const gchar *const *) full->pdata, &error);
    }
#endif
  g_assert_no_error (error);
  c.run = run;
  c.func = func;
  c.user_data = user_data;
  c.out = out;
  c.err = err;
  c.cancellable = cancellable;
#ifdef G_OS_UNIX
  c.pid = (GPid) atoi (g_subprocess_get_identifier (c.proc));
#else
  c.handle = OpenProcess (PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE,
                          (DWORD) atol (g_subprocess_get_identifier (c.proc)));
  c.pid = c.handle;
#endif
  read_more (&c, TRUE);
  read_more (&c, FALSE);
  g_subprocess_wait_async (c.proc, NULL, exit_cb, &c);
  deadline = g_timeout_source_new ((guint) (limit_s * 1000));
  g_source_set_callback (deadline, deadline_cb, &c, NULL);
  g_source_attach (deadline, ctx);
  sampler = g_timeout_source_new (SAMPLE_MS);
  g_source_set_callback (sampler, sample_cb, &c, NULL);
  g_source_attach (sampler, ctx);

  /* both pipes to their end and the exit; a child that outlives its limit
   * is killed, and then nothing more is waited for on its pipes (a process
   * it started may hold them) */
  while (!c.exited || !c.out_done || !c.err_done)
    {
      if (c.deadline_passed && !run->killed)
        {
          run->killed = TRUE;
          g_subprocess_force_exit (c.proc);
        }
      if (run->killed && c.exited)
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (ctx, TRUE);
    }
  g_source_destroy (deadline);
  g_source_destroy (sampler);
  g_main_context_pop_thread_default (ctx);
  take_lines (out, run, c.pid, func, user_data, TRUE);

  run->elapsed_s = (gdouble) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  run->err = g_string_free (g_steal_pointer (&err), FALSE);
#ifdef G_OS_WIN32
  /* stderr in text mode: one line ending like on Linux */
  {
    gchar *r;

    while ((r = strstr (run->err, "\r\n")) != NULL)
      memmove (r, r + 1, strlen (r + 1) + 1);
  }
  if (c.handle != NULL)
    CloseHandle (c.handle);
#endif
  if (g_subprocess_get_if_exited (c.proc))
    run->status = g_subprocess_get_exit_status (c.proc);
  else
    {
      run->status = -1;
      run->term_signal
          = g_subprocess_get_if_signaled (c.proc) ? g_subprocess_get_term_sig (c.proc) : 0;
    }
  g_object_unref (c.proc);

  if (g_test_verbose () || (run->wrapped && run->status == 99))
    {
      for (guint i = 0; i < run->lines->len; i++)
        g_printerr ("  out| %s\n", (const gchar *) g_ptr_array_index (run->lines, i));
      g_printerr ("  err| %s\n  exit %d (%.2f s, peak RSS %ld KiB)\n", run->err, run->status,
                  run->elapsed_s, run->max_rss_kib);
    }
  return run;
}

OtaTestCliRun *
ota_test_cli_run (const gchar *const *argv, OtaTestCliLineFunc func, gpointer user_data,
                  gdouble limit_s)
{
  return run_child (argv, func, user_data, limit_s, FALSE);
}

OtaTestCliRun *
ota_test_cli_run_unprivileged (const gchar *const *argv, OtaTestCliLineFunc func,
                               gpointer user_data, gdouble limit_s)
{
#ifdef G_OS_UNIX
  g_assert_cmpint (geteuid (), ==, 0);
#endif
  return run_child (argv, func, user_data, limit_s, TRUE);
}

static void
check_event (const cJSON *obj, const gchar *line)
{
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive (obj, "event");
  const gchar *name;

  g_assert_true (cJSON_IsString (ev));
  name = ev->valuestring;
  if (g_str_equal (name, "result"))
    {
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "status")));
      g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "exit_code")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "message")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "device_state")));
    }
  else if (g_str_equal (name, "progress"))
    {
      const gchar *num[] = { "t", "stage", "percent", "bytes", "total", "rate", NULL };

      for (guint k = 0; num[k] != NULL; k++)
        g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, num[k])));
      g_assert_true (cJSON_IsBool (cJSON_GetObjectItem (obj, "committed")));
      g_assert_cmpint (cJSON_GetObjectItem (obj, "percent")->valueint, <=, 100);
      g_assert_cmpfloat (cJSON_GetObjectItem (obj, "bytes")->valuedouble, <=,
                         MAX (cJSON_GetObjectItem (obj, "total")->valuedouble, 0));
    }
  else if (g_str_equal (name, "stage"))
    {
      const cJSON *stage = cJSON_GetObjectItem (obj, "stage");
      const cJSON *state = cJSON_GetObjectItem (obj, "state");

      g_assert_true (cJSON_IsNumber (stage));
      g_assert_true (stage->valueint == 1 || stage->valueint == 2);
      g_assert_true (cJSON_IsString (state));
      g_assert_true (g_str_equal (state->valuestring, "start")
                     || g_str_equal (state->valuestring, "end"));
      if (g_str_equal (state->valuestring, "end"))
        g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "outcome")));
    }
  else if (g_str_equal (name, "log"))
    {
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "level")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "code")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "message")));
      if (g_str_equal (cJSON_GetObjectItem (obj, "code")->valuestring, "wifi"))
        {
          const cJSON *network = cJSON_GetObjectItem (obj, "network");

          g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "wifi_step")));
          g_assert_true (cJSON_IsString (network) || cJSON_IsNull (network));
        }
    }
  else if (g_str_equal (name, "network"))
    {
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "ssid")));
      g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "signal")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "security")));
      g_assert_true (cJSON_IsBool (cJSON_GetObjectItem (obj, "recovery")));
    }
  else if (g_str_equal (name, "device"))
    {
      g_assert_true (cJSON_IsBool (cJSON_GetObjectItem (obj, "single_backup")));
      g_assert_true (cJSON_IsBool (cJSON_GetObjectItem (obj, "stage_two_pending")));
    }
  else if (g_str_equal (name, "history"))
    {
      /* --history --json: one record (docs/cli.md) */
      g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "id")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "start")));
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "outcome")));
      g_assert_nonnull (cJSON_GetObjectItem (obj, "uuid"));
      g_assert_nonnull (cJSON_GetObjectItem (obj, "file_sha256"));
    }
  else if (g_str_equal (name, "file"))
    {
      g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "sha256")));
      g_assert_true (cJSON_IsArray (cJSON_GetObjectItem (obj, "entries")));
    }
  else if (g_str_equal (name, "unit"))
    {
      /* --batch: a unit starts or ends */
      const cJSON *state = cJSON_GetObjectItem (obj, "state");

      g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "unit")));
      g_assert_true (cJSON_IsString (state));
      if (g_str_equal (state->valuestring, "end"))
        {
          g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "outcome")));
          g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "exit_code")));
        }
    }
  else if (g_str_equal (name, "summary"))
    {
      g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "units")));
      g_assert_true (cJSON_IsObject (cJSON_GetObjectItem (obj, "counts")));
      g_assert_true (cJSON_IsNumber (cJSON_GetObjectItem (obj, "exit_code")));
    }
  else
    g_error ("unknown event \"%s\" in: %s", name, line);
}

void
ota_test_cli_check_json (OtaTestCliRun *run)
{
  g_assert_nonnull (run);
  if (run->killed)
    g_error ("otaflash did not end within its limit (%.1f s) and was killed; stderr: %s",
             run->elapsed_s, run->err);
  if (run->lines->len == 0)
    g_error ("otaflash printed nothing on stdout (exit %d); stderr: %s", run->status, run->err);
  g_clear_pointer (&run->result, cJSON_Delete);
  for (guint i = 0; i < run->lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (run->lines, i);
      g_autoptr (cJSON) obj = cJSON_Parse (line);
      const cJSON *ev;

      if (obj == NULL || !cJSON_IsObject (obj))
        g_error ("stdout line %u is not a JSON object: %s", i, line);
      check_event (obj, line);
      ev = cJSON_GetObjectItemCaseSensitive (obj, "event");
      if (g_str_equal (ev->valuestring, "result"))
        {
          /* exactly one result, and it is the last line */
          g_assert_null (run->result);
          g_assert_cmpuint (i, ==, run->lines->len - 1);
          g_assert_cmpint (cJSON_GetObjectItem (obj, "exit_code")->valueint, ==, run->status);
          run->result = cJSON_Duplicate (obj, TRUE);
        }
    }
  if (run->result == NULL)
    g_error ("no result event (exit %d); stderr: %s", run->status, run->err);
}

OtaTestCliRun *
ota_test_cli_run_json (OtaTestEmu *emu, const gchar *const *extra, OtaTestCliLineFunc func,
                       gpointer user_data)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;
  g_auto (GStrv) argv = NULL;
  OtaTestCliRun *run;

  g_strv_builder_add (b, "--json");
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  more = g_strv_builder_end (b);
  argv = ota_test_cli_argv (emu, (const gchar *const *) more);
  run = ota_test_cli_run ((const gchar *const *) argv, func, user_data, 0);
  ota_test_cli_check_json (run);
  return run;
}

const gchar *
ota_test_cli_result_string (OtaTestCliRun *run, const gchar *key)
{
  const cJSON *v = run->result != NULL ? cJSON_GetObjectItem (run->result, key) : NULL;

  return cJSON_IsString (v) ? v->valuestring : NULL;
}

guint
ota_test_cli_count_events (OtaTestCliRun *run, const gchar *event, const gchar *key,
                           const gchar *value)
{
  guint n = 0;

  for (guint i = 0; i < run->lines->len; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (run->lines, i));
      const cJSON *ev = obj != NULL ? cJSON_GetObjectItem (obj, "event") : NULL;
      const cJSON *v;

      if (!cJSON_IsString (ev) || g_strcmp0 (ev->valuestring, event) != 0)
        continue;
      if (key == NULL)
        {
          n++;
          continue;
        }
      v = cJSON_GetObjectItem (obj, key);
      if (cJSON_IsString (v) && g_strcmp0 (v->valuestring, value) == 0)
        n++;
      else if (cJSON_IsNumber (v) && g_strcmp0 (value, "") != 0 && v->valueint == atoi (value))
        n++;
    }
  return n;
}

void
ota_test_cli_assert_contains (OtaTestCliRun *run, const gchar *haystack, const gchar *needle)
{
  if (haystack != NULL && needle != NULL && strstr (haystack, needle) != NULL)
    return;
  for (guint i = 0; i < run->lines->len; i++)
    g_printerr ("  out| %s\n", (const gchar *) g_ptr_array_index (run->lines, i));
  g_printerr ("  err| %s\n", run->err);
  g_error ("\"%s\" lacks \"%s\" (exit %d)", haystack != NULL ? haystack : "(null)", needle,
           run->status);
}
