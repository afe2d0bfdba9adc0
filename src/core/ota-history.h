/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The flash history: one SQLite database (docs/history.md), one record per
 * flash attempt, written when it starts and completed when it ends. WAL
 * mode, synchronous=FULL, one transaction per change: a crash or kill -9 at
 * any moment loses nothing committed and leaves a readable database. A
 * record a crashed process left "running" reads "interrupted" from the next
 * open on. A corrupt or unreadable database is moved aside (never silently
 * replaced) and a fresh one started; the front-end says so once
 * (ota_history_get_moved_aside()). Schema versioned (PRAGMA user_version),
 * migrated forward on open.
 *
 * Built without SQLite (OTA_HAVE_SQLITE unset: the Windows cross build),
 * ota_history_open() fails with OTA_ERROR_NOT_SUPPORTED. */

#include <gio/gio.h>
#include "ota-advice.h"
#include "ota-description.h"
#include "ota-history-record.h"

G_BEGIN_DECLS

/* The schema this build writes; an older one is migrated on open. */
#define OTA_HISTORY_SCHEMA_VERSION 2

#define OTA_TYPE_HISTORY (ota_history_get_type ())
G_DECLARE_FINAL_TYPE (OtaHistory, ota_history, OTA, HISTORY, GObject)

/* $OTAFLASH_HISTORY_DB, else $XDG_DATA_HOME/otaflash/history.db (on
 * Windows the local application data folder). */
gchar *ota_history_default_path (void);

/* Opens (creating it and its folder when needed) the database at @path,
 * migrates it and marks the records of processes that are gone as
 * interrupted. OTA_ERROR_FAILED with the file and SQLite's words when it
 * cannot be used even after moving a damaged one aside (or when it is busy,
 * or written by a newer otaflash: those are never moved). */
OtaHistory *ota_history_open (const gchar *path, GError **error);

const gchar *ota_history_get_path (OtaHistory *self);
/* Where a damaged database found at open was moved to, and why; NULL when
 * nothing was. */
const gchar *ota_history_get_moved_aside (OtaHistory *self);
const gchar *ota_history_get_moved_aside_reason (OtaHistory *self);
/* How many records this open found left running by a process that is gone. */
guint ota_history_get_n_interrupted (OtaHistory *self);
/* Transactions committed through this handle (open's own not counted): the
 * proof that a flash writes a bounded number, never one per READ. */
guint ota_history_get_n_writes (OtaHistory *self);

/* A new record, "running", from @start's file and network fields; this host,
 * user, process and version are filled in. Returns its id, 0 on error. */
gint64 ota_history_record_start (OtaHistory *self, const OtaHistoryRecord *start, GError **error);
/* The device as first read: uuid, product, version before; @ssid (NULL:
 * kept) the device network the flash joined before reading it. */
gboolean ota_history_record_device (OtaHistory *self, gint64 id, const OtaDescription *desc,
                                    const gchar *ssid, GError **error);
/* The end: outcome, device state, exit code, message from @advice; the
 * version the device runs after (NULL: unknown) and the event log. */
gboolean ota_history_record_finish (OtaHistory *self, gint64 id, const OtaAdvice *advice,
                                    const gchar *version_after, const gchar *log, GError **error);

typedef struct {
  const gchar *device_uuid; /* NULL: every device */
  gint64 since_us;          /* started at or after; 0: no bound */
  guint limit;              /* 0: all */
  gboolean with_log;
} OtaHistoryQuery;

/* Records, newest first (OtaHistoryRecord). */
GPtrArray *ota_history_query (OtaHistory *self, const OtaHistoryQuery *query, GError **error);

/* "2024-05-01" (local midnight) or an ISO 8601 date and time (local time
 * unless it names a zone) as microseconds since 1970; FALSE when it is
 * neither. */
gboolean ota_history_parse_since (const gchar *text, gint64 *out_us);

G_END_DECLS
