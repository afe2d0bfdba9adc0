/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-history.h"
#include "ota-i18n.h"

#include <errno.h>
#include <stdio.h>
#include <glib/gstdio.h>
#include <string.h>

#ifdef OTA_HAVE_SQLITE
#include <sqlite3.h>
#endif
#ifdef G_OS_UNIX
#include <signal.h>
#include <unistd.h>
#else
#include <windows.h>
#endif

#include "ota-error.h"
#include "ota-event.h"

struct _OtaHistory {
  GObject parent_instance;

  gchar *path;
#ifdef OTA_HAVE_SQLITE
  sqlite3 *db;
#endif
  gchar *moved_aside;
  gchar *moved_aside_reason;
  guint n_interrupted;
  guint n_writes;
};

G_DEFINE_TYPE (OtaHistory, ota_history, G_TYPE_OBJECT)

static void
ota_history_finalize (GObject *object)
{
  OtaHistory *self = OTA_HISTORY (object);

#ifdef OTA_HAVE_SQLITE
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
#endif
  g_free (self->path);
  g_free (self->moved_aside);
  g_free (self->moved_aside_reason);
  G_OBJECT_CLASS (ota_history_parent_class)->finalize (object);
}

static void
ota_history_class_init (OtaHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_history_finalize;
}

static void
ota_history_init (OtaHistory *self)
{
}

gchar *
ota_history_default_path (void)
{
  const gchar *env = g_getenv ("OTAFLASH_HISTORY_DB");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_data_dir (), "otaflash", "history.db", NULL);
}

gboolean
ota_history_parse_since (const gchar *text, gint64 *out_us)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autoptr (GTimeZone) local = g_time_zone_new_local ();
  gint y, m, d;
  gchar rest;

  g_return_val_if_fail (text != NULL && out_us != NULL, FALSE);
  if (sscanf (text, "%4d-%2d-%2d%c", &y, &m, &d, &rest) == 3 && strlen (text) == 10)
    dt = g_date_time_new (local, y, m, d, 0, 0, 0);
  else
    dt = g_date_time_new_from_iso8601 (text, local);
  if (dt == NULL)
    return FALSE;
  *out_us = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

const gchar *
ota_history_get_path (OtaHistory *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY (self), NULL);
  return self->path;
}

const gchar *
ota_history_get_moved_aside (OtaHistory *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY (self), NULL);
  return self->moved_aside;
}

const gchar *
ota_history_get_moved_aside_reason (OtaHistory *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY (self), NULL);
  return self->moved_aside_reason;
}

guint
ota_history_get_n_interrupted (OtaHistory *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY (self), 0);
  return self->n_interrupted;
}

guint
ota_history_get_n_writes (OtaHistory *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY (self), 0);
  return self->n_writes;
}

#ifdef OTA_HAVE_SQLITE

/* ---- the schema ---------------------------------------------------------------- */

/* Migration N takes a database from user_version N-1 to N, in one
 * transaction with the version. 1 is the first schema (an empty file is
 * version 0), so every new database runs every migration. */
static const gchar *const migrations[] = {
  NULL,
  /* 1: the first release of the history */
  "CREATE TABLE flashes ("
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
  "  log TEXT);",
  /* 2: the network, the result's message, who flashed from where, and the
   * process, so that a crashed one's record can be told from a live one */
  "ALTER TABLE flashes ADD COLUMN ssid TEXT;"
  "ALTER TABLE flashes ADD COLUMN bssid TEXT;"
  "ALTER TABLE flashes ADD COLUMN message TEXT;"
  "ALTER TABLE flashes ADD COLUMN host_name TEXT;"
  "ALTER TABLE flashes ADD COLUMN user_name TEXT;"
  "ALTER TABLE flashes ADD COLUMN pid INTEGER;"
  "ALTER TABLE flashes ADD COLUMN boot_id TEXT;"
  "CREATE INDEX flashes_started ON flashes (started_us);"
  "CREATE INDEX flashes_device ON flashes (device_uuid, started_us);",
};
G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == OTA_HISTORY_SCHEMA_VERSION + 1);

/* What SQLite says about a file it cannot use as a database: moving it
 * aside and starting afresh is the answer. Not for busy or locked (another
 * otaflash holds it), read-only (a good file someone protected) or out of
 * memory. */
static gboolean
is_damage (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FORMAT:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Sets @error from the handle's last error, with @what. Returns the code. */
static int
set_error (OtaHistory *self, int rc, const gchar *what, GError **error)
{
  const gchar *msg = self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED, _ ("history database %s: %s: %s"), self->path,
               what, msg != NULL ? msg : sqlite3_errstr (rc));
  return rc;
}

static int
exec (OtaHistory *self, const gchar *sql, const gchar *what, GError **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    set_error (self, rc, what, error);
  return rc;
}

/* A one-value pragma; the text in @out (may be NULL). */
static int
pragma_text (OtaHistory *self, const gchar *sql, gchar **out, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          if (out != NULL)
            *out = g_strdup ((const gchar *) sqlite3_column_text (stmt, 0));
          rc = SQLITE_OK;
        }
      else if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    }
  if (rc != SQLITE_OK)
    set_error (self, rc, sql, error);
  sqlite3_finalize (stmt);
  return rc;
}

static gchar *
read_boot_id (void)
{
  gchar *contents = NULL;

  /* a pid means nothing after a restart of the machine */
  if (!g_file_get_contents ("/proc/sys/kernel/random/boot_id", &contents, NULL, NULL))
    return NULL;
  return g_strstrip (contents);
}

static gboolean
process_exists (gint64 pid)
{
  if (pid <= 0)
    return FALSE;
#ifdef G_OS_UNIX
  return kill ((pid_t) pid, 0) == 0 || errno == EPERM;
#else
  {
    HANDLE h = OpenProcess (PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD) pid);
    DWORD code = 0;
    gboolean alive;

    if (h == NULL)
      return GetLastError () == ERROR_ACCESS_DENIED;
    alive = GetExitCodeProcess (h, &code) && code == STILL_ACTIVE;
    CloseHandle (h);
    return alive;
  }
#endif
}

static gint64
own_pid (void)
{
#ifdef G_OS_UNIX
  return (gint64) getpid ();
#else
  return (gint64) GetCurrentProcessId ();
#endif
}

/* Records left "running" by a process of this host that is gone (or of an
 * earlier boot) are interrupted: one transaction. Another host's records
 * cannot be judged from here and stay as they are. */
static int
mark_interrupted (OtaHistory *self, GError **error)
{
  g_autofree gchar *boot_id = read_boot_id ();
  const gchar *host = g_get_host_name ();
  g_autoptr (GArray) stale = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT id, pid, host_name, boot_id FROM flashes WHERE outcome = ?", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    return set_error (self, rc, "finding running records", error);
  sqlite3_bind_text (stmt, 1, OTA_HISTORY_OUTCOME_RUNNING, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gint64 pid = sqlite3_column_int64 (stmt, 1);
      const gchar *row_host = (const gchar *) sqlite3_column_text (stmt, 2);
      const gchar *row_boot = (const gchar *) sqlite3_column_text (stmt, 3);
      gboolean gone;

      if (row_host != NULL && g_strcmp0 (row_host, host) != 0)
        continue;
      if (row_host == NULL || sqlite3_column_type (stmt, 1) == SQLITE_NULL)
        gone = TRUE; /* an older schema's record: no process to ask */
      else if (row_boot != NULL && boot_id != NULL && g_strcmp0 (row_boot, boot_id) != 0)
        gone = TRUE;
      else
        gone = pid != own_pid () && !process_exists (pid);
      if (gone)
        g_array_append_val (stale, id);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_error (self, rc, "finding running records", error);
  if (stale->len == 0)
    return SQLITE_OK;

  rc = exec (self, "BEGIN IMMEDIATE", "marking interrupted records", error);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_prepare_v2 (self->db, "UPDATE flashes SET outcome = ? WHERE id = ? AND outcome = ?",
                           -1, &stmt, NULL);
  for (guint i = 0; rc == SQLITE_OK && i < stale->len; i++)
    {
      sqlite3_bind_text (stmt, 1, OTA_HISTORY_OUTCOME_INTERRUPTED, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, g_array_index (stale, gint64, i));
      sqlite3_bind_text (stmt, 3, OTA_HISTORY_OUTCOME_RUNNING, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode (self->db);
      self->n_interrupted += sqlite3_changes (self->db) > 0 ? 1 : 0;
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    {
      set_error (self, rc, "marking interrupted records", error);
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return rc;
    }
  return exec (self, "COMMIT", "marking interrupted records", error);
}

static int
migrate (OtaHistory *self, GError **error)
{
  g_autofree gchar *text = NULL;
  gint64 version;
  int rc = pragma_text (self, "PRAGMA user_version", &text, error);

  if (rc != SQLITE_OK)
    return rc;
  version = g_ascii_strtoll (text != NULL ? text : "0", NULL, 10);
  if (version > OTA_HISTORY_SCHEMA_VERSION)
    {
      /* not damage: a newer otaflash's file, kept as it is */
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED,
                   "history database %s: written by a newer otaflash (schema %" G_GINT64_FORMAT
                   ", this one knows %d)",
                   self->path, version, OTA_HISTORY_SCHEMA_VERSION);
      return SQLITE_MISMATCH;
    }
  for (gint64 v = version + 1; v <= OTA_HISTORY_SCHEMA_VERSION; v++)
    {
      g_autofree gchar *what = g_strdup_printf ("migrating to schema %" G_GINT64_FORMAT, v);
      g_autofree gchar *set = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, v);

      rc = exec (self, "BEGIN IMMEDIATE", what, error);
      if (rc == SQLITE_OK)
        rc = exec (self, migrations[v], what, error);
      if (rc == SQLITE_OK)
        rc = exec (self, set, what, error);
      if (rc == SQLITE_OK)
        rc = exec (self, "COMMIT", what, error);
      if (rc != SQLITE_OK)
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return rc;
        }
    }
  return SQLITE_OK;
}

/* Opens and checks the file; the SQLite code of the first failure. */
static int
try_open (OtaHistory *self, GError **error)
{
  g_autofree gchar *mode = NULL;
  g_autofree gchar *check = NULL;
  int rc;

  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    return set_error (self, rc, "cannot open", error);
  sqlite3_extended_result_codes (self->db, 1);
  /* another otaflash may be writing its record: wait for it */
  sqlite3_busy_timeout (self->db, 10000);
  rc = pragma_text (self, "PRAGMA journal_mode = WAL", &mode, error);
  if (rc != SQLITE_OK)
    return rc;
  /* a commit is on disk when it returns: a crash of the machine right after
   * the end of a flash still keeps its record (three commits per flash) */
  rc = exec (self, "PRAGMA synchronous = FULL", "setting synchronous", error);
  if (rc != SQLITE_OK)
    return rc;
  rc = pragma_text (self, "PRAGMA quick_check", &check, error);
  if (rc != SQLITE_OK)
    return rc;
  if (g_strcmp0 (check, "ok") != 0)
    {
      /* SQLite's report lists every bad page: its first findings say enough */
      g_autofree gchar *brief = g_strndup (check != NULL ? check : "no answer to quick_check", 160);

      g_strdelimit (brief, "\r\n", ' ');
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED, _ ("history database %s: damaged: %s"),
                   self->path, brief);
      return SQLITE_CORRUPT;
    }
  rc = migrate (self, error);
  if (rc != SQLITE_OK)
    return rc;
  return mark_interrupted (self, error);
}

static gboolean
move_aside (OtaHistory *self, GError **error)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree gchar *aside = g_strdup_printf ("%s.corrupt-%s", self->path, stamp);
  g_autofree gchar *wal = g_strdup_printf ("%s-wal", self->path);
  g_autofree gchar *shm = g_strdup_printf ("%s-shm", self->path);

  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  for (guint n = 2; g_file_test (aside, G_FILE_TEST_EXISTS); n++)
    {
      g_free (aside);
      aside = g_strdup_printf ("%s.corrupt-%s-%u", self->path, stamp, n);
    }
  if (g_rename (self->path, aside) != 0)
    {
      int saved = errno;
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED,
                   _ ("history database %s is damaged and could not be moved aside to %s: %s"),
                   self->path, aside, g_strerror (saved));
      return FALSE;
    }
  /* its write-ahead log belongs to it; the shared-memory index is rebuilt */
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      g_autofree gchar *aside_wal = g_strdup_printf ("%s-wal", aside);
      g_rename (wal, aside_wal);
    }
  g_remove (shm);
  self->moved_aside = g_steal_pointer (&aside);
  return TRUE;
}

OtaHistory *
ota_history_open (const gchar *path, GError **error)
{
  g_autoptr (OtaHistory) self = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree gchar *dir = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  self = g_object_new (OTA_TYPE_HISTORY, NULL);
  self->path = g_strdup (path);
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, OTA_ERROR, OTA_ERROR_FAILED,
                   _ ("history database %s: cannot create the folder %s: %s"), path, dir,
                   g_strerror (saved));
      return NULL;
    }
  rc = try_open (self, &local);
  if (rc == SQLITE_OK)
    return g_steal_pointer (&self);
  /* only a file SQLite cannot read as a database is moved aside: never a
   * busy one, never a newer otaflash's, never a folder or a device */
  if (!is_damage (rc) || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  self->moved_aside_reason = g_strdup (local->message);
  g_clear_error (&local);
  if (!move_aside (self, error))
    return NULL;
  g_debug ("history: moved %s aside to %s", path, self->moved_aside);
  if (try_open (self, error) != SQLITE_OK)
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- records ------------------------------------------------------------------- */

static void
bind_text (sqlite3_stmt *stmt, int i, const gchar *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, i);
  else
    {
      /* what a device or a path gave is stored as valid UTF-8 */
      g_autofree gchar *valid = g_utf8_make_valid (text, -1);
      sqlite3_bind_text (stmt, i, valid, -1, SQLITE_TRANSIENT);
    }
}

/* Runs @stmt (bound) as one transaction: a lone statement is one. */
static gboolean
step_write (OtaHistory *self, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, what, error);
      sqlite3_finalize (stmt);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  self->n_writes++;
  return TRUE;
}

static sqlite3_stmt *
prepare (OtaHistory *self, const gchar *sql, const gchar *what, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_error (self, rc, what, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

gint64
ota_history_record_start (OtaHistory *self, const OtaHistoryRecord *start, GError **error)
{
  g_autofree gchar *boot_id = read_boot_id ();
  sqlite3_stmt *stmt;

  g_return_val_if_fail (OTA_IS_HISTORY (self), 0);
  g_return_val_if_fail (start != NULL, 0);
  stmt = prepare (self,
                  "INSERT INTO flashes (started_us, outcome, file_name, file_size, file_sha256, "
                  "ssid, bssid, otaflash_version, host_name, user_name, pid, boot_id) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  "starting a record", error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  sqlite3_bind_text (stmt, 2, OTA_HISTORY_OUTCOME_RUNNING, -1, SQLITE_STATIC);
  bind_text (stmt, 3, start->file_name);
  if (start->file_size >= 0)
    sqlite3_bind_int64 (stmt, 4, start->file_size);
  bind_text (stmt, 5, start->file_sha256);
  bind_text (stmt, 6, start->ssid);
  bind_text (stmt, 7, start->bssid);
  bind_text (stmt, 8, OTA_VERSION);
  bind_text (stmt, 9, g_get_host_name ());
  bind_text (stmt, 10, g_get_user_name ());
  sqlite3_bind_int64 (stmt, 11, own_pid ());
  bind_text (stmt, 12, boot_id);
  if (!step_write (self, stmt, "starting a record", error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

gboolean
ota_history_record_device (OtaHistory *self, gint64 id, const OtaDescription *desc,
                           const gchar *ssid, GError **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (OTA_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (desc != NULL, FALSE);
  stmt = prepare (self,
                  "UPDATE flashes SET device_uuid = ?, product_type = ?, version_before = ?, "
                  "ssid = COALESCE(?, ssid) WHERE id = ?",
                  "recording the device", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, desc->uuid);
  bind_text (stmt, 2, desc->product_type);
  bind_text (stmt, 3, desc->firmware_version);
  bind_text (stmt, 4, ssid);
  sqlite3_bind_int64 (stmt, 5, id);
  return step_write (self, stmt, "recording the device", error);
}

gboolean
ota_history_record_finish (OtaHistory *self, gint64 id, const OtaAdvice *advice,
                           const gchar *version_after, const gchar *log, GError **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (OTA_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (advice != NULL, FALSE);
  stmt = prepare (self,
                  "UPDATE flashes SET ended_us = ?, outcome = ?, device_state = ?, exit_code = ?, "
                  "message = ?, version_after = ?, log = ? WHERE id = ?",
                  "finishing a record", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  bind_text (stmt, 2, ota_outcome_to_string (advice->outcome));
  bind_text (stmt, 3, ota_device_state_to_string (advice->state));
  sqlite3_bind_int (stmt, 4, (int) advice->exit_code);
  bind_text (stmt, 5, advice->message);
  bind_text (stmt, 6, version_after);
  bind_text (stmt, 7, log);
  sqlite3_bind_int64 (stmt, 8, id);
  return step_write (self, stmt, "finishing a record", error);
}

static gchar *
column_text (sqlite3_stmt *stmt, int i)
{
  const guchar *text = sqlite3_column_text (stmt, i);

  return text != NULL ? g_strdup ((const gchar *) text) : NULL;
}

GPtrArray *
ota_history_query (OtaHistory *self, const OtaHistoryQuery *query, GError **error)
{
  g_autoptr (GPtrArray) records
      = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_history_record_free);
  g_autofree gchar *sql = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (OTA_IS_HISTORY (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  sql = g_strdup_printf (
      "SELECT id, started_us, ended_us, device_uuid, product_type, ssid, bssid, version_before, "
      "version_after, file_name, file_size, file_sha256, outcome, device_state, exit_code, "
      "message, otaflash_version, host_name, user_name, pid, %s FROM flashes "
      "WHERE (?1 IS NULL OR device_uuid = ?1) AND started_us >= ?2 "
      "ORDER BY started_us DESC, id DESC LIMIT ?3",
      query->with_log ? "log" : "NULL");
  stmt = prepare (self, sql, "listing records", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, query->device_uuid);
  sqlite3_bind_int64 (stmt, 2, query->since_us);
  sqlite3_bind_int64 (stmt, 3, query->limit > 0 ? (gint64) query->limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OtaHistoryRecord *r = ota_history_record_new ();

      r->id = sqlite3_column_int64 (stmt, 0);
      r->started_us = sqlite3_column_int64 (stmt, 1);
      r->ended_us = sqlite3_column_int64 (stmt, 2);
      r->device_uuid = column_text (stmt, 3);
      r->product_type = column_text (stmt, 4);
      r->ssid = column_text (stmt, 5);
      r->bssid = column_text (stmt, 6);
      r->version_before = column_text (stmt, 7);
      r->version_after = column_text (stmt, 8);
      r->file_name = column_text (stmt, 9);
      r->file_size
          = sqlite3_column_type (stmt, 10) == SQLITE_NULL ? -1 : sqlite3_column_int64 (stmt, 10);
      r->file_sha256 = column_text (stmt, 11);
      r->outcome = column_text (stmt, 12);
      r->device_state = column_text (stmt, 13);
      r->exit_code
          = sqlite3_column_type (stmt, 14) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 14);
      r->message = column_text (stmt, 15);
      r->otaflash_version = column_text (stmt, 16);
      r->host_name = column_text (stmt, 17);
      r->user_name = column_text (stmt, 18);
      r->pid = sqlite3_column_int64 (stmt, 19);
      r->log = column_text (stmt, 20);
      g_ptr_array_add (records, r);
    }
  if (rc != SQLITE_DONE)
    {
      set_error (self, rc, "listing records", error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  sqlite3_finalize (stmt);
  return g_steal_pointer (&records);
}

#else /* !OTA_HAVE_SQLITE */

static gboolean
not_built (GError **error)
{
  g_set_error_literal (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED,
                       _ ("this otaflash was built without SQLite: it keeps no history"));
  return FALSE;
}

OtaHistory *
ota_history_open (const gchar *path, GError **error)
{
  not_built (error);
  return NULL;
}

/* Unreachable without an open history. */
gint64
ota_history_record_start (OtaHistory *self, const OtaHistoryRecord *start, GError **error)
{
  not_built (error);
  return 0;
}

gboolean
ota_history_record_device (OtaHistory *self, gint64 id, const OtaDescription *desc,
                           const gchar *ssid, GError **error)
{
  return not_built (error);
}

gboolean
ota_history_record_finish (OtaHistory *self, gint64 id, const OtaAdvice *advice,
                           const gchar *version_after, const gchar *log, GError **error)
{
  return not_built (error);
}

GPtrArray *
ota_history_query (OtaHistory *self, const OtaHistoryQuery *query, GError **error)
{
  not_built (error);
  return NULL;
}

#endif /* OTA_HAVE_SQLITE */
