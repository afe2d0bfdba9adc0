/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCli"

#include "ota-cli-history.h"
#include "ota-i18n.h"

#include <stdio.h>

#include "ota-error.h"
#include "ota-event.h"
#include "ota-history.h"
#include "ota-text.h"

void
ota_cli_history_clear (OtaCliHistory *self)
{
  g_clear_pointer (&self->export_path, g_free);
  g_clear_pointer (&self->db, g_free);
  g_clear_pointer (&self->device, g_free);
  g_clear_pointer (&self->since, g_free);
}

gboolean
ota_cli_history_is_mode (const OtaCliHistory *self)
{
  return self->list || self->export_path != NULL;
}

const gchar *
ota_cli_history_check (OtaCliHistory *self, gint n_files, gboolean other_mode)
{
  gboolean filters = self->device != NULL || self->since != NULL || self->limit != 0;

  if (!ota_cli_history_is_mode (self))
    return filters ? _ ("--device, --since and --limit choose the records of --history or "
                        "--history-export")
                   : NULL;
  if (self->list && self->export_path != NULL)
    return _ ("give --history or --history-export, not both");
  if (n_files > 0 || other_mode)
    return _ ("--history and --history-export read the history only; they take no firmware file, "
              "--info, --check or --scan");
  if (self->off)
    return _ ("--no-history cannot be combined with --history or --history-export");
  if (self->limit < 0)
    return _ ("--limit cannot be negative");
  if (self->since != NULL && !ota_history_parse_since (self->since, &self->since_us))
    return _ ("--since takes a date (2024-05-01) or an ISO 8601 date and time "
              "(2024-05-01T14:30:00)");
  return NULL;
}

/* ---- output --------------------------------------------------------------------- */

static void G_GNUC_PRINTF (3, 4)
    say (OtaCliHistory *self, gboolean is_error, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  g_autofree gchar *safe = NULL;
  va_list args;

  if (self->json)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* paths, device uuids and versions come from outside */
  safe = ota_text_sanitize (text, -1);
  fprintf (is_error ? stderr : stdout, "%s\n", safe);
  fflush (is_error ? stderr : stdout);
}

/* A warning on stderr, and with --json a "log" event (code "history"). */
static void
warn (OtaCliHistory *self, OtaEventWriter *writer, const gchar *message)
{
  g_autoptr (OtaEvent) ev = ota_event_new (OTA_EVENT_LOG);

  say (self, TRUE, _ ("Warning: %s"), message);
  ev->level = OTA_LOG_LEVEL_WARNING;
  ev->code = OTA_EVENT_CODE_HISTORY;
  ev->message = g_strdup (message);
  ota_event_writer_event (writer, ev);
}

static const gchar *const history_next_step
    = N_ ("Check that the history file and its folder can be written (--history-db PATH or "
          "OTAFLASH_HISTORY_DB chooses another file), then try again.");

static const gchar *const not_built_next_step
    = N_ ("Use an otaflash built with SQLite (the Linux build) to keep and read the history.");

/* The history cannot be used for --history/--history-export: exit 11. */
static int
history_failed (OtaCliHistory *self, OtaEventWriter *writer, const GError *error)
{
  g_autoptr (cJSON) obj = cJSON_CreateObject ();
  const gchar *next_step
      = _ (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED) ? not_built_next_step
                                                                       : history_next_step);

  cJSON_AddStringToObject (obj, "event", "result");
  cJSON_AddStringToObject (obj, "status", "failed");
  cJSON_AddStringToObject (obj, "outcome", "history");
  cJSON_AddNumberToObject (obj, "exit_code", OTA_EXIT_HISTORY);
  ota_json_add_string (obj, "message", error->message);
  cJSON_AddStringToObject (obj, "next_step", next_step);
  cJSON_AddStringToObject (obj, "device_state", "unknown");
  ota_event_writer_object (writer, obj);
  say (self, TRUE, _ ("Error: %s"), error->message);
  say (self, TRUE, _ ("Next step: %s"), next_step);
  return OTA_EXIT_HISTORY;
}

static OtaHistory *
open_history (OtaCliHistory *self, OtaEventWriter *writer, GError **error)
{
  g_autofree gchar *path = self->db != NULL ? g_strdup (self->db) : ota_history_default_path ();
  g_autoptr (OtaHistory) history = ota_history_open (path, error);

  if (history == NULL)
    return NULL;
  if (ota_history_get_moved_aside (history) != NULL)
    {
      g_autofree gchar *message = g_strdup_printf (
          _ ("the history database %s could not be read (%s); it was moved aside to %s and a new "
             "one was started"),
          path, ota_history_get_moved_aside_reason (history),
          ota_history_get_moved_aside (history));
      warn (self, writer, message);
    }
  return g_steal_pointer (&history);
}

/* ---- --history, --history-export ------------------------------------------------- */

static void
print_record (OtaCliHistory *self, const OtaHistoryRecord *r)
{
  g_autoptr (GDateTime) utc = g_date_time_new_from_unix_utc (r->started_us / G_USEC_PER_SEC);
  g_autoptr (GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  g_autofree gchar *when
      = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
  g_autofree gchar *base = r->file_name != NULL ? g_path_get_basename (r->file_name) : NULL;
  gdouble d = ota_history_record_get_duration (r);
  g_autofree gchar *duration = d >= 0 ? g_strdup_printf (_ ("%.0f s"), d) : g_strdup ("-");

  say (self, FALSE, "%s  %-16s  %s → %s  %s  %s  %s", when, r->outcome != NULL ? r->outcome : "?",
       r->version_before != NULL ? r->version_before : "?",
       r->version_after != NULL ? r->version_after : "?",
       r->device_uuid != NULL ? r->device_uuid : _ ("(device not read)"), base != NULL ? base : "-",
       duration);
}

int
ota_cli_history_run (OtaCliHistory *self, OtaEventWriter *writer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) history = open_history (self, writer, &error);
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (OtaAdvice) advice = NULL;
  g_autoptr (cJSON) result = NULL;
  g_autofree gchar *message = NULL;
  OtaHistoryQuery query = { 0 };

  if (history == NULL)
    return history_failed (self, writer, error);
  query.device_uuid = self->device;
  query.since_us = self->since_us;
  query.limit = (guint) self->limit;
  /* the log only where it is shown: the JSON listing */
  query.with_log = self->list && self->json;
  records = ota_history_query (history, &query, &error);
  if (records == NULL)
    return history_failed (self, writer, error);

  if (self->export_path != NULL)
    {
      g_autofree gchar *csv = ota_history_records_to_csv (records);

      if (!g_file_set_contents (self->export_path, csv, -1, &error))
        return history_failed (self, writer, error);
      message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Wrote %u record to %s.",
                                              "Wrote %u records to %s.", records->len),
                                 records->len, self->export_path);
    }
  else
    {
      for (guint i = 0; i < records->len; i++)
        {
          const OtaHistoryRecord *r = g_ptr_array_index (records, i);
          g_autoptr (cJSON) obj = ota_history_record_to_json (r);

          ota_event_writer_object (writer, obj);
          print_record (self, r);
        }
      message = g_strdup_printf (
          g_dngettext (GETTEXT_PACKAGE, "%u record in %s.", "%u records in %s.", records->len),
          records->len, ota_history_get_path (history));
    }
  advice = ota_advice_new (NULL, OTA_DEVICE_STATE_UNKNOWN, NULL, message);
  result = ota_advice_to_json (advice);
  ota_event_writer_object (writer, result);
  say (self, FALSE, "%s", advice->message);
  return advice->exit_code;
}

/* ---- recording a flash ------------------------------------------------------------ */

OtaHistoryRecorder *
ota_cli_history_recorder (OtaCliHistory *self, OtaEventWriter *writer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) history = NULL;

  if (self->off)
    return NULL;
  history = open_history (self, writer, &error);
  if (history == NULL)
    {
      g_autofree gchar *message = NULL;

      /* a build without SQLite keeps none and says nothing each time */
      if (g_error_matches (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED))
        {
          g_debug ("%s", error->message);
          return NULL;
        }
      /* the flash matters more than its record */
      message
          = g_strdup_printf (_ ("this flash is not recorded in the history: %s"), error->message);
      warn (self, writer, message);
      return NULL;
    }
  return ota_history_recorder_new (history);
}

void
ota_cli_history_begin (OtaCliHistory *self, OtaHistoryRecorder *recorder, OtaEventWriter *writer,
                       OtaFlash *engine, const gchar *path, OtaUfw *ufw)
{
  g_autoptr (GError) error = NULL;

  if (recorder == NULL || ota_history_recorder_begin (recorder, engine, path, ufw, &error))
    return;
  {
    g_autofree gchar *message
        = g_strdup_printf (_ ("this flash is not recorded in the history: %s"), error->message);
    warn (self, writer, message);
  }
}

void
ota_cli_history_end (OtaCliHistory *self, OtaHistoryRecorder *recorder, OtaEventWriter *writer,
                     const OtaAdvice *advice)
{
  g_autoptr (GError) error = NULL;

  if (recorder == NULL || ota_history_recorder_get_id (recorder) == 0)
    return;
  if (ota_history_recorder_end (recorder, advice, &error))
    return;
  {
    g_autofree gchar *message = g_strdup_printf (
        _ ("the end of this flash is not recorded in the history: %s"), error->message);
    warn (self, writer, message);
  }
}
