/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What an upgrade's end means for a technician: one mapping from the error
 * and what the device is left with to an outcome, a one-line message and the
 * next step. Shared by the CLI (exit codes, "Next step:") and the window, so
 * that both front-ends always give the same advice. */

#include <gio/gio.h>
#include "ota-json.h"
#include "ota-session.h"

G_BEGIN_DECLS

typedef enum {
  OTA_OUTCOME_SUCCESS,            /* the device runs the new firmware (confirmed) */
  OTA_OUTCOME_NOT_REACHABLE,      /* nothing answers at the address */
  OTA_OUTCOME_INVALID_FILE,       /* the file is missing, unreadable or corrupt */
  OTA_OUTCOME_REFUSED,            /* not single-backup, busy, not ready */
  OTA_OUTCOME_NOTHING_TO_DO,      /* the device already runs this firmware (SAME) */
  OTA_OUTCOME_FAILED_UNCHANGED,   /* failed before the point of no return */
  OTA_OUTCOME_NEEDS_RECOVERY,     /* failed or cancelled after it: stage two pending */
  OTA_OUTCOME_NO_REBOOT,          /* the device did not come back after a restart */
  OTA_OUTCOME_CANCELLED,          /* cancelled before the point of no return */
} OtaOutcome;

/* @error NULL means success. */
OtaOutcome   ota_advice_classify (const GError *error, OtaDeviceState state);

/* "success", "unchanged", "failed", "needs-recovery", "cancelled" (the
 * "status" of a result event, docs/cli.md). */
const gchar *ota_outcome_to_status (OtaOutcome outcome);

/* What to do next, in words for a technician; NULL on success. */
const gchar *ota_advice_next_step (const GError *error, OtaDeviceState state);

/* The one-line result: on success "Success: the device restarted and now
 * runs firmware @new_version.", on cancel what the device is left with,
 * otherwise the error's message. */
gchar       *ota_advice_message (const GError *error, OtaDeviceState state,
                                 const gchar *new_version);

/* The "result" event of docs/cli.md without "exit_code" (a CLI matter):
 * event, status, @message, next_step (on failure), device_state and
 * @firmware_version (when not NULL). */
cJSON       *ota_advice_result_to_json (const GError *error, OtaDeviceState state,
                                        const gchar *message, const gchar *firmware_version);

G_END_DECLS
