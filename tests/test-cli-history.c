/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestCliHistory"

/* The history through `otaflash --cli` against `otaflash-emu --strict`: a
 * flash is recorded and listed with --history --json; filters and the CSV
 * export; --no-history; a damaged database moved aside; an unusable one;
 * and otaflash killed with SIGKILL mid-transfer, after which --history shows
 * the record as interrupted and the database passes integrity_check. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include "ota-json.h"
#include "ota-test-cli.h"
#include "ota-test-emu.h"

typedef struct {
  gchar *dir;
  gchar *ufw; /* version 1.0.2 */
  gchar *db;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-cli-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->ufw = ota_test_make_ufw (f->dir, 300 * 1024 + 17, 70 * 1024 + 3, 42, "1.0.2",
                              OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "data", "history.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ufw);
  g_free (f->db);
}

static OtaTestEmu *
start_emu (const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  OtaTestEmu *emu = ota_test_emu_start (extra, &error);

  g_assert_no_error (error);
  return emu;
}

/* --json and --history-db @f->db, then @extra. */
static OtaTestCliRun *
run_json (Fixture *f, OtaTestEmu *emu, const gchar *const *extra, OtaTestCliLineFunc func,
          gpointer data)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;

  g_strv_builder_add_many (b, "--history-db", f->db, NULL);
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  more = g_strv_builder_end (b);
  return ota_test_cli_run_json (emu, (const gchar *const *) more, func, data);
}

/* The "history" events of a --history --json run, newest first. */
static cJSON *
list_history (Fixture *f, const gchar *const *extra)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) args = NULL;
  g_autoptr (OtaTestCliRun) r = NULL;
  cJSON *records = cJSON_CreateArray ();

  g_strv_builder_add (b, "--history");
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  args = g_strv_builder_end (b);
  r = run_json (f, NULL, (const gchar *const *) args, NULL, NULL);
  g_assert_cmpint (r->status, ==, 0);
  for (guint i = 0; i < r->lines->len; i++)
    {
      cJSON *obj = cJSON_Parse (g_ptr_array_index (r->lines, i));
      const cJSON *ev = cJSON_GetObjectItem (obj, "event");

      if (g_strcmp0 (ev->valuestring, "history") == 0)
        cJSON_AddItemToArray (records, obj);
      else
        cJSON_Delete (obj);
    }
  return records;
}

static const gchar *
str (const cJSON *obj, const gchar *key)
{
  const cJSON *v = cJSON_GetObjectItem (obj, key);

  return cJSON_IsString (v) ? v->valuestring : NULL;
}

/* A string field of the first event named @event in a run's output. */
static gchar *
event_string (OtaTestCliRun *r, const gchar *event, const gchar *key)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (r->lines, i));

      if (g_strcmp0 (str (obj, "event"), event) == 0)
        return g_strdup (str (obj, key));
    }
  return NULL;
}

static void
test_flash_listed (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--installed-version", "1.0.1", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) flash = run_json (f, emu, extra, NULL, NULL);
  g_autofree gchar *uuid = event_string (flash, "device", "uuid");
  g_autofree gchar *sha = event_string (flash, "file", "sha256");
  g_autoptr (cJSON) records = NULL;
  const cJSON *rec, *log, *last;

  g_assert_cmpint (flash->status, ==, 0);
  g_assert_nonnull (uuid);
  records = list_history (f, NULL);
  g_assert_cmpint (cJSON_GetArraySize (records), ==, 1);
  rec = cJSON_GetArrayItem (records, 0);
  g_assert_cmpstr (str (rec, "outcome"), ==, "success");
  g_assert_cmpstr (str (rec, "device_state"), ==, "updated");
  g_assert_cmpint (cJSON_GetObjectItem (rec, "exit_code")->valueint, ==, 0);
  g_assert_cmpstr (str (rec, "uuid"), ==, uuid);
  g_assert_cmpstr (str (rec, "product_type"), ==, "AC79x_wifi_camera");
  g_assert_cmpstr (str (rec, "version_before"), ==, "1.0.1");
  g_assert_cmpstr (str (rec, "version_after"), ==, "1.0.2");
  g_assert_cmpstr (str (rec, "file_sha256"), ==, sha);
  g_assert_true (g_str_has_suffix (str (rec, "file"), ".ufw"));
  g_assert_true (g_path_is_absolute (str (rec, "file")));
  g_assert_cmpfloat (cJSON_GetObjectItem (rec, "file_size")->valuedouble, >, 300 * 1024);
  g_assert_cmpfloat (cJSON_GetObjectItem (rec, "duration")->valuedouble, >, 0);
  g_assert_nonnull (str (rec, "end"));
  g_assert_cmpstr (str (rec, "otaflash_version"), !=, NULL);
  g_assert_cmpstr (str (rec, "host"), ==, g_get_host_name ());
  /* the event log, small: the file first, the result last, progress
   * coalesced to each 10 % */
  log = cJSON_GetObjectItem (rec, "log");
  g_assert_true (cJSON_IsArray (log));
  g_assert_cmpstr (str (cJSON_GetArrayItem (log, 0), "event"), ==, "file");
  last = cJSON_GetArrayItem (log, cJSON_GetArraySize (log) - 1);
  g_assert_cmpstr (str (last, "event"), ==, "result");
  g_assert_cmpstr (str (last, "status"), ==, "success");
  g_assert_cmpint (cJSON_GetArraySize (log), <, 60);

  /* the filters */
  {
    const gchar *mine[] = { "--device", uuid, NULL };
    const gchar *other[] = { "--device", "not-this-one", NULL };
    const gchar *future[] = { "--since", "2999-01-01", NULL };
    const gchar *past[] = { "--since", "2000-01-01T00:00:00Z", "--limit", "1", NULL };
    g_autoptr (cJSON) a = list_history (f, mine);
    g_autoptr (cJSON) b = list_history (f, other);
    g_autoptr (cJSON) c = list_history (f, future);
    g_autoptr (cJSON) d = list_history (f, past);

    g_assert_cmpint (cJSON_GetArraySize (a), ==, 1);
    g_assert_cmpint (cJSON_GetArraySize (b), ==, 0);
    g_assert_cmpint (cJSON_GetArraySize (c), ==, 0);
    g_assert_cmpint (cJSON_GetArraySize (d), ==, 1);
  }

  /* the CSV export */
  {
    g_autofree gchar *csv = g_build_filename (f->dir, "history.csv", NULL);
    const gchar *args[] = { "--history-export", csv, NULL };
    g_autoptr (OtaTestCliRun) r = run_json (f, NULL, args, NULL, NULL);
    g_autofree gchar *contents = NULL;

    g_assert_cmpint (r->status, ==, 0);
    g_assert_true (g_file_get_contents (csv, &contents, NULL, NULL));
    g_assert_true (g_str_has_prefix (contents, "id,start,end,"));
    g_assert_nonnull (strstr (contents, uuid));
    g_assert_nonnull (strstr (contents, sha));
    g_assert_nonnull (strstr (contents, ",success,updated,0,"));
  }

  /* --no-history: not recorded */
  {
    const gchar *args[] = { "--no-history", f->ufw, NULL };
    g_autoptr (OtaTestCliRun) again = run_json (f, emu, args, NULL, NULL);
    g_autoptr (cJSON) after = list_history (f, NULL);

    g_assert_cmpint (again->status, ==, 7); /* the device already runs it */
    g_assert_cmpint (cJSON_GetArraySize (after), ==, 1);
  }
  ota_test_emu_assert_clean (emu);
}

/* SIGKILL as soon as the device starts reading stage one's data. */
typedef struct {
  gboolean sent;
} Killer;

static void
kill_line_cb (GPid pid, const gchar *line, gpointer data)
{
  Killer *k = data;

  if (k->sent || strstr (line, "\"event\":\"progress\"") == NULL)
    return;
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  k->sent = TRUE;
}

static void
test_kill9 (Fixture *f, gconstpointer data)
{
  /* a slow flash: the transfer outlasts the kill by far */
  const gchar *emu_extra[] = { "--flash-rate", "50000", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { "--json", "--history-db", f->db, f->ufw, NULL };
  g_auto (GStrv) argv = ota_test_cli_argv (emu, extra);
  Killer k = { FALSE };
  g_autoptr (OtaTestCliRun) r = ota_test_cli_run ((const gchar *const *) argv, kill_line_cb, &k, 0);
  g_autoptr (cJSON) records = NULL;
  const cJSON *rec;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_true (k.sent);
  g_assert_cmpint (r->status, ==, -1);
  g_assert_cmpint (r->term_signal, ==, SIGKILL);

  /* the next otaflash finds the record its killed predecessor left running */
  records = list_history (f, NULL);
  g_assert_cmpint (cJSON_GetArraySize (records), ==, 1);
  rec = cJSON_GetArrayItem (records, 0);
  g_assert_cmpstr (str (rec, "outcome"), ==, "interrupted");
  g_assert_nonnull (str (rec, "uuid"));
  g_assert_cmpstr (str (rec, "version_before"), ==, "1.0.0");
  g_assert_null (str (rec, "end"));
  g_assert_true (cJSON_IsNull (cJSON_GetObjectItem (rec, "exit_code")));

  /* and the file is sound */
  g_assert_cmpint (sqlite3_open_v2 (f->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const gchar *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  ota_test_emu_stop (emu);
}

static void
test_corrupt_moved (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  g_autofree gchar *dir = g_path_get_dirname (f->db);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autoptr (cJSON) records = NULL;
  g_autoptr (GDir) d = NULL;
  const gchar *name;
  guint aside = 0;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (f->db, "not a database", -1, NULL));
  r = run_json (f, emu, extra, NULL, NULL);
  /* the flash goes on, and says where the old file went */
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (ota_test_cli_count_events (r, "log", "code", "history"), ==, 1);
  {
    g_autofree gchar *message = event_string (r, "log", "message");
    g_autofree gchar *want = g_strdup_printf ("%s.corrupt-", f->db);

    ota_test_cli_assert_contains (r, message, want);
  }
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    if (strstr (name, "history.db.corrupt-") != NULL)
      {
        g_autofree gchar *path = g_build_filename (dir, name, NULL);
        g_autofree gchar *contents = NULL;

        g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
        g_assert_cmpstr (contents, ==, "not a database");
        aside++;
      }
  g_assert_cmpuint (aside, ==, 1);
  records = list_history (f, NULL);
  g_assert_cmpint (cJSON_GetArraySize (records), ==, 1);
  ota_test_emu_assert_clean (emu);
}

/* A history that cannot be created: --history says so with exit 11; a
 * flash warns and goes on (here: a refused file, exit 4 as ever). */
static void
test_unusable (Fixture *f, gconstpointer data)
{
  g_autofree gchar *blocker = g_build_filename (f->dir, "file", NULL);
  g_autofree gchar *db = g_build_filename (blocker, "history.db", NULL);
  g_autofree gchar *missing = g_build_filename (f->dir, "missing.ufw", NULL);
  const gchar *list[] = { "--history", "--history-db", db, NULL };
  const gchar *flash[] = { "--history-db", db, missing, NULL };
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autoptr (OtaTestCliRun) r2 = NULL;

  g_assert_true (g_file_set_contents (blocker, "a file where a folder should be", -1, NULL));
  r = ota_test_cli_run_json (NULL, list, NULL, NULL);
  g_assert_cmpint (r->status, ==, 11);
  g_assert_cmpstr (ota_test_cli_result_string (r, "outcome"), ==, "history");
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "message"), db);
  g_assert_nonnull (ota_test_cli_result_string (r, "next_step"));

  r2 = ota_test_cli_run_json (NULL, flash, NULL, NULL);
  g_assert_cmpint (r2->status, ==, 4);
  g_assert_cmpuint (ota_test_cli_count_events (r2, "log", "code", "history"), ==, 1);
  /* nothing was moved: it was never a database */
  g_assert_true (g_file_test (blocker, G_FILE_TEST_IS_REGULAR));
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  const gchar *cases[][4] = {
    { "--device", "x", "a.ufw", NULL },
    { "--history", "a.ufw", NULL },
    { "--history", "--info", NULL },
    { "--history", "--since", "last week", NULL },
    { "--history", "--limit", "-1", NULL },
    { "--history", "--no-history", NULL },
    { "--history", "--history-export", "x.csv", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (OtaTestCliRun) r = ota_test_cli_run_json (NULL, cases[i], NULL, NULL);

      g_assert_cmpint (r->status, ==, 2);
      g_assert_cmpstr (ota_test_cli_result_string (r, "outcome"), ==, "usage");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add ("/cli-history/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

  ADD ("flash-listed", test_flash_listed);
  ADD ("kill-9", test_kill9);
  ADD ("corrupt-moved-aside", test_corrupt_moved);
  ADD ("unusable", test_unusable);
  ADD ("usage", test_usage);
  return g_test_run ();
}
