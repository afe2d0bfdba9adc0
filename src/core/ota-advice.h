/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What an upgrade's end means for a technician, decided once for every
 * front-end: one table from the outcome (and what the device is left with)
 * to a headline, a status for scripts, an exit code and the next step.
 * Errors carry facts only ("cannot connect to 127.0.0.1 port 8080:
 * connection refused"); every sentence of advice lives in this table, once,
 * where a translator finds it. */

#include <gio/gio.h>
#include "ota-json.h"
#include "ota-event.h"
#include "ota-session.h"

G_BEGIN_DECLS

typedef enum {
  OTA_OUTCOME_SUCCESS,          /* the device runs the new firmware (confirmed) */
  OTA_OUTCOME_NOT_REACHABLE,    /* nothing answers at the address */
  OTA_OUTCOME_INVALID_FILE,     /* the file is missing, unreadable or corrupt */
  OTA_OUTCOME_REFUSED,          /* not single-backup, busy, not ready */
  OTA_OUTCOME_NOTHING_TO_DO,    /* the device already runs this firmware (SAME) */
  OTA_OUTCOME_FAILED_UNCHANGED, /* failed before the point of no return */
  OTA_OUTCOME_NEEDS_RECOVERY,   /* failed or cancelled after it: stage two pending */
  OTA_OUTCOME_NO_REBOOT,        /* the device did not come back after a restart */
  OTA_OUTCOME_CANCELLED,        /* cancelled before the point of no return */
  OTA_OUTCOME_WIFI,             /* could not join or rejoin the device's Wi-Fi */
  OTA_OUTCOME_LAST
} OtaOutcome;

/* Exit codes of `otaflash --cli` (docs/cli.md); stable. */
typedef enum {
  OTA_EXIT_SUCCESS = 0,
  OTA_EXIT_USAGE = 2,
  OTA_EXIT_NOT_REACHABLE = 3,
  OTA_EXIT_INVALID_FILE = 4,
  OTA_EXIT_REFUSED = 5,
  OTA_EXIT_NOTHING_TO_DO = 6,
  OTA_EXIT_FAILED_UNCHANGED = 7,
  OTA_EXIT_NEEDS_RECOVERY = 8,
  OTA_EXIT_NO_REBOOT = 9,
  OTA_EXIT_WIFI = 10,
  OTA_EXIT_HISTORY = 11, /* --history/--history-export: the history cannot be used */
  OTA_EXIT_CANCELLED = 130,
} OtaExitCode;

/* One rendered result: everything a front-end shows at the end. */
typedef struct {
  OtaOutcome outcome;
  OtaDeviceState state;
  const gchar *status; /* "success", "failed", … (the result event's "status") */
  OtaExitCode exit_code;
  const gchar *headline;   /* a few words, for the window's big result */
  const gchar *summary;    /* what happened, in plain words; NULL when the message is */
  gchar *message;          /* the one-line result: what happened (facts) */
  const gchar *next_step;  /* what to do now; NULL on success */
  gchar *firmware_version; /* what the device reports, when known */
} OtaAdvice;

/* @error NULL means success. */
OtaOutcome ota_advice_classify (const GError *error, OtaDeviceState state);
const gchar *ota_outcome_to_string (OtaOutcome outcome);

/* Renders the end of a flash (or of --info / --check, with @success_message
 * used on success instead of the upgrade's own). */
OtaAdvice *ota_advice_new (const GError *error, OtaDeviceState state, const gchar *firmware_version,
                           const gchar *success_message);
void ota_advice_free (OtaAdvice *advice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaAdvice, ota_advice_free)

/* The "result" event of docs/cli.md, exit_code included. */
cJSON *ota_advice_to_json (const OtaAdvice *advice);

/* What is happening now, in a technician's words, while @event is the latest
 * (the window's activity line; the CLI prints it for the restarts). NULL when
 * the event's own message says it all. */
const gchar *ota_advice_event_hint (const OtaEvent *event);

G_END_DECLS
