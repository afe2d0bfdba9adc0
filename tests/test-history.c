/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestHistory"

/* The flash history (OtaHistory, OtaHistoryRecord): a record's life, schema
 * migration from a database of an older schema made by hand, a corrupt file
 * moved aside, records of a gone process marked interrupted, filters, and
 * the CSV export's RFC 4180 quoting. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "ota-advice.h"
#include "ota-error.h"
#include "ota-history.h"
#include "ota-test-emu.h"

typedef struct {
  gchar *dir;
  gchar *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("ota-test-history-XXXXXX", &error);
  g_assert_no_error (error);
  /* a folder that does not exist yet: open makes it */
  f->path = g_build_filename (f->dir, "otaflash", "history.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* ---- raw SQLite, as another program (or an older otaflash) would ---------- */

static sqlite3 *
raw_open (const gchar *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

static void
raw_exec (sqlite3 *db, const gchar *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

static gchar *
raw_text (sqlite3 *db, const gchar *sql)
{
  sqlite3_stmt *stmt = NULL;
  gchar *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0) != NULL)
    text = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

static OtaAdvice *
advice_success (const gchar *version)
{
  return ota_advice_new (NULL, OTA_DEVICE_STATE_UPDATED, version, NULL);
}

static GPtrArray *
query_all (OtaHistory *h, const gchar *uuid, gint64 since, guint limit)
{
  g_autoptr (GError) error = NULL;
  OtaHistoryQuery q = { uuid, since, limit, TRUE };
  GPtrArray *records = ota_history_query (h, &q, &error);

  g_assert_no_error (error);
  g_assert_nonnull (records);
  return records;
}

/* ---- tests ----------------------------------------------------------------- */

static void
test_lifecycle (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) h = ota_history_open (f->path, &error);
  g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
  g_autoptr (OtaDescription) desc = g_new0 (OtaDescription, 1);
  g_autoptr (OtaAdvice) advice = advice_success ("1.0.2");
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (cJSON) json = NULL;
  const OtaHistoryRecord *r;
  gint64 id;
  sqlite3 *db;

  g_assert_no_error (error);
  g_assert_null (ota_history_get_moved_aside (h));
  g_assert_cmpuint (ota_history_get_n_writes (h), ==, 0);

  start->file_name = g_strdup ("/tmp/fw.ufw");
  start->file_size = 12345;
  start->file_sha256 = g_strdup ("ab12");
  start->ssid = g_strdup ("wifi_camera_ac79_1");
  start->bssid = g_strdup ("02:00:00:00:00:01");
  id = ota_history_record_start (h, start, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  /* while it runs, another reader sees it running */
  records = query_all (h, NULL, 0, 0);
  g_assert_cmpuint (records->len, ==, 1);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpstr (r->outcome, ==, "running");
  g_assert_cmpint (r->exit_code, ==, -1);
  g_assert_cmpfloat (ota_history_record_get_duration (r), <, 0);
  g_clear_pointer (&records, g_ptr_array_unref);

  desc->uuid = g_strdup ("uuid-1");
  desc->product_type = g_strdup ("AC79x_wifi_camera");
  desc->firmware_version = g_strdup ("1.0.1");
  g_assert_true (ota_history_record_device (h, id, desc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (
      ota_history_record_finish (h, id, advice, "1.0.2", "{\"event\":\"stage\"}\n", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ota_history_get_n_writes (h), ==, 3);

  records = query_all (h, NULL, 0, 0);
  g_assert_cmpuint (records->len, ==, 1);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpint (r->id, ==, id);
  g_assert_cmpstr (r->outcome, ==, "success");
  g_assert_cmpstr (r->device_state, ==, "updated");
  g_assert_cmpint (r->exit_code, ==, 0);
  g_assert_cmpstr (r->device_uuid, ==, "uuid-1");
  g_assert_cmpstr (r->product_type, ==, "AC79x_wifi_camera");
  g_assert_cmpstr (r->version_before, ==, "1.0.1");
  g_assert_cmpstr (r->version_after, ==, "1.0.2");
  g_assert_cmpstr (r->file_name, ==, "/tmp/fw.ufw");
  g_assert_cmpint (r->file_size, ==, 12345);
  g_assert_cmpstr (r->file_sha256, ==, "ab12");
  g_assert_cmpstr (r->ssid, ==, "wifi_camera_ac79_1");
  g_assert_cmpstr (r->bssid, ==, "02:00:00:00:00:01");
  g_assert_cmpstr (r->otaflash_version, ==, OTA_VERSION);
  g_assert_cmpstr (r->host_name, ==, g_get_host_name ());
  g_assert_cmpstr (r->user_name, ==, g_get_user_name ());
  g_assert_cmpfloat (ota_history_record_get_duration (r), >=, 0);
  g_assert_cmpstr (r->log, ==, "{\"event\":\"stage\"}\n");

  json = ota_history_record_to_json (r);
  g_assert_cmpstr (cJSON_GetObjectItem (json, "event")->valuestring, ==, "history");
  g_assert_cmpstr (cJSON_GetObjectItem (json, "uuid")->valuestring, ==, "uuid-1");
  g_assert_true (g_str_has_suffix (cJSON_GetObjectItem (json, "start")->valuestring, "Z"));
  g_assert_cmpint (cJSON_GetArraySize (cJSON_GetObjectItem (json, "log")), ==, 1);

  /* WAL, the current schema, and a sound file */
  db = raw_open (f->path);
  {
    g_autofree gchar *mode = raw_text (db, "PRAGMA journal_mode");
    g_autofree gchar *version = raw_text (db, "PRAGMA user_version");
    g_autofree gchar *check = raw_text (db, "PRAGMA integrity_check");

    g_assert_cmpstr (mode, ==, "wal");
    g_assert_cmpint (atoi (version), ==, OTA_HISTORY_SCHEMA_VERSION);
    g_assert_cmpstr (check, ==, "ok");
  }
  sqlite3_close (db);
}

/* A database as the first schema made it, written here by hand (the SQL of
 * schema 1 as released), with a finished record and one a crash left
 * running: it opens, is migrated to the current schema, keeps its records,
 * and the running one (no process recorded) reads interrupted. */
static void
test_migrate_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) h = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autofree gchar *dir = g_path_get_dirname (f->path);
  const OtaHistoryRecord *r;
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (f->path);
  raw_exec (db, "CREATE TABLE flashes ("
                "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                "  started_us INTEGER NOT NULL,"
                "  ended_us INTEGER,"
                "  device_uuid TEXT,"
                "  product_type TEXT,"
                "  version_before TEXT,"
                "  version_after TEXT,"
                "  file_name TEXT,"
                "  file_size INTEGER,"
                "  file_sha256 TEXT,"
                "  outcome TEXT NOT NULL DEFAULT 'running',"
                "  device_state TEXT,"
                "  exit_code INTEGER,"
                "  otaflash_version TEXT,"
                "  log TEXT);"
                "INSERT INTO flashes (started_us, ended_us, device_uuid, version_before, "
                "  version_after, file_name, file_size, file_sha256, outcome, device_state, "
                "  exit_code, otaflash_version) VALUES (1000000, 5000000, 'old-uuid', '1.0.0', "
                "  '1.0.1', '/fw/old.ufw', 99, 'cafe', 'success', 'updated', 0, '0.0.9');"
                "INSERT INTO flashes (started_us, device_uuid, outcome) "
                "  VALUES (6000000, 'old-uuid', 'running');"
                "PRAGMA user_version = 1;");
  sqlite3_close (db);

  h = ota_history_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_null (ota_history_get_moved_aside (h));
  g_assert_cmpuint (ota_history_get_n_interrupted (h), ==, 1);
  records = query_all (h, NULL, 0, 0);
  g_assert_cmpuint (records->len, ==, 2);
  r = g_ptr_array_index (records, 0); /* newest first */
  g_assert_cmpstr (r->outcome, ==, "interrupted");
  r = g_ptr_array_index (records, 1);
  g_assert_cmpstr (r->outcome, ==, "success");
  g_assert_cmpstr (r->version_after, ==, "1.0.1");
  g_assert_cmpfloat (ota_history_record_get_duration (r), ==, 4.0);
  g_assert_null (r->ssid);
  g_assert_null (r->host_name);

  db = raw_open (f->path);
  {
    g_autofree gchar *version = raw_text (db, "PRAGMA user_version");
    g_autofree gchar *index
        = raw_text (db, "SELECT name FROM sqlite_master WHERE name = 'flashes_device'");

    g_assert_cmpint (atoi (version), ==, OTA_HISTORY_SCHEMA_VERSION);
    g_assert_cmpstr (index, ==, "flashes_device");
  }
  sqlite3_close (db);

  /* a new record in the migrated file */
  {
    g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
    start->file_name = g_strdup ("/fw/new.ufw");
    g_assert_cmpint (ota_history_record_start (h, start, &error), >, 0);
    g_assert_no_error (error);
  }
}

static void
test_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) h = ota_history_open (f->path, &error);
  g_autoptr (OtaHistory) again = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  g_clear_object (&h);
  db = raw_open (f->path);
  raw_exec (db, "PRAGMA user_version = 99");
  sqlite3_close (db);

  /* not damage: refused, and left where it is */
  again = ota_history_open (f->path, &error);
  g_assert_null (again);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "newer otaflash"));
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
}

static guint
count_aside (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += strstr (name, ".corrupt-") != NULL && !g_str_has_suffix (name, "-wal") ? 1 : 0;
  return n;
}

/* Garbage where the database should be, and a database whose pages were
 * overwritten: each is moved aside with its name said, its bytes kept, and
 * a fresh database started. */
static void
test_corrupt (Fixture *f, gconstpointer data)
{
  gboolean damaged_pages = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) h = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autofree gchar *dir = g_path_get_dirname (f->path);
  g_autofree gchar *kept = NULL;
  g_autofree gchar *before = NULL;
  gsize len = 0;

  if (damaged_pages)
    {
      /* a real database with records, its table pages then overwritten */
      g_autoptr (OtaHistory) first = ota_history_open (f->path, &error);
      g_autofree gchar *contents = NULL;

      g_assert_no_error (error);
      for (guint i = 0; i < 50; i++)
        {
          g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
          start->file_name = g_strnfill (500, 'x');
          g_assert_cmpint (ota_history_record_start (first, start, &error), >, 0);
        }
      g_clear_object (&first); /* the last close checkpoints the WAL */
      g_assert_true (g_file_get_contents (f->path, &contents, &len, NULL));
      g_assert_cmpuint (len, >, 8192);
      memset (contents + 4096, 0x5a, len - 4096);
      g_assert_true (g_file_set_contents (f->path, contents, (gssize) len, NULL));
    }
  else
    {
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_assert_true (
          g_file_set_contents (f->path, "this is not a database, but a note\n", -1, NULL));
    }
  g_assert_true (g_file_get_contents (f->path, &before, &len, NULL));

  h = ota_history_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ota_history_get_moved_aside (h));
  g_assert_true (g_str_has_prefix (ota_history_get_moved_aside (h), f->path));
  g_assert_nonnull (strstr (ota_history_get_moved_aside (h), ".corrupt-"));
  g_assert_nonnull (ota_history_get_moved_aside_reason (h));
  g_test_message ("moved aside: %s", ota_history_get_moved_aside_reason (h));
  /* never silently replaced: the bytes are all there under the new name */
  g_assert_true (g_file_get_contents (ota_history_get_moved_aside (h), &kept, NULL, NULL));
  g_assert_cmpmem (kept, len, before, len);
  g_assert_cmpuint (count_aside (dir), ==, 1);

  /* the fresh one works */
  records = query_all (h, NULL, 0, 0);
  g_assert_cmpuint (records->len, ==, 0);
  {
    g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
    g_assert_cmpint (ota_history_record_start (h, start, &error), >, 0);
    g_assert_no_error (error);
  }
  g_clear_object (&h);

  /* and the next open finds nothing to move */
  h = ota_history_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_null (ota_history_get_moved_aside (h));
  g_assert_cmpuint (count_aside (dir), ==, 1);
}

/* Running records: this process's stays running, a gone process's (or an
 * earlier boot's) reads interrupted, another host's is left alone. */
static void
test_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) h = ota_history_open (f->path, &error);
  g_autoptr (OtaHistory) h2 = NULL;
  g_autoptr (OtaHistory) h3 = NULL;
  g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GSubprocess) gone = NULL;
  g_autofree gchar *sql = NULL;
  gint64 mine, dead, other_host, other_boot;
  g_autofree gchar *gone_pid = NULL;
  sqlite3 *db;

  g_assert_no_error (error);
  mine = ota_history_record_start (h, start, &error);
  dead = ota_history_record_start (h, start, &error);
  other_host = ota_history_record_start (h, start, &error);
  other_boot = ota_history_record_start (h, start, &error);
  g_assert_no_error (error);

  /* a process that was and is gone: it waits for its input to end, so its
   * pid is known before it exits (under valgrind "true" could be reaped
   * before we asked) */
  gone = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "cat", NULL);
  g_assert_no_error (error);
  gone_pid = g_strdup (g_subprocess_get_identifier (gone));
  g_assert_nonnull (gone_pid);
  g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (gone), NULL, &error));
  sql = g_strdup_printf ("UPDATE flashes SET pid = %s WHERE id = %" G_GINT64_FORMAT ";"
                         "UPDATE flashes SET pid = %s, host_name = 'elsewhere' WHERE id = "
                         "%" G_GINT64_FORMAT ";"
                         "UPDATE flashes SET boot_id = 'an-earlier-boot' WHERE id = "
                         "%" G_GINT64_FORMAT,
                         gone_pid, dead, gone_pid, other_host, other_boot);
  g_assert_true (g_subprocess_wait (gone, NULL, &error));
  db = raw_open (f->path);
  raw_exec (db, sql);
  sqlite3_close (db);

  h2 = ota_history_open (f->path, &error);
  g_assert_no_error (error);
  records = query_all (h2, NULL, 0, 0);
  g_assert_cmpuint (records->len, ==, 4);
  for (guint i = 0; i < records->len; i++)
    {
      const OtaHistoryRecord *r = g_ptr_array_index (records, i);
      /* an earlier boot can only be told where the boot is known */
      gboolean boots = g_file_test ("/proc/sys/kernel/random/boot_id", G_FILE_TEST_EXISTS);
      gboolean stale = r->id == dead || (r->id == other_boot && boots);

      g_assert_true (r->id == mine || r->id == dead || r->id == other_host || r->id == other_boot);
      g_assert_cmpstr (r->outcome, ==, stale ? "interrupted" : "running");
    }
  g_assert_cmpuint (ota_history_get_n_interrupted (h2), >=, 1);

  /* marked once: the next open finds nothing more */
  h3 = ota_history_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ota_history_get_n_interrupted (h3), ==, 0);
}

static gint64
add_at (OtaHistory *h, sqlite3 *db, const gchar *uuid, gint64 started_us)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
  g_autoptr (OtaDescription) desc = g_new0 (OtaDescription, 1);
  g_autoptr (OtaAdvice) advice = advice_success ("2.0");
  g_autofree gchar *sql = NULL;
  gint64 id = ota_history_record_start (h, start, &error);

  g_assert_no_error (error);
  desc->uuid = g_strdup (uuid);
  g_assert_true (ota_history_record_device (h, id, desc, NULL, &error));
  g_assert_true (ota_history_record_finish (h, id, advice, "2.0", NULL, &error));
  sql = g_strdup_printf ("UPDATE flashes SET started_us = %" G_GINT64_FORMAT
                         ", ended_us = %" G_GINT64_FORMAT " WHERE id = %" G_GINT64_FORMAT,
                         started_us, started_us + 1000000, id);
  raw_exec (db, sql);
  return id;
}

static void
test_filter (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) h = ota_history_open (f->path, &error);
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GPtrArray) since = NULL;
  g_autoptr (GPtrArray) limited = NULL;
  gint64 day = G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;
  gint64 t0 = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  gint64 a1, b1, a2, a3, since_us = 0;
  sqlite3 *db;

  g_assert_no_error (error);
  db = raw_open (f->path);
  a1 = add_at (h, db, "A", t0);
  b1 = add_at (h, db, "B", t0 + day);
  a2 = add_at (h, db, "A", t0 + 2 * day);
  a3 = add_at (h, db, "A", t0 + 3 * day);
  sqlite3_close (db);

  all = query_all (h, NULL, 0, 0);
  g_assert_cmpuint (all->len, ==, 4);
  /* newest first */
  g_assert_cmpint (((OtaHistoryRecord *) g_ptr_array_index (all, 0))->id, ==, a3);
  g_assert_cmpint (((OtaHistoryRecord *) g_ptr_array_index (all, 3))->id, ==, a1);

  one = query_all (h, "B", 0, 0);
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpint (((OtaHistoryRecord *) g_ptr_array_index (one, 0))->id, ==, b1);

  since = query_all (h, "A", t0 + day, 0);
  g_assert_cmpuint (since->len, ==, 2);
  g_assert_cmpint (((OtaHistoryRecord *) g_ptr_array_index (since, 1))->id, ==, a2);

  limited = query_all (h, NULL, 0, 2);
  g_assert_cmpuint (limited->len, ==, 2);
  g_assert_cmpint (((OtaHistoryRecord *) g_ptr_array_index (limited, 1))->id, ==, a2);

  /* --since's forms */
  g_assert_true (ota_history_parse_since ("2023-11-14T22:13:20Z", &since_us));
  g_assert_cmpint (since_us, ==, t0);
  g_assert_true (ota_history_parse_since ("2024-02-29", &since_us));
  g_assert_true (ota_history_parse_since ("2024-02-29T08:00:00+01:00", &since_us));
  g_assert_false (ota_history_parse_since ("yesterday", &since_us));
  g_assert_false (ota_history_parse_since ("2024-13-01", &since_us));
  g_assert_false (ota_history_parse_since ("", &since_us));
}

static void
test_csv (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) records
      = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_history_record_free);
  OtaHistoryRecord *r = ota_history_record_new ();
  g_autofree gchar *csv = NULL;
  g_auto (GStrv) lines = NULL;

  r->id = 7;
  r->started_us = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC + 250000;
  r->ended_us = r->started_us + 12 * G_USEC_PER_SEC;
  r->outcome = g_strdup ("success");
  r->device_state = g_strdup ("updated");
  r->exit_code = 0;
  r->device_uuid = g_strdup ("uuid,with \"quotes\"");
  r->product_type = g_strdup ("cam\r\nline two");
  r->version_before = g_strdup ("1.0.1");
  r->version_after = g_strdup ("1.0.2");
  r->file_name = g_strdup ("/fw/plain.ufw");
  r->file_size = 42;
  r->file_sha256 = g_strdup ("00ff");
  r->message = g_strdup ("=HYPERLINK(\"x\")");
  g_ptr_array_add (records, r);
  r = ota_history_record_new ();
  r->id = 8;
  r->started_us = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  r->outcome = g_strdup ("interrupted");
  g_ptr_array_add (records, r);

  csv = ota_history_records_to_csv (records);
  g_assert_true (g_str_has_prefix (csv, "id,start,end,duration_s,outcome,device_state,exit_code,"
                                        "uuid,product_type,ssid,bssid,version_before,"
                                        "version_after,file,file_size,file_sha256,message,"
                                        "otaflash_version,host,user\r\n"));
  g_assert_nonnull (strstr (csv, "\r\n7,2023-11-14T22:13:20.250Z,2023-11-14T22:13:32.250Z,"
                                 "12.000,success,updated,0,\"uuid,with \"\"quotes\"\"\","
                                 "\"cam\r\nline two\",,,1.0.1,1.0.2,/fw/plain.ufw,42,00ff,"
                                 "\"'=HYPERLINK(\"\"x\"\")\",,,\r\n"));
  /* an interrupted record: no end, no duration, no exit code */
  g_assert_true (g_str_has_suffix (csv, "\r\n8,2023-11-14T22:13:20.000Z,,,interrupted,,,,,,,,,,,"
                                        ",,,,\r\n"));
  lines = g_strsplit (csv, "\r\n", -1);
  /* header, two records (one with a CRLF inside quotes), the empty tail */
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn, data)                                                                        \
  g_test_add ("/ota/history/" path, Fixture, data, fixture_setup, fn, fixture_teardown)

  ADD ("lifecycle", test_lifecycle, NULL);
  ADD ("migrate/v1", test_migrate_v1, NULL);
  ADD ("migrate/newer-refused", test_newer_schema, NULL);
  ADD ("corrupt/not-a-database", test_corrupt, GINT_TO_POINTER (FALSE));
  ADD ("corrupt/damaged-pages", test_corrupt, GINT_TO_POINTER (TRUE));
  ADD ("interrupted", test_interrupted, NULL);
  ADD ("filter", test_filter, NULL);
  ADD ("csv", test_csv, NULL);
  return g_test_run ();
}
