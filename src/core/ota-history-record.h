/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One flash attempt as the history keeps it (docs/history.md): a plain
 * value, read back by ota_history_query() and rendered for `--history
 * --json` and the CSV export. Needs no database: always built. */

#include <gio/gio.h>
#include "ota-json.h"

G_BEGIN_DECLS

/* The outcome of a record that has not ended, and of one whose process
 * ended without finishing it (a crash, kill -9, a power cut). Otherwise the
 * advice row's id (ota_outcome_to_string()). */
#define OTA_HISTORY_OUTCOME_RUNNING "running"
#define OTA_HISTORY_OUTCOME_INTERRUPTED "interrupted"

typedef struct {
  gint64 id;
  gint64 started_us; /* wall clock, microseconds since 1970 (UTC) */
  gint64 ended_us;   /* 0 while running, and when interrupted */
  gchar *device_uuid;
  gchar *product_type;
  gchar *ssid;  /* the device's network, when known */
  gchar *bssid; /* "AA:BB:CC:DD:EE:FF", when known */
  gchar *version_before;
  gchar *version_after;
  gchar *file_name; /* the path as given, made absolute */
  gint64 file_size; /* -1 unknown */
  gchar *file_sha256;
  gchar *outcome;      /* OTA_HISTORY_OUTCOME_* or an advice row id */
  gchar *device_state; /* ota_device_state_to_string(), NULL until the end */
  gint exit_code;      /* -1 until the end */
  gchar *message;      /* the result's one line */
  gchar *otaflash_version;
  gchar *host_name;
  gchar *user_name;
  gint64 pid;
  gchar *log; /* JSON Lines; NULL unless asked for */
} OtaHistoryRecord;

OtaHistoryRecord *ota_history_record_new (void);
void ota_history_record_free (OtaHistoryRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaHistoryRecord, ota_history_record_free)

/* Seconds from start to end; < 0 when it has not ended. */
gdouble ota_history_record_get_duration (const OtaHistoryRecord *record);

/* "2024-05-01T10:00:01.250Z" (UTC, milliseconds); NULL for 0. */
gchar *ota_history_format_time (gint64 unix_us);

/* {"event":"history", …} of docs/cli.md; with "log" (an array of the log's
 * JSON objects) only when the record holds one. */
cJSON *ota_history_record_to_json (const OtaHistoryRecord *record);

/* RFC 4180: a header line, then one line per record (OtaHistoryRecord),
 * CRLF line ends, every field that holds a comma, a quote, CR or LF in
 * double quotes with quotes doubled. The log is not exported. */
gchar *ota_history_records_to_csv (GPtrArray *records);

G_END_DECLS
