/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestGui"

/* The window, driven like a person would: the real application and window in
 * this process, their real buttons clicked, against `otaflash-emu --strict`
 * on free loopback ports. Every run checks what the window says and what the
 * emulator recorded, with zero device-safety violations.
 *
 * `test-gui --screenshots DIR` drives the same window through its main
 * states and writes a PNG of each into DIR (scripts/screenshots.sh). */

#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "ota-application-private.h"
#include "ota-window-private.h"
#include "ota-error.h"
#include "ota-history-window.h"
#include "ota-json.h"
#include "ota-cancel-dialog.h"
#include "ota-demo.h"
#include "ota-settings.h"
#include "ota-test-cli.h"
#include "ota-i18n.h"
#include "ota-test-emu.h"

#define READY_MS 30000  /* the window finds the device, checks the file */
#define FLASH_MS 240000 /* a whole upgrade, both stages and two restarts */
#define STOP_MS 10000   /* what a closed application started ends, cancelled */

typedef struct _Fixture Fixture;

/* What a test does with the running application, from its main loop. */
typedef void (*AppBody) (Fixture *f);

struct _Fixture {
  gchar *dir;          /* temporary: settings and firmware files */
  gchar *ufw;          /* valid, version 1.0.2 */
  gconstpointer data;  /* the test case's */
  OtaTestEmu *emu;     /* the last one the settings pointed at, borrowed */
  OtaApplication *app; /* while run_app() runs */
  OtaWindow *window;
  AppBody body;
  gboolean body_ran;
  GPtrArray *stage_texts;
  GPtrArray *titles;       /* every window title, in order */
  GPtrArray *detail_texts; /* every progress detail line, in order */
  gdouble last_fraction;   /* the overall bar, to see it never go back */
  gboolean bar_went_back;
};

/* ---- waiting, always bounded --------------------------------------------------- */

typedef gboolean (*CondFunc) (Fixture *f, gconstpointer data);

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @cond holds; fails the test after @timeout_ms. */
static void
wait_until (Fixture *f, CondFunc cond, gconstpointer data, guint timeout_ms, const gchar *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (20, wake_cb, NULL);

  while (!cond (f, data))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_source_remove (wake);
          g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

/* Lets pending redraws and idles run. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;
  guint wake = g_timeout_add (10, wake_cb, NULL);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

static const gchar *
label_text (GtkWidget *label)
{
  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
label_contains (GtkWidget *label, const gchar *needle)
{
  return strstr (label_text (label), needle) != NULL;
}

/* ---- conditions ------------------------------------------------------------------ */

static gboolean
can_flash (Fixture *f, gconstpointer data)
{
  return gtk_widget_get_sensitive (ota_window_get_flash_button (f->window));
}

/* The window's words in the language the test runs in (the screenshots run
 * in Chinese too): the translation of @msgid, up to its first directive. */
static const gchar *
tr (const gchar *msgid)
{
  const gchar *text = _ (msgid);
  const gchar *directive = strchr (text, '%');
  g_autofree gchar *cut
      = directive != NULL ? g_strndup (text, (gsize) (directive - text)) : g_strdup (text);

  return g_intern_string (cut);
}

static gboolean
device_connected (Fixture *f, gconstpointer data)
{
  return label_contains (ota_window_get_device_status_label (f->window),
                         tr ("Connected to the device at %s"))
         || label_contains (ota_window_get_device_status_label (f->window),
                            tr ("Demo device (not a real device) at %s"));
}

static gboolean
device_absent (Fixture *f, gconstpointer data)
{
  return label_contains (ota_window_get_device_status_label (f->window),
                         tr ("Nothing answers at %s."));
}

static gboolean
file_checked (Fixture *f, gconstpointer data)
{
  const gchar *text = label_text (ota_window_get_file_status_label (f->window));

  return g_str_has_prefix (text,
                           tr ("Valid firmware: every checksum is right and the updater is in it."))
         || g_str_has_prefix (text, tr ("The firmware file cannot be used."));
}

static gboolean
finished (Fixture *f, gconstpointer data)
{
  OtaFlash *engine = ota_application_get_engine (f->app);

  return !ota_flash_is_running (engine)
         && gtk_widget_get_visible (ota_window_get_result_bar (f->window))
         && !ota_window_is_flashing (f->window);
}

static gboolean
log_has_code (Fixture *f, gconstpointer data)
{
  g_autofree gchar *needle = g_strdup_printf ("\"code\":\"%s\"", (const gchar *) data);
  GPtrArray *lines = ota_window_get_log_lines (f->window);

  for (guint i = 0; i < lines->len; i++)
    if (strstr (g_ptr_array_index (lines, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static gboolean
dialog_shown (Fixture *f, gconstpointer data)
{
  GtkWidget *dialog = ota_application_get_cancel_dialog (f->app);

  return dialog != NULL && gtk_widget_get_mapped (dialog);
}

static gboolean
recovery_offered (Fixture *f, gconstpointer data)
{
  GtkWidget *button = ota_window_get_flash_button (f->window);

  return gtk_widget_get_visible (ota_window_get_recovery_bar (f->window))
         && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (button)), _ ("_Recover")) == 0
         && gtk_widget_get_sensitive (button);
}

static gboolean
stage_two_halfway (Fixture *f, gconstpointer data)
{
  return label_contains (ota_window_get_stage_label (f->window),
                         tr ("Stage 2 of 2: sending the firmware to the updater"))
         && gtk_progress_bar_get_fraction (
                GTK_PROGRESS_BAR (ota_window_get_progress_bar (f->window)))
                >= 0.4;
}

/* ---- fixture ----------------------------------------------------------------------- */

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-gui-XXXXXX", &error);
  g_assert_no_error (error);
  /* settings go to the temporary folder, never to the user's */
  g_setenv ("OTAFLASH_CONFIG_DIR", f->dir, TRUE);
  f->ufw = ota_test_make_ufw (f->dir, 300 * 1024 + 17, 70 * 1024 + 3, 42, "1.0.2",
                              OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  f->stage_texts = g_ptr_array_new_with_free_func (g_free);
  f->titles = g_ptr_array_new_with_free_func (g_free);
  f->detail_texts = g_ptr_array_new_with_free_func (g_free);
  f->data = data;
  /* the history of this test's flashes, never the build tree's or a user's */
  {
    g_autofree gchar *db = g_build_filename (f->dir, "history.db", NULL);
    g_setenv ("OTAFLASH_HISTORY_DB", db, TRUE);
  }
  /* the kept logs too */
  {
    g_autofree gchar *state = g_build_filename (f->dir, "state", NULL);
    g_setenv ("XDG_STATE_HOME", state, TRUE);
  }
}

static gboolean
app_finalized (Fixture *f, gconstpointer data)
{
  return f->app == NULL;
}

/* Drops the last reference to an application whose run has ended: it must
 * be finalized then (once what it started, a file check or a device read,
 * has ended), or its D-Bus objects would stay exported on the session bus
 * and the next application in this process could not register. */
static void
stop_app (Fixture *f)
{
  if (f->app == NULL)
    return;
  g_object_add_weak_pointer (G_OBJECT (f->app), (gpointer *) &f->app);
  g_object_unref (f->app);
  wait_until (f, app_finalized, NULL, STOP_MS, "the application to be finalized");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_assert_null (f->app);
  g_assert_null (f->window);
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ufw);
  g_ptr_array_unref (f->stage_texts);
  g_ptr_array_unref (f->titles);
  g_ptr_array_unref (f->detail_texts);
}

static void
title_changed_cb (GObject *window, GParamSpec *pspec, Fixture *f)
{
  g_ptr_array_add (f->titles, g_strdup (gtk_window_get_title (GTK_WINDOW (window))));
}

static void
detail_changed_cb (GObject *label, GParamSpec *pspec, Fixture *f)
{
  g_ptr_array_add (f->detail_texts, g_strdup (gtk_label_get_text (GTK_LABEL (label))));
}

static void
fraction_changed_cb (GObject *bar, GParamSpec *pspec, Fixture *f)
{
  gdouble fraction = gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (bar));

  /* only a new run (or a new device) starts it at 0 again */
  if (fraction < f->last_fraction && fraction > 0.0)
    f->bar_went_back = TRUE;
  f->last_fraction = fraction;
}

static void
stage_label_changed_cb (GObject *label, GParamSpec *pspec, Fixture *f)
{
  const gchar *text = gtk_label_get_text (GTK_LABEL (label));
  guint n = f->stage_texts->len;

  if (n == 0 || g_strcmp0 (g_ptr_array_index (f->stage_texts, n - 1), text) != 0)
    g_ptr_array_add (f->stage_texts, g_strdup (text));
}

static gboolean
saw_stage_text (Fixture *f, const gchar *needle)
{
  for (guint i = 0; i < f->stage_texts->len; i++)
    if (strstr (g_ptr_array_index (f->stage_texts, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

/* Network safety: the settings point at the emulator before the application
 * exists, so that its very first read goes to 127.0.0.1 (and $OTAFLASH_HOST
 * is 127.0.0.1 anyway). */
static void
write_settings (Fixture *f, OtaTestEmu *emu)
{
  g_autoptr (OtaSettings) settings = ota_settings_new ();
  g_autoptr (GError) error = NULL;

  ota_settings_set_host (settings, "127.0.0.1");
  ota_settings_set_last_file (settings, NULL);
  if (emu != NULL)
    ota_settings_set_ports (settings, emu->ctp_port, emu->http_port, emu->ota_port);
  ota_settings_save (settings, &error);
  g_assert_no_error (error);
}

/* The application is up with its window: check where it looks, run the
 * test's body, then close the window as a person would, which ends the
 * application's run. */
static gboolean
app_ready_cb (gpointer user_data)
{
  Fixture *f = user_data;
  guint16 http;

  f->window = ota_application_get_window (f->app);
  g_assert_nonnull (f->window);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
  g_signal_connect (ota_window_get_stage_label (f->window), "notify::label",
                    G_CALLBACK (stage_label_changed_cb), f);
  g_signal_connect (f->window, "notify::title", G_CALLBACK (title_changed_cb), f);
  g_signal_connect (ota_window_get_progress_detail_label (f->window), "notify::label",
                    G_CALLBACK (detail_changed_cb), f);
  g_signal_connect (ota_window_get_progress_bar (f->window), "notify::fraction",
                    G_CALLBACK (fraction_changed_cb), f);
  /* the host field says where the window looks: never the real default */
  ota_window_get_ports (f->window, NULL, &http, NULL);
  g_assert_cmpstr (ota_window_get_host (f->window), ==, "127.0.0.1");
  if (f->emu != NULL)
    g_assert_cmpuint (http, ==, f->emu->http_port);

  f->body (f);
  f->body_ran = TRUE;

  if (f->window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
      gtk_widget_destroy (GTK_WIDGET (f->window));
      f->window = NULL;
    }
  return G_SOURCE_REMOVE;
}

static void
app_activated_cb (GApplication *app, Fixture *f)
{
  g_idle_add (app_ready_cb, f);
}

static void
app_opened_cb (GApplication *app, GFile **files, gint n_files, const gchar *hint, Fixture *f)
{
  g_idle_add (app_ready_cb, f);
}

/* Runs the application as `otaflash [FILE]` does, through
 * g_application_run(): registered (on the session bus when there is one),
 * started up, activated or opened, and at the end shut down and
 * unregistered. @body runs from its main loop once the window is up; the
 * window is then closed. With @emu, the settings point at it first, so that
 * the application's very first read goes to 127.0.0.1 (and $OTAFLASH_HOST is
 * 127.0.0.1 anyway); without, the settings stay as they are and f->emu names
 * the emulator of an earlier run. */
static void
run_app (Fixture *f, OtaTestEmu *emu, const gchar *file, AppBody body)
{
  static guint n_apps;
  g_autofree gchar *app_id = NULL;
  gchar *argv[] = { (gchar *) "otaflash", (gchar *) file, NULL };
  gint status;

  if (emu != NULL)
    {
      write_settings (f, emu);
      f->emu = emu;
    }
  f->body = body;
  f->body_ran = FALSE;
  f->app = ota_application_new ();
  /* not unique, and a name of its own: on a shared session bus (a desktop
   * has one) tests run side by side, never sharing a bus name or a path */
  app_id = g_strdup_printf ("%s.Test.P%u.N%u", OTA_APPLICATION_ID, (guint) getpid (), ++n_apps);
  g_application_set_application_id (G_APPLICATION (f->app), app_id);
  g_application_set_flags (G_APPLICATION (f->app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (app_activated_cb), f);
  g_signal_connect_after (f->app, "open", G_CALLBACK (app_opened_cb), f);

  status = g_application_run (G_APPLICATION (f->app), file != NULL ? 2 : 1, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (f->body_ran);
  g_assert_null (f->window);
  stop_app (f);
}

static OtaTestEmu *
start_emu (const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  OtaTestEmu *emu = ota_test_emu_start (extra, &error);

  g_assert_no_error (error);
  return emu;
}

static GtkWidget *
result_detail_label (Fixture *f)
{
  return ota_result_view_get_detail_label (
      OTA_RESULT_VIEW (ota_window_get_result_view (f->window)));
}

static gdouble
progress_fraction (Fixture *f)
{
  return gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (ota_window_get_progress_bar (f->window)));
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_get_sensitive (button));
  gtk_button_clicked (GTK_BUTTON (button));
}

/* "Save Log…" writes what otaflash --cli --json prints: a "file" event first,
 * then the session's events, a "result" event last. */
static void
assert_saved_log (Fixture *f, const gchar *status, const gchar *version)
{
  g_autofree gchar *path = g_build_filename (f->dir, "saved.jsonl", NULL);
  g_autofree gchar *contents = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;
  guint n, kinds = 0;

  ota_window_save_log (f->window, path, &error);
  g_assert_no_error (error);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (contents, "\n"));
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines) - 1;
  g_assert_cmpuint (n, >=, 3);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (lines[i]);
      const cJSON *event = cJSON_GetObjectItem (obj, "event");
      const gchar *names[] = { "file", "device", "stage", "progress", "log", "result" };

      g_assert_nonnull (obj);
      g_assert_true (cJSON_IsString (event));
      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        if (g_str_equal (event->valuestring, names[k]))
          kinds |= 1u << k;
      if (i == 0)
        {
          g_assert_cmpstr (event->valuestring, ==, "file");
          g_assert_cmpstr (cJSON_GetObjectItem (obj, "version")->valuestring, ==, "1.0.2");
        }
      if (i == n - 1)
        {
          g_assert_cmpstr (event->valuestring, ==, "result");
          g_assert_cmpstr (cJSON_GetObjectItem (obj, "status")->valuestring, ==, status);
          if (version != NULL)
            g_assert_cmpstr (cJSON_GetObjectItem (obj, "firmware_version")->valuestring, ==,
                             version);
        }
    }
  /* file, device, stage, log and result always; progress once data flowed */
  g_assert_cmpuint (kinds & 0x37, ==, 0x37);
  if (version != NULL)
    g_assert_cmpuint (kinds, ==, 0x3f);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void
flash_body (Fixture *f)
{
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (ota_window_get_flash_button (f->window))), ==,
                   "_Flash");
  g_assert_cmpstr (label_text (ota_window_get_file_version_label (f->window)), ==, "1.0.2");
  g_assert_cmpstr (label_text (ota_window_get_device_version_label (f->window)), ==, "1.0.1");
  g_assert_false (gtk_widget_get_visible (ota_window_get_recovery_bar (f->window)));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_cancel_button (f->window)));

  click (ota_window_get_flash_button (f->window));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_flash_button (f->window)));
  g_assert_true (gtk_widget_get_sensitive (ota_window_get_cancel_button (f->window)));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");

  g_assert_true (saw_stage_text (f, "Stage 1 of 2"));
  g_assert_true (saw_stage_text (f, "Stage 2 of 2"));
  g_assert_true (label_contains (ota_window_get_stage_label (f->window), "Stage 2 of 2 done"));
  g_assert_true (label_contains (ota_window_get_result_label (f->window), "Success"));
  g_assert_true (label_contains (ota_window_get_result_label (f->window), "1.0.2"));
  g_assert_false (gtk_widget_get_visible (ota_window_get_next_step_label (f->window)));
  /* the device's own percentage, not a bar filled in at the end */
  g_assert_cmpfloat (progress_fraction (f), ==, 1.0);
  g_assert_true (log_has_code (f, "point-of-no-return"));
  g_assert_true (log_has_code (f, "reboot-wait"));
  g_assert_cmpstr (label_text (ota_window_get_device_version_label (f->window)), ==, "1.0.2");
  g_assert_cmpstr (ota_flash_get_new_version (ota_application_get_engine (f->app)), ==, "1.0.2");

  assert_saved_log (f, "success", "1.0.2");
}

/* One JSON Lines log as what a reader compares: each non-progress line's
 * kind (event and code, stage state and outcome, or status) with its keys,
 * and the keys every progress line has. */
static void
log_shape (gchar **lines, guint n, GPtrArray *shape, GHashTable *progress_keys)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (lines[i]);
      const gchar *event;
      g_autoptr (GString) line = g_string_new (NULL);

      g_assert_nonnull (obj);
      event = cJSON_GetObjectItem (obj, "event")->valuestring;
      if (g_str_equal (event, "debug"))
        continue;
      if (g_str_equal (event, "progress"))
        {
          for (const cJSON *k = obj->child; k != NULL; k = k->next)
            g_hash_table_add (progress_keys, g_strdup (k->string));
          continue;
        }
      g_string_append (line, event);
      for (const gchar *const *what
           = (const gchar *const[]){ "code", "state", "outcome", "status", "stage", NULL };
           *what != NULL; what++)
        {
          const cJSON *v = cJSON_GetObjectItem (obj, *what);
          if (cJSON_IsString (v))
            g_string_append_printf (line, " %s=%s", *what, v->valuestring);
          else if (cJSON_IsNumber (v))
            g_string_append_printf (line, " %s=%d", *what, v->valueint);
        }
      g_string_append (line, " keys:");
      for (const cJSON *k = obj->child; k != NULL; k = k->next)
        g_string_append_printf (line, " %s", k->string);
      g_ptr_array_add (shape, g_string_free (g_steal_pointer (&line), FALSE));
    }
}

static void
log_matches_cli_body (Fixture *f)
{
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  {
    g_autofree gchar *path = g_build_filename (f->dir, "window.jsonl", NULL);
    g_autoptr (GError) error = NULL;

    ota_window_save_log (f->window, path, &error);
    g_assert_no_error (error);
  }
}

/* The window's saved log and `otaflash --cli --json` come from one writer:
 * the same flash (same emulator settings) gives the same event sequence
 * with the same keys in both. */
static void
test_log_matches_cli (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--installed-version", "1.0.1", NULL };
  const gchar *cli_args[] = { f->ufw, NULL };
  g_autoptr (OtaTestEmu) gui_emu = start_emu (emu_args);
  g_autoptr (OtaTestEmu) cli_emu = NULL;
  g_autoptr (OtaTestCliRun) cli = NULL;
  g_autofree gchar *path = g_build_filename (f->dir, "window.jsonl", NULL);
  g_autofree gchar *contents = NULL;
  g_auto (GStrv) gui_lines = NULL;
  g_autoptr (GPtrArray) gui_shape = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) cli_shape = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) gui_progress
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) cli_progress
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) error = NULL;

  run_app (f, gui_emu, f->ufw, log_matches_cli_body);
  ota_test_emu_assert_installed (gui_emu, "1.0.2", FALSE);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  gui_lines = g_strsplit (contents, "\n", -1);
  log_shape (gui_lines, g_strv_length (gui_lines) - 1, gui_shape, gui_progress);

  cli_emu = start_emu (emu_args);
  cli = ota_test_cli_run_json (cli_emu, cli_args, NULL, NULL);
  g_assert_cmpint (cli->status, ==, 0);
  log_shape ((gchar **) cli->lines->pdata, cli->lines->len, cli_shape, cli_progress);

  g_assert_cmpuint (gui_shape->len, >=, 10);
  g_assert_cmpuint (gui_shape->len, ==, cli_shape->len);
  for (guint i = 0; i < gui_shape->len; i++)
    g_assert_cmpstr (g_ptr_array_index (gui_shape, i), ==, g_ptr_array_index (cli_shape, i));
  g_assert_cmpuint (g_hash_table_size (gui_progress), >, 0);
  g_assert_cmpuint (g_hash_table_size (gui_progress), ==, g_hash_table_size (cli_progress));
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, gui_progress);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_true (g_hash_table_contains (cli_progress, key));
  }
  ota_test_emu_assert_clean (gui_emu);
  ota_test_emu_assert_clean (cli_emu);
}

static void
test_flash (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--installed-version", "1.0.1", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, flash_body);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
cancel_before_body (Fixture *f)
{
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, log_has_code, "transfer", FLASH_MS, "the stage-one transfer");
  g_assert_false (ota_flash_get_committed (ota_application_get_engine (f->app)));

  /* before the point of no return: no question, cancelled at once */
  click (ota_window_get_cancel_button (f->window));
  g_assert_null (ota_application_get_cancel_dialog (f->app));
  g_assert_true (ota_flash_is_cancelling (ota_application_get_engine (f->app)));
  g_assert_true (label_contains (ota_window_get_activity_label (f->window), "Cancelling"));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");

  g_assert_true (label_contains (ota_window_get_result_label (f->window), "unchanged"));
  g_assert_true (label_contains (ota_window_get_stage_label (f->window), "cancelled"));
  g_assert_cmpint (ota_flash_get_device_state (ota_application_get_engine (f->app)), ==,
                   OTA_DEVICE_STATE_UNCHANGED);
  g_assert_false (log_has_code (f, "point-of-no-return"));
  assert_saved_log (f, "cancelled", NULL);
}

static void
test_cancel_before (Fixture *f, gconstpointer data)
{
  /* a slow first request, so that Cancel lands during the transfer */
  const gchar *extra[] = { "--installed-version",
                           "1.0.1",
                           "--time-scale",
                           "0.1",
                           "--fault",
                           "slow-erase:stage=1,read=1,secs=25",
                           NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, cancel_before_body);
  ota_test_emu_assert_installed (emu, "1.0.1", FALSE);
  ota_test_emu_assert_clean (emu);
}

static gboolean
emu_has_event (Fixture *f, gconstpointer data)
{
  OtaTestEmu *emu = (OtaTestEmu *) data;

  return ota_test_emu_count_events (emu, "fault") > 0;
}

/* Cancel clicked while the device, its probe reads answered, pauses before
 * announcing the total size: the STOP waits for a READ that only comes past
 * the point of no return. The cancel is dropped, said so, and the flash goes
 * on; the device is never stranded without a confirmed choice (S5). */
static void
cancel_overtaken_body (Fixture *f)
{
  OtaFlash *job;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  job = ota_application_get_engine (f->app);
  wait_until (f, emu_has_event, f->emu, FLASH_MS, "the device's pause before the total size");
  g_assert_false (ota_flash_get_committed (job));

  click (ota_window_get_cancel_button (f->window));
  g_assert_null (ota_application_get_cancel_dialog (f->app));
  g_assert_true (ota_flash_is_cancelling (job));
  g_assert_true (label_contains (ota_window_get_activity_label (f->window), "Cancelling"));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_cancel_button (f->window)));

  wait_until (f, log_has_code, "cancel-too-late", FLASH_MS, "the dropped cancel");
  g_assert_true (ota_flash_get_committed (job));
  g_assert_false (ota_flash_is_cancelling (job));
  g_assert_true (label_contains (ota_window_get_activity_label (f->window), "Too late"));
  /* it can be asked for again, and then it is the confirmed kind */
  g_assert_true (gtk_widget_get_sensitive (ota_window_get_cancel_button (f->window)));

  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  g_assert_true (label_contains (ota_window_get_result_label (f->window), "Success"));
  g_assert_cmpint (ota_flash_get_device_state (job), ==, OTA_DEVICE_STATE_UPDATED);
}

static void
test_cancel_overtaken (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--installed-version",         "1.0.1", "--time-scale", "0.1", "--fault",
                           "slow-commit:stage=1,secs=30", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, cancel_overtaken_body);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "stop"), ==, 0);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
cancel_after_body (Fixture *f)
{
  gboolean confirm = GPOINTER_TO_INT (f->data);
  OtaCancelDialog *dialog;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, log_has_code, "point-of-no-return", FLASH_MS, "the point of no return");
  g_assert_true (ota_flash_get_committed (ota_application_get_engine (f->app)));

  /* after it: a question, and nothing cancelled yet */
  click (ota_window_get_cancel_button (f->window));
  wait_until (f, dialog_shown, NULL, READY_MS, "the confirmation dialog");
  g_assert_false (ota_flash_is_cancelling (ota_application_get_engine (f->app)));
  dialog = OTA_CANCEL_DIALOG (ota_application_get_cancel_dialog (f->app));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (f->window));

  if (!confirm)
    {
      click (ota_cancel_dialog_get_keep_going_button (dialog));
      g_assert_null (ota_application_get_cancel_dialog (f->app));
      g_assert_false (ota_flash_is_cancelling (ota_application_get_engine (f->app)));
      wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
      g_assert_true (label_contains (ota_window_get_result_label (f->window), "1.0.2"));
      return;
    }

  click (ota_cancel_dialog_get_cancel_anyway_button (dialog));
  g_assert_null (ota_application_get_cancel_dialog (f->app));
  g_assert_true (ota_flash_is_cancelling (ota_application_get_engine (f->app)));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  /* plain words first; the engine's own account behind Details */
  g_assert_true (label_contains (ota_window_get_result_label (f->window), "halfway"));
  g_assert_true (label_contains (result_detail_label (f), "point of no return"));
  g_assert_cmpint (ota_window_get_result_kind (f->window), ==, OTA_RESULT_KIND_WARNING);
  g_assert_true (label_contains (ota_window_get_next_step_label (f->window), "WIFI_OTA_XXXXXX"));
  /* the device did not lose power: keeping it powered is the right advice */
  g_assert_true (label_contains (ota_window_get_next_step_label (f->window), "Keep the device"));
  g_assert_cmpint (ota_flash_get_device_state (ota_application_get_engine (f->app)), ==,
                   OTA_DEVICE_STATE_NEEDS_RECOVERY);

  /* the window then finds the device in its updater and offers to finish */
  wait_until (f, recovery_offered, NULL, FLASH_MS, "the recovery banner");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the recovery");
  g_assert_true (label_contains (ota_window_get_result_label (f->window), "1.0.2"));
}

/* Kept going or confirmed, the device ends with the new firmware. */
static void
test_cancel_after (Fixture *f, gconstpointer data)
{
  /* a slow flash, so that the transfer outlasts the question */
  const gchar *extra[] = { "--installed-version", "1.0.1", "--flash-rate", "150000", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, cancel_after_body);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
recovery_body (Fixture *f)
{
  wait_until (f, recovery_offered, NULL, READY_MS, "the recovery banner and the Recover button");
  g_assert_true (device_connected (f, NULL));

  click (ota_window_get_flash_button (f->window));
  g_assert_false (gtk_widget_get_visible (ota_window_get_recovery_bar (f->window)));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the recovery");

  g_assert_true (log_has_code (f, "recovery"));
  g_assert_false (saw_stage_text (f, "Stage 1 of 2"));
  g_assert_true (saw_stage_text (f, "Stage 2 of 2"));
  g_assert_true (label_contains (ota_window_get_result_label (f->window), "1.0.2"));
  g_assert_cmpfloat (progress_fraction (f), ==, 1.0);
  /* the device runs its normal firmware again, this file's: no banner, and
   * the button says it is up to date */
  g_assert_false (gtk_widget_get_visible (ota_window_get_recovery_bar (f->window)));
  g_assert_true (g_str_has_prefix (
      gtk_button_get_label (GTK_BUTTON (ota_window_get_flash_button (f->window))), "Up to Date"));
}

static void
test_recovery (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, recovery_body);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
invalid_file_body (Fixture *f)
{
  wait_until (f, file_checked, NULL, READY_MS, "the file check");
  wait_until (f, device_connected, NULL, READY_MS, "the device");
  settle (100);
  /* refused: the problem in plain words, the container check's reason below */
  g_assert_true (label_contains (ota_window_get_file_status_label (f->window), "cannot be used"));
  g_assert_false (label_contains (ota_window_get_file_status_label (f->window), "CRC"));
  g_assert_true (gtk_widget_get_visible (ota_window_get_file_detail_label (f->window)));
  g_assert_true (label_contains (ota_window_get_file_detail_label (f->window), "CRC"));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_flash_button (f->window)));
  gtk_button_clicked (GTK_BUTTON (ota_window_get_flash_button (f->window)));
  settle (100);
  g_assert_false (ota_flash_is_running (ota_application_get_engine (f->app)));

  /* a good file makes it usable */
  g_signal_emit_by_name (f->window, "file-chosen", f->ufw);
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  g_assert_cmpstr (label_text (ota_window_get_file_version_label (f->window)), ==, "1.0.2");
}

static void
test_invalid_file (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *bad = NULL;
  g_autofree gchar *bad_dir = g_build_filename (f->dir, "bad", NULL);

  g_mkdir (bad_dir, 0700);
  bad = ota_test_make_ufw (bad_dir, 300 * 1024, 70 * 1024, 7, "1.0.2", OTA_UFW_CORRUPT_DATA_CRC,
                           &error);
  g_assert_no_error (error);

  run_app (f, emu, bad, invalid_file_body);
  /* the device was only read */
  g_assert_cmpuint (ota_test_emu_count_events (emu, "read"), ==, 0);
  ota_test_emu_assert_clean (emu);
}

static void
unreachable_body (Fixture *f)
{
  wait_until (f, file_checked, NULL, READY_MS, "the file check");
  wait_until (f, device_absent, NULL, READY_MS, "\"Nothing answers\"");
  g_assert_true (label_contains (ota_window_get_device_status_label (f->window), "127.0.0.1"));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_flash_button (f->window)));
}

static void
test_unreachable (Fixture *f, gconstpointer data)
{
  /* a port nobody listens on: start an emulator, stop it, keep its ports */
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);

  ota_test_emu_stop (emu);
  run_app (f, emu, f->ufw, unreachable_body);
}

static void
settings_first_body (Fixture *f)
{
  wait_until (f, file_checked, NULL, READY_MS, "the file check");
}

static void
settings_second_body (Fixture *f)
{
  guint16 ctp, http, ota;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button with the remembered file");
  ota_window_get_ports (f->window, &ctp, &http, &ota);
  g_assert_cmpuint (ctp, ==, f->emu->ctp_port);
  g_assert_cmpuint (http, ==, f->emu->http_port);
  g_assert_cmpuint (ota, ==, f->emu->ota_port);
}

static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  g_autoptr (OtaSettings) saved = NULL;

  /* a file chosen once is chosen again at the next start, in the same
   * process: the first application is gone, the second registers */
  run_app (f, emu, f->ufw, settings_first_body);
  saved = ota_settings_new ();
  g_assert_cmpstr (ota_settings_get_last_file (saved), ==, f->ufw);
  g_assert_true (g_str_has_prefix (ota_settings_get_path (saved), f->dir));

  run_app (f, NULL, NULL, settings_second_body);
  ota_test_emu_assert_clean (emu);
}

/* The devices' Wi-Fi in Advanced: typed, saved (the file its owner's
 * only), read back, shown again at the next start, the password never as
 * text. */
static void
wifi_settings_first_body (Fixture *f)
{
  GtkWidget *password = ota_window_get_password_entry (f->window);
  GtkWidget *patterns = ota_window_get_patterns_entry (f->window);
  const gchar *name = atk_object_get_name (gtk_widget_get_accessible (password));

  wait_until (f, file_checked, NULL, READY_MS, "the file check");
  g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (password)));
  g_assert_nonnull (name);
  g_assert_cmpstr (name, !=, "");
  g_assert_nonnull (strstr (gtk_entry_get_placeholder_text (GTK_ENTRY (password)), "12345678"));
  g_assert_cmpstr (gtk_entry_get_text (GTK_ENTRY (patterns)), ==, "");
  gtk_entry_set_text (GTK_ENTRY (patterns), "factory_*, lab-??");
  gtk_entry_set_text (GTK_ENTRY (password), "other pass");
}

static void
wifi_settings_second_body (Fixture *f)
{
  wait_until (f, file_checked, NULL, READY_MS, "the file check");
  g_assert_cmpstr (ota_window_get_wifi_patterns (f->window), ==, "factory_*, lab-??");
  g_assert_cmpstr (ota_window_get_wifi_password (f->window), ==, "other pass");
  g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (ota_window_get_password_entry (f->window))));
}

static void
test_wifi_settings (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  g_autoptr (OtaSettings) saved = NULL;
  g_autoptr (OtaSettings) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *contents = NULL;
  g_auto (GStrv) split = NULL;
  GStatBuf st;

  run_app (f, emu, f->ufw, wifi_settings_first_body);
  saved = ota_settings_new ();
  g_assert_cmpstr (ota_settings_get_wifi_patterns (saved), ==, "factory_*, lab-??");
  g_assert_cmpstr (ota_settings_get_wifi_password (saved), ==, "other pass");
  g_assert_cmpint (g_stat (ota_settings_get_path (saved), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_file_get_contents (ota_settings_get_path (saved), &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, "[wifi]"));
  g_assert_nonnull (strstr (contents, "patterns=factory_*, lab-??"));

  /* the patterns as the filter's list: WIFI_OTA_* always counts */
  split = ota_settings_split_wifi_patterns (ota_settings_get_wifi_patterns (saved));
  g_assert_cmpstrv (split, ((const gchar *[]){ "factory_*", "lab-??", "WIFI_OTA_*", NULL }));
  g_assert_null (ota_settings_split_wifi_patterns (" , "));

  /* cleared: the defaults, and nothing left in the file */
  ota_settings_set_wifi_patterns (saved, "  ");
  ota_settings_set_wifi_password (saved, "");
  ota_settings_save (saved, &error);
  g_assert_no_error (error);
  again = ota_settings_new ();
  g_assert_null (ota_settings_get_wifi_patterns (again));
  g_assert_null (ota_settings_get_wifi_password (again));
  ota_settings_set_wifi_patterns (again, "factory_*, lab-??");
  ota_settings_set_wifi_password (again, "other pass");
  ota_settings_save (again, &error);
  g_assert_no_error (error);

  run_app (f, NULL, NULL, wifi_settings_second_body);
}

static gboolean
demo_bar_shown (Fixture *f, gconstpointer data)
{
  return gtk_widget_get_visible (ota_window_get_demo_bar (f->window)) && device_connected (f, NULL);
}

static void
demo_body (Fixture *f)
{
  GAction *action;

  action = g_action_map_lookup_action (G_ACTION_MAP (f->window), "try-demo");
  g_assert_nonnull (action);
  g_action_activate (action, NULL);
  wait_until (f, demo_bar_shown, NULL, READY_MS, "the demo device and the offer of a file");
  g_assert_cmpstr (ota_window_get_host (f->window), ==, OTA_DEMO_HOST);
  g_assert_cmpstr (label_text (ota_window_get_device_version_label (f->window)), ==,
                   OTA_DEMO_INSTALLED);

  gtk_info_bar_response (GTK_INFO_BAR (ota_window_get_demo_bar (f->window)), 1);
  wait_until (f, can_flash, NULL, READY_MS, "the demo firmware");
  g_assert_cmpstr (label_text (ota_window_get_file_version_label (f->window)), ==,
                   OTA_DEMO_FIRMWARE_VERSION);
  {
    /* neither the demo's ports nor its temporary file are remembered */
    g_autoptr (OtaSettings) saved = ota_settings_new ();
    guint16 http;

    ota_settings_get_ports (saved, NULL, &http, NULL);
    g_assert_null (ota_settings_get_last_file (saved));
    g_assert_cmpuint (http, ==, 8080);
  }

  /* it says it is a demo, and can be left: the address before it returns */
  g_assert_true (ota_window_get_demo_mode (f->window));
  g_assert_true (label_contains (ota_window_get_device_status_label (f->window),
                                 "Demo device (not a real device)"));
  g_assert_false (gtk_widget_get_visible (ota_window_get_try_demo_button (f->window)));
  click (ota_window_get_leave_demo_button (f->window));
  g_assert_false (ota_window_get_demo_mode (f->window));
  g_assert_false (gtk_widget_get_visible (ota_window_get_demo_bar (f->window)));
  {
    guint16 http;

    ota_window_get_ports (f->window, NULL, &http, NULL);
    g_assert_cmpuint (http, ==, 8080);
  }
}

static void
test_demo (Fixture *f, gconstpointer data)
{
  write_settings (f, NULL);
  run_app (f, NULL, NULL, demo_body);
}

/* ---- the result, for a person with a shelf of devices ------------------------------------ */

static GtkWidget *
result_view_child (Fixture *f, GtkWidget *(*get) (OtaResultView *) )
{
  return get (OTA_RESULT_VIEW (ota_window_get_result_view (f->window)));
}

static const gchar *
result_icon (Fixture *f)
{
  const gchar *icon = NULL;

  gtk_image_get_icon_name (GTK_IMAGE (result_view_child (f, ota_result_view_get_image)), &icon,
                           NULL);
  return icon;
}

static gboolean
bar_has_class (Fixture *f, const gchar *name)
{
  return gtk_style_context_has_class (
      gtk_widget_get_style_context (ota_window_get_result_bar (f->window)), name);
}

static gboolean
saw_percent_title (Fixture *f)
{
  for (guint i = 0; i < f->titles->len; i++)
    {
      guint percent;
      gchar rest[64] = "";

      if (sscanf (g_ptr_array_index (f->titles, i), "%u %% %63[^\n]", &percent, rest) == 2
          && percent > 0 && percent < 100 && g_str_equal (rest, "— otaflash"))
        return TRUE;
    }
  return FALSE;
}

/* A description like @desc's, of another unit (or the same one). */
static OtaDescription *
other_unit (Fixture *f, const gchar *uuid, const gchar *version)
{
  OtaDescription *desc = g_new0 (OtaDescription, 1);

  desc->ota_type = g_strdup ("1");
  desc->ota_step = g_strdup ("0");
  desc->firmware_version = g_strdup (version);
  desc->product_type = g_strdup ("AC79_demo");
  desc->uuid = g_strdup (uuid);
  return desc;
}

static void
assert_reset (Fixture *f)
{
  g_assert_false (gtk_widget_get_visible (ota_window_get_result_bar (f->window)));
  g_assert_false (ota_window_get_result_shown (f->window));
  g_assert_cmpstr (label_text (ota_window_get_stage_label (f->window)), ==, "Ready");
  g_assert_cmpfloat (progress_fraction (f), ==, 0.0);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "otaflash");
}

static void
success_body (Fixture *f)
{
  OtaApplication *app = f->app;
  GtkWidget *flash = ota_window_get_flash_button (f->window);
  GtkWidget *dialog;
  const gchar *log_path;
  g_autofree gchar *logs = NULL;
  g_autofree gchar *contents = NULL;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (f->window)) == flash);
  click (flash);
  /* suspend and idle held off from the start to the end of the run */
  g_assert_true (ota_application_get_inhibiting (app));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  g_assert_false (ota_application_get_inhibiting (app));

  /* unmistakable: its own kind, message type, colour and icon */
  g_assert_cmpint (ota_window_get_result_kind (f->window), ==, OTA_RESULT_KIND_SUCCESS);
  g_assert_cmpint (
      gtk_info_bar_get_message_type (GTK_INFO_BAR (ota_window_get_result_bar (f->window))), ==,
      GTK_MESSAGE_INFO);
  g_assert_true (bar_has_class (f, "ota-success"));
  g_assert_false (bar_has_class (f, "ota-error"));
  g_assert_cmpstr (result_icon (f), ==, "emblem-ok-symbolic");
  g_assert_cmpstr (label_text (result_view_child (f, ota_result_view_get_headline_label)), ==,
                   "Updated");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Updated — otaflash");
  /* while it ran, the title said how far ("48 % — otaflash") */
  g_assert_true (saw_percent_title (f));
  /* one bar for the whole upgrade: never back to 0 between the stages */
  g_assert_false (f->bar_went_back);
  g_assert_cmpfloat (progress_fraction (f), ==, 1.0);
  /* nobody looked: the window asks for attention */
  if (!gtk_window_is_active (GTK_WINDOW (f->window)))
    g_assert_true (gtk_window_get_urgency_hint (GTK_WINDOW (f->window)));

  /* the run's log is kept without asking, under the state folder */
  log_path = ota_application_get_last_log_path (app);
  g_assert_nonnull (log_path);
  logs = g_build_filename (f->dir, "state", "otaflash", "logs", NULL);
  g_assert_true (g_str_has_prefix (log_path, logs));
  g_assert_true (g_file_get_contents (log_path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"event\":\"result\""));
  /* the readable log says when, by the clock */
  {
    GtkTextBuffer *buffer
        = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ota_window_get_log_view (f->window)));
    GtkTextIter start, end;
    g_autofree gchar *text = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d ", text, 0, 0));
  }

  /* a habitual Enter does not reflash: Flash is no longer the default,
   * and it says the device is up to date */
  g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (f->window)) != flash);
  g_assert_true (g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (flash)), "Up to Date"));
  /* the same version again: asked first, the safe answer the default */
  click (flash);
  dialog = ota_window_get_confirm_dialog (f->window);
  g_assert_nonnull (dialog);
  g_assert_false (ota_window_is_flashing (f->window));
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_assert_null (ota_window_get_confirm_dialog (f->window));
  g_assert_false (ota_window_is_flashing (f->window));
  g_assert_true (ota_window_get_result_shown (f->window));

  /* the same unit read again keeps its result */
  {
    g_autoptr (GError) error = NULL;
    OtaDescription *same = other_unit (f, NULL, "1.0.2");
    OtaDescription *next = other_unit (f, "0123456789abcdef-next-unit", "1.0.0");

    g_free (same->uuid);
    same->uuid = g_strdup (label_text (ota_window_get_device_uuid_label (f->window)));
    ota_window_set_device (f->window, same, NULL);
    g_assert_true (ota_window_get_result_shown (f->window));

    /* the next unit on the shelf: a new uuid, firmware 1.0.0 */
    ota_window_set_device (f->window, next, NULL);
    assert_reset (f);
    g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (flash)), ==, "_Flash");
    g_assert_true (gtk_window_get_default_widget (GTK_WINDOW (f->window)) == flash);
    ota_description_free (same);
    ota_description_free (next);
  }
}

static void
test_success_result (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--installed-version", "1.0.1", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, success_body);
  ota_test_emu_assert_clean (emu);
}

static void
failure_body (Fixture *f)
{
  const gchar *body;
  const gchar *detail;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");

  g_assert_cmpint (ota_window_get_result_kind (f->window), ==, OTA_RESULT_KIND_ERROR);
  g_assert_cmpint (
      gtk_info_bar_get_message_type (GTK_INFO_BAR (ota_window_get_result_bar (f->window))), ==,
      GTK_MESSAGE_ERROR);
  g_assert_true (bar_has_class (f, "ota-error"));
  g_assert_false (bar_has_class (f, "ota-success"));
  g_assert_cmpstr (result_icon (f), ==, "dialog-error-symbolic");
  g_assert_cmpstr (label_text (result_view_child (f, ota_result_view_get_headline_label)), !=,
                   "Updated");
  /* plain words first; the technical cause folded away, not lost */
  body = label_text (ota_window_get_result_label (f->window));
  detail = label_text (result_detail_label (f));
  g_assert_null (strstr (body, "127.0.0.1"));
  g_assert_cmpuint (strlen (detail), >, 0);
  g_assert_cmpstr (body, !=, detail);
  g_assert_true (
      gtk_widget_get_visible (result_view_child (f, ota_result_view_get_detail_expander)));
  g_assert_false (gtk_expander_get_expanded (
      GTK_EXPANDER (result_view_child (f, ota_result_view_get_detail_expander))));
  g_assert_false (g_str_has_suffix (gtk_window_get_title (GTK_WINDOW (f->window)), "%"));
  /* no rate or time left on a failure */
  g_assert_null (strstr (label_text (ota_window_get_progress_detail_label (f->window)), "left"));
  /* a failure screen never offers the demo */
  g_assert_false (gtk_widget_get_visible (ota_window_get_try_demo_button (f->window)));

  /* the device gone and back: the result is not about what is there now */
  {
    g_autoptr (GError) error
        = g_error_new_literal (OTA_ERROR, OTA_ERROR_NOT_REACHABLE, "connection refused");
    OtaDescription *back = other_unit (f, NULL, "1.0.1");

    back->uuid = g_strdup (label_text (ota_window_get_device_uuid_label (f->window)));
    ota_window_set_device (f->window, NULL, error);
    g_assert_true (ota_window_get_result_shown (f->window));
    ota_window_set_device (f->window, back, NULL);
    assert_reset (f);
    ota_description_free (back);
  }
}

static void
test_failure_result (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--installed-version", "1.0.1", "--fault", "refuse-ota", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, failure_body);
  ota_test_emu_assert_clean (emu);
}

static void
stall_body (Fixture *f)
{
  gboolean saw_wait = FALSE;

  ota_window_set_stall_ms (f->window, 400);
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  for (guint i = 0; i < f->detail_texts->len; i++)
    {
      const gchar *text = g_ptr_array_index (f->detail_texts, i);

      if (g_str_has_prefix (text, "Waiting for the device ("))
        {
          /* it counts, and nothing frozen stays next to it */
          g_assert_true (
              g_regex_match_simple ("^Waiting for the device \\(\\d+ s\\)…$", text, 0, 0));
          saw_wait = TRUE;
        }
    }
  g_assert_true (saw_wait);
  /* the end: no speed, no time left */
  g_assert_null (strstr (label_text (ota_window_get_progress_detail_label (f->window)), "left"));
  g_assert_null (strstr (label_text (ota_window_get_progress_detail_label (f->window)), "/s"));
  g_assert_cmpint (ota_window_get_result_kind (f->window), ==, OTA_RESULT_KIND_SUCCESS);
}

static void
test_stall (Fixture *f, gconstpointer data)
{
  /* 3 s of silence in stage one (150 device seconds at --time-scale 0.02) */
  const gchar *extra[]
      = { "--installed-version", "1.0.1", "--fault", "slow-erase:stage=1,read=3,secs=150", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, stall_body);
  ota_test_emu_assert_clean (emu);
}

/* ---- layout and accessibility -------------------------------------------------------------- */

static void
collect_widgets (GtkWidget *widget, gpointer user_data)
{
  g_ptr_array_add (user_data, widget);
  if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), collect_widgets, user_data);
}

static void
assert_fits (Fixture *f, const gchar *state)
{
  GtkRequisition natural;

  settle (50);
  gtk_widget_get_preferred_size (GTK_WIDGET (f->window), NULL, &natural);
  g_test_message ("%s: natural size %d x %d", state, natural.width, natural.height);
  if (g_getenv ("OTA_TEST_LAYOUT_DEBUG") != NULL)
    {
      g_autoptr (GPtrArray) all = g_ptr_array_new ();

      collect_widgets (GTK_WIDGET (f->window), all);
      for (guint i = 0; i < all->len; i++)
        {
          gint w;
          gtk_widget_get_preferred_width (g_ptr_array_index (all, i), NULL, &w);
          if (w > 300 && GTK_IS_LABEL (g_ptr_array_index (all, i)))
            g_test_message ("  %s %d: %s", G_OBJECT_TYPE_NAME (g_ptr_array_index (all, i)), w,
                            gtk_label_get_text (g_ptr_array_index (all, i)));
        }
    }
  if (natural.width > 800 || natural.height > 600)
    g_error ("%s: the window wants %d x %d, more than an 800 x 600 screen", state, natural.width,
             natural.height);
}

static void
layout_body (Fixture *f)
{
  wait_until (f, file_checked, NULL, READY_MS, "the file check");
  wait_until (f, device_connected, NULL, READY_MS, "the device");
  assert_fits (f, "ready");
  gtk_expander_set_expanded (GTK_EXPANDER (ota_window_get_advanced_expander (f->window)), TRUE);
  assert_fits (f, "ready, Advanced open");
  /* a failure with its next step, Advanced still open */
  ota_window_show_problem (f->window,
                           "data channel: cannot connect to 127.0.0.1 port 43335: Could not "
                           "connect: Connection refused, and then some more words to wrap",
                           "Connect this PC to the device's Wi-Fi network, check the device's "
                           "address, then try again.");
  assert_fits (f, "failure, Advanced open");
  gtk_expander_set_expanded (GTK_EXPANDER (ota_window_get_advanced_expander (f->window)), FALSE);
  gtk_widget_show (ota_window_get_demo_bar (f->window));
  assert_fits (f, "failure with the demo banner");
}

static void
test_layout (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);

  run_app (f, emu, f->ufw, layout_body);
}

/* Tab from the first control round to it again, as a keyboard user would,
 * then every control: focusable ones have a name, labels are skipped. */

static void
a11y_body (Fixture *f)
{
  g_autoptr (GPtrArray) stops = g_ptr_array_new ();
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  GtkWidget *first = NULL;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  gtk_expander_set_expanded (GTK_EXPANDER (ota_window_get_advanced_expander (f->window)), TRUE);
  settle (50);

  for (guint i = 0; i < 100; i++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD))
        {
          /* wrapped round: start again from the top */
          gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
          if (!gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD))
            break;
        }
      focus = gtk_window_get_focus (GTK_WINDOW (f->window));
      if (focus == first)
        break;
      if (first == NULL)
        first = focus;
      g_ptr_array_add (stops, focus);
    }
  g_assert_cmpuint (stops->len, >=, 5);
  for (guint i = 0; i < stops->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (stops, i);
      const gchar *name = atk_object_get_name (gtk_widget_get_accessible (w));

      g_test_message ("tab stop %u: %s \"%s\"", i, G_OBJECT_TYPE_NAME (w), name);
      /* read-only values are no tab stops */
      g_assert_false (GTK_IS_LABEL (w));
      g_assert_nonnull (name);
      g_assert_cmpstr (name, !=, "");
    }
  /* the controls a technician uses are all on the way */
  g_assert_true (g_ptr_array_find (stops, ota_window_get_flash_button (f->window), NULL));
  g_assert_true (g_ptr_array_find (stops, ota_window_get_advanced_expander (f->window), NULL));

  collect_widgets (GTK_WIDGET (f->window), all);
  for (guint i = 0; i < all->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (all, i);
      const gchar *name = atk_object_get_name (gtk_widget_get_accessible (w));

      if (GTK_IS_ENTRY (w) || GTK_IS_PROGRESS_BAR (w)
          || (GTK_IS_BUTTON (w) && gtk_widget_get_visible (w)))
        {
          if (name == NULL || *name == '\0')
            g_error ("%s has no accessible name", G_OBJECT_TYPE_NAME (w));
        }
      /* no status icon speaks as the icon it happens to use */
      if (GTK_IS_IMAGE (w) && name != NULL && gtk_widget_get_ancestor (w, GTK_TYPE_BUTTON) == NULL)
        g_assert_cmpstr (name, !=, "Open");
    }
}

static void
test_a11y (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);

  run_app (f, emu, f->ufw, a11y_body);
}

static gboolean
question_shown (Fixture *f, gconstpointer data)
{
  return f->window != NULL && ota_window_get_confirm_dialog (f->window) != NULL;
}

static gboolean
window_gone (Fixture *f, gconstpointer data)
{
  return f->window == NULL;
}

static void
quit_in_updater_body (Fixture *f)
{
  GtkWidget *dialog;

  wait_until (f, recovery_offered, NULL, READY_MS, "the recovery banner");
  /* Ctrl+Q with a device in its updater: asked first */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  wait_until (f, question_shown, NULL, READY_MS, "the question before quitting");
  dialog = ota_window_get_confirm_dialog (f->window);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  settle (200);
  g_assert_nonnull (f->window);
  g_assert_null (ota_window_get_confirm_dialog (f->window));
  /* confirmed: the window closes */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  wait_until (f, question_shown, NULL, READY_MS, "the question before quitting");
  dialog = ota_window_get_confirm_dialog (f->window);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  wait_until (f, window_gone, NULL, READY_MS, "the window to close");
}

static void
test_quit_in_updater (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, quit_in_updater_body);
}

/* ---- screenshots ------------------------------------------------------------------------- */

static void
snapshot (GtkWidget *widget, const gchar *dir, const gchar *name)
{
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = g_build_filename (dir, name, NULL);
  GdkWindow *window;

  settle (600);
  window = gtk_widget_get_window (widget);
  pixbuf = gdk_pixbuf_get_from_window (window, 0, 0, gdk_window_get_width (window),
                                       gdk_window_get_height (window));
  g_assert_nonnull (pixbuf);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  g_print ("wrote %s\n", path);
}

/* In the screenshot bodies, f->data is the output folder; every state is
 * shot at each size in shot_sizes. */
static const gint shot_sizes[][2] = { { 800, 600 }, { 1920, 1080 } };
static guint shot_size;

static void
shot (Fixture *f, const gchar *state)
{
  g_autofree gchar *name
      = g_strdup_printf ("%s-%dx%d.png", state, shot_sizes[shot_size][0], shot_sizes[shot_size][1]);

  snapshot (GTK_WIDGET (f->window), f->data, name);
}

static void
shot_resize (Fixture *f)
{
  /* the PNG (client-side decorations and their shadow included) is about
   * the screen's size */
  gtk_window_resize (GTK_WINDOW (f->window), shot_sizes[shot_size][0] - 10,
                     shot_sizes[shot_size][1] - 56);
  settle (300);
}

static gboolean
stage_one_under_way (Fixture *f, gconstpointer data)
{
  return label_contains (ota_window_get_stage_label (f->window),
                         tr ("Stage 1 of 2: sending the updater to the device"))
         && progress_fraction (f) >= 0.15;
}

static gboolean
between_stages (Fixture *f, gconstpointer data)
{
  g_autofree gchar *done = g_strdup_printf (_ ("Stage %u of 2 done"), 1u);

  return label_contains (ota_window_get_stage_label (f->window), done);
}

/* no file, no device */
static void
shot_idle (Fixture *f)
{
  shot_resize (f);
  wait_until (f, device_absent, NULL, READY_MS, "\"Nothing answers\"");
  shot (f, "idle");
}

/* a whole upgrade: ready, stage one, the restart between, stage two, success */
static void
shot_flow (Fixture *f)
{
  shot_resize (f);
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  shot (f, "ready");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, stage_one_under_way, NULL, FLASH_MS, "stage one under way");
  shot (f, "stage1");
  wait_until (f, between_stages, NULL, FLASH_MS, "the restart between the stages");
  shot (f, "between-stages");
  wait_until (f, stage_two_halfway, NULL, FLASH_MS, "stage two under way");
  shot (f, "stage2");
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  shot (f, "success");
}

static void
shot_failure (Fixture *f)
{
  shot_resize (f);
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  shot (f, "failure");
}

static void
shot_cancelled (Fixture *f)
{
  shot_resize (f);
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  click (ota_window_get_flash_button (f->window));
  wait_until (f, log_has_code, "transfer", FLASH_MS, "the stage-one transfer");
  click (ota_window_get_cancel_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  shot (f, "cancelled");
}

static void
shot_recovery (Fixture *f)
{
  shot_resize (f);
  wait_until (f, recovery_offered, NULL, READY_MS, "the recovery banner");
  shot (f, "recovery");
}

static void
shot_demo (Fixture *f)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (f->window), "try-demo");

  shot_resize (f);
  g_action_activate (action, NULL);
  wait_until (f, demo_bar_shown, NULL, READY_MS, "the demo device");
  shot (f, "demo");
}

static void
shot_bad_file (Fixture *f)
{
  shot_resize (f);
  wait_until (f, file_checked, NULL, READY_MS, "the file check");
  wait_until (f, device_connected, NULL, READY_MS, "the device");
  shot (f, "bad-file");
}

static int
run_screenshots (const gchar *out_dir)
{
  Fixture fixture = { 0 };
  Fixture *f = &fixture;

  fixture_setup (f, out_dir);
  g_mkdir_with_parents (out_dir, 0755);

  for (shot_size = 0; shot_size < G_N_ELEMENTS (shot_sizes); shot_size++)
    {
      {
        g_autoptr (OtaTestEmu) gone = start_emu (NULL);

        ota_test_emu_stop (gone);
        run_app (f, gone, NULL, shot_idle);
      }
      {
        const gchar *extra[] = { "--installed-version", "1.0.1", "--flash-rate", "60000", NULL };
        g_autoptr (OtaTestEmu) emu = start_emu (extra);

        run_app (f, emu, f->ufw, shot_flow);
      }
      {
        const gchar *extra[] = { "--installed-version", "1.0.1", "--fault", "refuse-ota", NULL };
        g_autoptr (OtaTestEmu) emu = start_emu (extra);

        run_app (f, emu, f->ufw, shot_failure);
      }
      {
        const gchar *extra[] = { "--installed-version",
                                 "1.0.1",
                                 "--time-scale",
                                 "0.1",
                                 "--fault",
                                 "slow-erase:stage=1,read=1,secs=25",
                                 NULL };
        g_autoptr (OtaTestEmu) emu = start_emu (extra);

        run_app (f, emu, f->ufw, shot_cancelled);
      }
      {
        const gchar *extra[] = { "--start-in-loader", NULL };
        g_autoptr (OtaTestEmu) emu = start_emu (extra);

        run_app (f, emu, f->ufw, shot_recovery);
      }
      write_settings (f, NULL);
      f->emu = NULL;
      run_app (f, NULL, NULL, shot_demo);
      {
        g_autoptr (OtaTestEmu) emu = start_emu (NULL);
        g_autoptr (GError) error = NULL;
        g_autofree gchar *bad_dir = g_build_filename (f->dir, "bad", NULL);
        g_autofree gchar *bad = NULL;

        g_mkdir (bad_dir, 0700);
        bad = ota_test_make_ufw (bad_dir, 300 * 1024, 70 * 1024, 7, "1.0.2",
                                 OTA_UFW_CORRUPT_DATA_CRC, &error);
        g_assert_no_error (error);
        run_app (f, emu, bad, shot_bad_file);
      }
    }

  fixture_teardown (f, NULL);
  return 0;
}

/* ---- Flash Every Device, and the History window ------------------------------------------ */

static gboolean
batch_has_units (Fixture *f, gconstpointer data)
{
  return ota_batch_view_get_n_units (ota_window_get_batch_view (f->window))
         >= GPOINTER_TO_UINT (data);
}

static gboolean
batch_ended (Fixture *f, gconstpointer data)
{
  return !ota_window_is_batch (f->window)
         && !ota_flash_is_running (ota_application_get_engine (f->app));
}

static gboolean
history_shows (Fixture *f, gconstpointer data)
{
  GtkWidget *history = ota_application_get_history_window (f->app);

  return history != NULL
         && ota_history_window_get_n_shown (OTA_HISTORY_WINDOW (history))
                == GPOINTER_TO_UINT (data);
}

/* The records of the batch in the History window: all of them, one by its
 * uuid (the search entry), its log, the outcome filter, and the CSV of what
 * is shown. */
static void
check_history (Fixture *f, const gchar *uuid, gboolean failed)
{
  OtaHistoryWindow *history;
  GtkTreeView *tree;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree gchar *log = NULL;
  g_autofree gchar *csv_path = g_build_filename (f->dir, "history.csv", NULL);
  g_autofree gchar *csv = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) lines = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "history", NULL);
  history = OTA_HISTORY_WINDOW (ota_application_get_history_window (f->app));
  g_assert_nonnull (history);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (history)));
  g_assert_cmpuint (ota_history_window_get_n_shown (history), ==, 3);

  /* the search entry narrows to the one device (GtkSearchEntry waits a moment) */
  gtk_entry_set_text (GTK_ENTRY (ota_history_window_get_uuid_entry (history)), uuid);
  wait_until (f, history_shows, GUINT_TO_POINTER (1), READY_MS, "one record");

  /* its log */
  tree = GTK_TREE_VIEW (ota_history_window_get_tree_view (history));
  {
    g_autoptr (GtkTreePath) path = gtk_tree_path_new_first ();

    gtk_tree_selection_select_path (gtk_tree_view_get_selection (tree), path);
  }
  click (ota_history_window_get_show_log_button (history));
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ota_history_window_get_log_view (history)));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  log = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_nonnull (strstr (log, "\"event\":\"result\""));
  g_assert_nonnull (strstr (log, failed ? "\"status\":\"failed\"" : "\"status\":\"success\""));
  g_assert_true (gtk_widget_is_visible (ota_history_window_get_log_view (history)));

  /* the CSV of what is shown: the header and that one record */
  ota_history_window_export (history, csv_path, &error);
  g_assert_no_error (error);
  g_file_get_contents (csv_path, &csv, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (csv, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_prefix (lines[0], "id,start,end,duration_s,outcome,"));
  g_assert_nonnull (strstr (lines[1], uuid));
  g_assert_nonnull (strstr (lines[1], failed ? "failed-unchanged" : "success"));
  g_assert_cmpstr (lines[2], ==, "");

  /* the outcome filter, over every device again */
  gtk_entry_set_text (GTK_ENTRY (ota_history_window_get_uuid_entry (history)), "");
  wait_until (f, history_shows, GUINT_TO_POINTER (3), READY_MS, "every record");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (ota_history_window_get_outcome_combo (history)),
                               "failed");
  g_assert_cmpuint (ota_history_window_get_n_shown (history), ==, failed ? 1 : 0);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (ota_history_window_get_outcome_combo (history)),
                               "success");
  g_assert_cmpuint (ota_history_window_get_n_shown (history), ==, failed ? 2 : 3);
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (ota_history_window_get_since_combo (history)),
                               "today");
  g_assert_cmpuint (ota_history_window_get_n_shown (history), ==, failed ? 2 : 3);
  gtk_widget_destroy (GTK_WIDGET (history));
}

/* Three units through "Flash Every Device", "Stop After This Unit" on the
 * third; with data TRUE the second fails in stage one (a fault). */
static void
batch_body (Fixture *f)
{
  gboolean second_fails = GPOINTER_TO_INT (f->data);
  OtaBatchView *view = ota_window_get_batch_view (f->window);
  const gchar *uuids[3];
  g_autofree gchar *counters = NULL;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view)));
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "batch", NULL);
  g_assert_true (ota_window_is_batch (f->window));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view)));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_flash_button (f->window)));
  g_assert_true (gtk_widget_get_sensitive (ota_window_get_cancel_button (f->window)));
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), "batch"));

  /* the first unit's big result, then on to the next by itself */
  wait_until (f, batch_has_units, GUINT_TO_POINTER (2), FLASH_MS, "the second unit");
  g_assert_cmpint (ota_batch_view_get_unit_state (view, 1), ==, OTA_BATCH_UNIT_DONE);
  wait_until (f, batch_has_units, GUINT_TO_POINTER (3), FLASH_MS, "the third unit");
  click (ota_batch_view_get_stop_button (view));
  g_assert_false (gtk_widget_get_sensitive (ota_batch_view_get_stop_button (view)));
  wait_until (f, batch_ended, NULL, FLASH_MS, "the end of the batch");

  g_assert_cmpuint (ota_batch_view_get_n_units (view), ==, 3);
  for (guint unit = 1; unit <= 3; unit++)
    {
      gboolean fails = second_fails && unit == 2;

      uuids[unit - 1] = ota_batch_view_get_unit_uuid (view, unit);
      g_assert_nonnull (uuids[unit - 1]);
      g_assert_cmpuint (strlen (uuids[unit - 1]), >, 0);
      for (guint other = 1; other < unit; other++)
        g_assert_cmpstr (uuids[other - 1], !=, uuids[unit - 1]);
      g_assert_cmpint (ota_batch_view_get_unit_state (view, unit), ==,
                       fails ? OTA_BATCH_UNIT_FAILED : OTA_BATCH_UNIT_DONE);
      g_assert_cmpstr (ota_batch_view_get_unit_version_before (view, unit), ==, "1.0.1");
      g_assert_cmpstr (ota_batch_view_get_unit_version_after (view, unit), ==,
                       fails ? NULL : "1.0.2");
    }
  g_assert_cmpuint (ota_batch_view_get_n_ok (view), ==, second_fails ? 2 : 3);
  g_assert_cmpuint (ota_batch_view_get_n_failed (view), ==, second_fails ? 1 : 0);
  counters = g_strdup_printf ("OK %u · failed %u", second_fails ? 2 : 3, second_fails ? 1 : 0);
  g_assert_cmpstr (label_text (ota_batch_view_get_counters_label (view)), ==, counters);
  /* the last unit's big result; the window is free again */
  g_assert_true (gtk_widget_get_visible (ota_window_get_result_bar (f->window)));
  g_assert_cmpint (ota_window_get_result_kind (f->window), ==, OTA_RESULT_KIND_SUCCESS);
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->window), "batch"));
  g_assert_false (gtk_widget_get_sensitive (ota_window_get_cancel_button (f->window)));

  check_history (f, uuids[1], second_fails);
}

static void
test_batch (Fixture *f, gconstpointer data)
{
  const gchar *ok[]
      = { "--devices", "3", "--time-scale", "0.02", "--installed-version", "1.0.1", NULL };
  const gchar *fault[] = { "--devices",
                           "3",
                           "--time-scale",
                           "0.02",
                           "--fault",
                           "err:stage=1,unit=2",
                           "--installed-version",
                           "1.0.1",
                           NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (GPOINTER_TO_INT (data) ? fault : ok);

  run_app (f, emu, f->ufw, batch_body);
  /* the emulator saw three units, and no safety rule broken */
  g_assert_cmpuint (ota_test_emu_count_events (emu, "device-swap"), >=, 2);
  ota_test_emu_assert_clean (emu);
}

/* "Flash Every Device" with two units that run the file's version already:
 * one question for the batch; Reinstall flashes both, Cancel refuses both
 * as nothing to do without asking again. */

static gboolean
batch_question_shown (Fixture *f, gconstpointer data)
{
  GtkWidget *dialog = ota_application_get_batch_question (f->app);

  return dialog != NULL && gtk_widget_get_mapped (dialog);
}

static gboolean
batch_unit_ended (Fixture *f, gconstpointer data)
{
  OtaBatchView *view = ota_window_get_batch_view (f->window);
  guint unit = GPOINTER_TO_UINT (data);
  OtaBatchUnitState state;

  if (ota_batch_view_get_n_units (view) < unit)
    return FALSE;
  state = ota_batch_view_get_unit_state (view, unit);
  return state == OTA_BATCH_UNIT_DONE || state == OTA_BATCH_UNIT_FAILED
         || state == OTA_BATCH_UNIT_NEEDS_RECOVERY;
}

/* A refused unit is not upgraded: the technician puts the next one down. */
static void
emu_next (Fixture *f)
{
  GOutputStream *in = g_subprocess_get_stdin_pipe (f->emu->proc);

  g_assert_true (g_output_stream_write_all (in, "next\n", 5, NULL, NULL, NULL));
  g_output_stream_flush (in, NULL, NULL);
}

static void
batch_question_body (Fixture *f)
{
  gboolean reinstall = GPOINTER_TO_INT (f->data);
  OtaBatchView *view = ota_window_get_batch_view (f->window);
  GtkWidget *dialog;
  g_autofree gchar *question = NULL;

  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  g_action_group_activate_action (G_ACTION_GROUP (f->window), "batch", NULL);
  wait_until (f, batch_question_shown, NULL, READY_MS, "the reinstall question");
  dialog = ota_application_get_batch_question (f->app);
  g_object_get (dialog, "text", &question, NULL);
  g_assert_cmpstr (question, ==, "Reinstall firmware 1.0.2 on every unit that already runs it?");
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  /* nothing was sent to the unit while it asks */
  g_assert_cmpint (ota_batch_view_get_unit_state (view, 1), ==, OTA_BATCH_UNIT_WAITING);
  g_assert_false (ota_flash_is_running (ota_application_get_engine (f->app)));
  click (gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog),
                                             reinstall ? 1 : GTK_RESPONSE_CANCEL));
  g_assert_null (ota_application_get_batch_question (f->app));

  wait_until (f, batch_unit_ended, GUINT_TO_POINTER (1), FLASH_MS, "the first unit");
  if (!reinstall)
    emu_next (f);
  wait_until (f, batch_unit_ended, GUINT_TO_POINTER (2), FLASH_MS, "the second unit");
  g_assert_null (ota_application_get_batch_question (f->app));
  click (ota_batch_view_get_stop_button (view));
  wait_until (f, batch_ended, NULL, FLASH_MS, "the end of the batch");

  g_assert_cmpuint (ota_application_get_n_batch_questions (f->app), ==, 1);
  g_assert_cmpuint (ota_batch_view_get_n_units (view), ==, 2);
  for (guint unit = 1; unit <= 2; unit++)
    {
      g_assert_cmpint (ota_batch_view_get_unit_state (view, unit), ==,
                       reinstall ? OTA_BATCH_UNIT_DONE : OTA_BATCH_UNIT_FAILED);
      g_assert_cmpstr (ota_batch_view_get_unit_version_before (view, unit), ==, "1.0.2");
    }
  g_assert_cmpuint (ota_batch_view_get_n_ok (view), ==, reinstall ? 2 : 0);
  if (!reinstall)
    g_assert_cmpint (ota_window_get_result_kind (f->window), !=, OTA_RESULT_KIND_SUCCESS);
}

static void
test_batch_question (Fixture *f, gconstpointer data)
{
  const gchar *extra[]
      = { "--devices", "2", "--time-scale", "0.02", "--installed-version", "1.0.2", NULL };
  g_autoptr (OtaTestEmu) emu = NULL;

  /* a stdin pipe (--control-stdin) for "next" */
  g_setenv ("OTA_TEST_EMU_CONTROL_STDIN", "1", TRUE);
  emu = start_emu (extra);
  g_unsetenv ("OTA_TEST_EMU_CONTROL_STDIN");
  g_assert_true (emu->control_stdin);
  run_app (f, emu, f->ufw, batch_question_body);
  /* a result per stage of each unit flashed */
  g_assert_cmpuint (ota_test_emu_count_events (emu, "result"), ==, GPOINTER_TO_INT (data) ? 4 : 0);
  ota_test_emu_assert_clean (emu);
}

/* ---- Simplified Chinese (LC_ALL=zh_CN.UTF-8: ctest's test-gui-zh) -------------------------- */

/* An English word left in what the window shows: a run of 4+ letters that
 * is not a name (otaflash, Wi-Fi, JieLi, …) and not part of a value with
 * digits or underscores (versions, uuids, product types, addresses). */
static gboolean
find_english_word (const gchar *text, gchar **out_word)
{
  static const gchar *const names[]
      = { "otaflash", "JieLi", "Wi-Fi", "WIFI", "SSID", "UFW",  "ufw",    "SHA",    "HTTP", "JSON",
          "Lines",    "Ctrl",  "CTP",   "OTA",  "AC79", "wifi", "camera", "script", "ver",  NULL };
  g_autoptr (GRegex) word = g_regex_new ("[A-Za-z0-9_.:/\\-]+", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  g_regex_match (word, text, 0, &match);
  for (; g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree gchar *token = g_match_info_fetch (match, 0);
      g_auto (GStrv) parts = NULL;

      /* values: versions, uuids, file names, addresses, product types;
       * acronyms (UUID, CRC) are names too */
      if (strpbrk (token, "0123456789_./:") != NULL || token[0] == '-')
        continue;
      {
        gboolean upper = TRUE;

        for (const gchar *c = token; *c != '\0'; c++)
          upper = upper && !g_ascii_islower (*c);
        if (upper)
          continue;
      }
      parts = g_strsplit (token, "-", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        {
          if (strlen (parts[i]) < 4 || g_strv_contains (names, parts[i])
              || g_strv_contains (names, token))
            continue;
          *out_word = g_strdup (token);
          return TRUE;
        }
    }
  return FALSE;
}

/* Every text the window shows now (labels, buttons, the title, tooltips),
 * checked for English. */
static void
assert_all_chinese (GtkWidget *window, const gchar *state)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  guint checked = 0, chinese = 0;

  collect_widgets (window, all);
  for (guint i = 0; i < all->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (all, i);
      const gchar *texts[3] = { NULL, NULL, NULL };

      if (!gtk_widget_is_visible (w) && !GTK_IS_MENU_ITEM (w))
        continue;
      if (GTK_IS_LABEL (w))
        texts[0] = gtk_label_get_text (GTK_LABEL (w));
      if (GTK_IS_TREE_VIEW (w))
        {
          /* the column titles (the rows are records: names and values) */
          g_autoptr (GList) columns = gtk_tree_view_get_columns (GTK_TREE_VIEW (w));

          for (GList *l = columns; l != NULL; l = l->next)
            {
              const gchar *title = gtk_tree_view_column_get_title (l->data);
              g_autofree gchar *word = NULL;

              if (title != NULL && find_english_word (title, &word))
                g_error ("%s: English left in a column title: \"%s\"", state, title);
            }
        }
      g_autofree gchar *tooltip = gtk_widget_get_tooltip_text (w);

      texts[1] = tooltip;
      for (guint k = 0; k < 2; k++)
        {
          g_autofree gchar *word = NULL;

          if (texts[k] == NULL || *texts[k] == '\0')
            continue;
          checked++;
          for (const gchar *c = texts[k]; *c != '\0'; c = g_utf8_next_char (c))
            if (g_unichar_get_script (g_utf8_get_char (c)) == G_UNICODE_SCRIPT_HAN)
              {
                chinese++;
                break;
              }
          if (find_english_word (texts[k], &word))
            g_error ("%s: English left in a %s: \"%s\" (in \"%s\")", state, G_OBJECT_TYPE_NAME (w),
                     word, texts[k]);
        }
    }
  {
    g_autofree gchar *word = NULL;
    const gchar *title = gtk_window_get_title (GTK_WINDOW (window));

    if (title != NULL && find_english_word (title, &word))
      g_error ("%s: English left in the title: \"%s\"", state, title);
  }
  g_test_message ("%s: %u texts, %u with Chinese", state, checked, chinese);
  g_assert_cmpuint (checked, >=, 10);
  g_assert_cmpuint (chinese, >=, checked / 2);
}

static void
zh_body (Fixture *f)
{
  const gchar *messages = setlocale (LC_MESSAGES, NULL);

  if (messages == NULL || !g_str_has_prefix (messages, "zh_CN"))
    g_error ("the zh_CN.UTF-8 locale is missing (scripts/deps.sh makes it): messages are \"%s\"",
             messages != NULL ? messages : "");
  wait_until (f, can_flash, NULL, READY_MS, "the Flash button");
  gtk_expander_set_expanded (GTK_EXPANDER (ota_window_get_advanced_expander (f->window)), TRUE);
  settle (100);
  assert_all_chinese (GTK_WIDGET (f->window), "ready");
  /* the device refuses: the failure, its next step and the log in Chinese */
  click (ota_window_get_flash_button (f->window));
  wait_until (f, finished, NULL, FLASH_MS, "the end of the upgrade");
  settle (100);
  g_assert_cmpint (ota_window_get_result_kind (f->window), ==, OTA_RESULT_KIND_ERROR);
  assert_all_chinese (GTK_WIDGET (f->window), "failed");
  /* the history of that flash, in Chinese too */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "history", NULL);
  settle (200);
  g_assert_nonnull (ota_application_get_history_window (f->app));
  assert_all_chinese (ota_application_get_history_window (f->app), "history");
  gtk_widget_destroy (ota_application_get_history_window (f->app));
  settle (50);
}

static void
test_zh (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--installed-version", "1.0.1", "--fault", "refuse-ota", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (extra);

  run_app (f, emu, f->ufw, zh_body);
}

/* ---- main ----------------------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  /* network safety first: whatever the environment says */
  g_setenv ("OTAFLASH_HOST", "127.0.0.1", TRUE);
  /* no accessibility bus, no desktop settings daemon under Xvfb */
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_CSD", "1", TRUE);
  gtk_disable_setlocale ();
  /* the messages follow $LC_ALL: English for every group, Simplified Chinese
   * for test-gui-zh (ctest sets both) */
  setlocale (LC_ALL, "");
  ota_i18n_init ();

  if (argc == 3 && g_strcmp0 (argv[1], "--screenshots") == 0)
    {
      if (!gtk_init_check (NULL, NULL))
        {
          g_printerr ("test-gui: no display (run it under xvfb-run)\n");
          return 77;
        }
      return run_screenshots (argv[2]);
    }

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check (NULL, NULL))
    {
      g_printerr ("test-gui: no display; skipped (ctest runs it under xvfb-run)\n");
      return 77;
    }

#define ADD(path, func, data)                                                                      \
  g_test_add ("/gui/" path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("flash/both-stages", test_flash, NULL);
  ADD ("zh/window-translated", test_zh, NULL);
  ADD ("flash/log-matches-cli", test_log_matches_cli, NULL);
  ADD ("cancel/before-point-of-no-return", test_cancel_before, NULL);
  ADD ("cancel/overtaken-by-point-of-no-return", test_cancel_overtaken, NULL);
  ADD ("cancel/after-keep-going", test_cancel_after, GINT_TO_POINTER (FALSE));
  ADD ("cancel/after-confirmed-then-recover", test_cancel_after, GINT_TO_POINTER (TRUE));
  ADD ("recovery/start-in-loader", test_recovery, NULL);
  ADD ("file/invalid-refused", test_invalid_file, NULL);
  ADD ("device/unreachable", test_unreachable, NULL);
  ADD ("settings/remembered", test_settings, NULL);
  ADD ("settings/wifi-patterns-and-password", test_wifi_settings, NULL);
  ADD ("demo/emulator-and-file", test_demo, NULL);
  ADD ("flash/success-then-next-device", test_success_result, NULL);
  ADD ("flash/failure-plain-words", test_failure_result, NULL);
  ADD ("flash/stall-counts-seconds", test_stall, NULL);
  ADD ("layout/fits-800x600", test_layout, NULL);
  ADD ("a11y/tab-stops-and-names", test_a11y, NULL);
  ADD ("recovery/quit-asks-first", test_quit_in_updater, NULL);
  ADD ("batch/three-units-then-history", test_batch, GINT_TO_POINTER (FALSE));
  ADD ("batch/second-unit-fails-then-history", test_batch, GINT_TO_POINTER (TRUE));
  ADD ("batch/same-version-asked-once-reinstall", test_batch_question, GINT_TO_POINTER (TRUE));
  ADD ("batch/same-version-asked-once-cancel", test_batch_question, GINT_TO_POINTER (FALSE));
#undef ADD
  return g_test_run ();
}
