/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-history-record.h"

#include "ota-event.h"

OtaHistoryRecord *
ota_history_record_new (void)
{
  OtaHistoryRecord *record = g_new0 (OtaHistoryRecord, 1);

  record->file_size = -1;
  record->exit_code = -1;
  return record;
}

void
ota_history_record_free (OtaHistoryRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->device_uuid);
  g_free (record->product_type);
  g_free (record->ssid);
  g_free (record->bssid);
  g_free (record->version_before);
  g_free (record->version_after);
  g_free (record->file_name);
  g_free (record->file_sha256);
  g_free (record->outcome);
  g_free (record->device_state);
  g_free (record->message);
  g_free (record->otaflash_version);
  g_free (record->host_name);
  g_free (record->user_name);
  g_free (record->log);
  g_free (record);
}

gdouble
ota_history_record_get_duration (const OtaHistoryRecord *record)
{
  g_return_val_if_fail (record != NULL, -1);
  if (record->ended_us == 0 || record->ended_us < record->started_us)
    return -1;
  return (gdouble) (record->ended_us - record->started_us) / G_USEC_PER_SEC;
}

gchar *
ota_history_format_time (gint64 unix_us)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree gchar *base = NULL;

  if (unix_us == 0)
    return NULL;
  dt = g_date_time_new_from_unix_utc (unix_us / G_USEC_PER_SEC);
  if (dt == NULL)
    return NULL;
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", base, (int) (unix_us % G_USEC_PER_SEC / 1000));
}

static void
add_time (cJSON *obj, const gchar *key, gint64 unix_us)
{
  g_autofree gchar *text = ota_history_format_time (unix_us);

  ota_json_add_string (obj, key, text);
}

cJSON *
ota_history_record_to_json (const OtaHistoryRecord *r)
{
  cJSON *obj = cJSON_CreateObject ();
  gdouble duration = ota_history_record_get_duration (r);

  cJSON_AddStringToObject (obj, "event", "history");
  cJSON_AddNumberToObject (obj, "id", (double) r->id);
  add_time (obj, "start", r->started_us);
  add_time (obj, "end", r->ended_us);
  if (duration >= 0)
    cJSON_AddNumberToObject (obj, "duration", duration);
  else
    cJSON_AddNullToObject (obj, "duration");
  ota_json_add_string (obj, "outcome", r->outcome);
  ota_json_add_string (obj, "device_state", r->device_state);
  if (r->exit_code >= 0)
    cJSON_AddNumberToObject (obj, "exit_code", r->exit_code);
  else
    cJSON_AddNullToObject (obj, "exit_code");
  ota_json_add_string (obj, "message", r->message);
  ota_json_add_string (obj, "uuid", r->device_uuid);
  ota_json_add_string (obj, "product_type", r->product_type);
  ota_json_add_string (obj, "ssid", r->ssid);
  ota_json_add_string (obj, "bssid", r->bssid);
  ota_json_add_string (obj, "version_before", r->version_before);
  ota_json_add_string (obj, "version_after", r->version_after);
  ota_json_add_string (obj, "file", r->file_name);
  if (r->file_size >= 0)
    cJSON_AddNumberToObject (obj, "file_size", (double) r->file_size);
  else
    cJSON_AddNullToObject (obj, "file_size");
  ota_json_add_string (obj, "file_sha256", r->file_sha256);
  ota_json_add_string (obj, "otaflash_version", r->otaflash_version);
  ota_json_add_string (obj, "host", r->host_name);
  ota_json_add_string (obj, "user", r->user_name);
  if (r->log != NULL)
    {
      cJSON *log = cJSON_AddArrayToObject (obj, "log");
      g_auto (GStrv) lines = g_strsplit (r->log, "\n", -1);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          cJSON *line = lines[i][0] != '\0' ? cJSON_Parse (lines[i]) : NULL;

          if (line != NULL)
            cJSON_AddItemToArray (log, line);
        }
    }
  return obj;
}

/* One field, quoted when RFC 4180 asks for it (and when it starts with a
 * character a spreadsheet would take for a formula, which quoting alone
 * does not stop: those get a leading apostrophe). */
static void
csv_field (GString *out, const gchar *value, gboolean last)
{
  if (value != NULL)
    {
      gboolean quote = strpbrk (value, ",\"\r\n") != NULL;
      gboolean formula = strchr ("=+-@", value[0]) != NULL && value[0] != '\0';

      if (quote || formula)
        g_string_append_c (out, '"');
      if (formula)
        g_string_append_c (out, '\'');
      for (const gchar *p = value; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *p);
        }
      if (quote || formula)
        g_string_append_c (out, '"');
    }
  g_string_append (out, last ? "\r\n" : ",");
}

gchar *
ota_history_records_to_csv (GPtrArray *records)
{
  static const gchar *const header[] = { "id",
                                         "start",
                                         "end",
                                         "duration_s",
                                         "outcome",
                                         "device_state",
                                         "exit_code",
                                         "uuid",
                                         "product_type",
                                         "ssid",
                                         "bssid",
                                         "version_before",
                                         "version_after",
                                         "file",
                                         "file_size",
                                         "file_sha256",
                                         "message",
                                         "otaflash_version",
                                         "host",
                                         "user" };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (header); i++)
    csv_field (out, header[i], i + 1 == G_N_ELEMENTS (header));
  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      const OtaHistoryRecord *r = g_ptr_array_index (records, i);
      g_autofree gchar *id = g_strdup_printf ("%" G_GINT64_FORMAT, r->id);
      g_autofree gchar *start = ota_history_format_time (r->started_us);
      g_autofree gchar *end = ota_history_format_time (r->ended_us);
      gdouble d = ota_history_record_get_duration (r);
      g_autofree gchar *duration = d >= 0 ? g_strdup_printf ("%.3f", d) : NULL;
      g_autofree gchar *exit_code = r->exit_code >= 0 ? g_strdup_printf ("%d", r->exit_code) : NULL;
      g_autofree gchar *size
          = r->file_size >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, r->file_size) : NULL;
      const gchar *fields[] = { id,
                                start,
                                end,
                                duration,
                                r->outcome,
                                r->device_state,
                                exit_code,
                                r->device_uuid,
                                r->product_type,
                                r->ssid,
                                r->bssid,
                                r->version_before,
                                r->version_after,
                                r->file_name,
                                size,
                                r->file_sha256,
                                r->message,
                                r->otaflash_version,
                                r->host_name,
                                r->user_name };

      G_STATIC_ASSERT (G_N_ELEMENTS (fields) == G_N_ELEMENTS (header));
      for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
        csv_field (out, fields[k], k + 1 == G_N_ELEMENTS (fields));
    }
  return g_string_free (out, FALSE);
}
