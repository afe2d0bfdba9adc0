/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The history in the command line (docs/cli.md, docs/history.md): the
 * --history and --history-export modes, and recording every flash unless
 * --no-history. */

#include <glib.h>

#include "ota-advice.h"
#include "ota-event-writer.h"
#include "ota-history-recorder.h"

G_BEGIN_DECLS

typedef struct {
  gboolean list;      /* --history */
  gchar *export_path; /* --history-export FILE.csv */
  gchar *db;          /* --history-db PATH */
  gboolean off;       /* --no-history */
  gchar *device;      /* --device UUID */
  gchar *since;       /* --since DATE */
  gint limit;         /* --limit N; 0 all */
  gint64 since_us;    /* parsed */
  gboolean json;      /* --json */
} OtaCliHistory;

void ota_cli_history_clear (OtaCliHistory *self);

/* --history or --history-export. */
gboolean ota_cli_history_is_mode (const OtaCliHistory *self);

/* The command line's problem with the history options, or NULL. @n_files:
 * firmware files given; @other_mode: --info, --check or --scan. */
const gchar *ota_cli_history_check (OtaCliHistory *self, gint n_files, gboolean other_mode);

/* --history / --history-export: lists or writes the records, ends with the
 * result event. OTA_EXIT_HISTORY when the history cannot be used. */
int ota_cli_history_run (OtaCliHistory *self, OtaEventWriter *writer);

/* For a flash: a recorder on the history, or NULL with --no-history or when
 * the history cannot be used (then a warning says so: the flash goes on). */
OtaHistoryRecorder *ota_cli_history_recorder (OtaCliHistory *self, OtaEventWriter *writer);

/* Begins the flash's record (@engine NULL: a refused file, no run);
 * warns when it cannot be written. */
void ota_cli_history_begin (OtaCliHistory *self, OtaHistoryRecorder *recorder,
                            OtaEventWriter *writer, OtaFlash *engine, const gchar *path,
                            OtaUfw *ufw);
/* Completes the record, before the result is printed; warns on failure. */
void ota_cli_history_end (OtaCliHistory *self, OtaHistoryRecorder *recorder, OtaEventWriter *writer,
                          const OtaAdvice *advice);

G_END_DECLS
