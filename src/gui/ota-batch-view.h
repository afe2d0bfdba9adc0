/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "Flash Every Device": the units of the batch the window runs (OtaBatch,
 * docs/gui.md), one row each with its state icon, name, uuid and versions,
 * the counters (OK / failed) and "Stop After This Unit". A view: the
 * application tells it what happens; it says "stop-requested". */

#include <gtk/gtk.h>
#include "ota-advice.h"
#include "ota-description.h"
#include "ota-event.h"

G_BEGIN_DECLS

typedef enum {
  OTA_BATCH_UNIT_WAITING,   /* found, nothing sent yet */
  OTA_BATCH_UNIT_STAGE_ONE, /* sending the updater */
  OTA_BATCH_UNIT_RESTARTING,
  OTA_BATCH_UNIT_STAGE_TWO, /* sending the firmware */
  OTA_BATCH_UNIT_DONE,      /* success */
  OTA_BATCH_UNIT_FAILED,    /* any other end, device unchanged or refused */
  OTA_BATCH_UNIT_NEEDS_RECOVERY,
} OtaBatchUnitState;

const gchar *ota_batch_unit_state_to_string (OtaBatchUnitState state);

#define OTA_TYPE_BATCH_VIEW (ota_batch_view_get_type ())
G_DECLARE_FINAL_TYPE (OtaBatchView, ota_batch_view, OTA, BATCH_VIEW, GtkBox)

GtkWidget *ota_batch_view_new (void);

/* A new batch: no unit, counters at 0, waiting for the first device at @host. */
void ota_batch_view_start (OtaBatchView *self, const gchar *host);
/* Unit @unit (1-based) was found: @device is its first description. */
void ota_batch_view_add_unit (OtaBatchView *self, guint unit, const OtaDescription *device);
/* The current unit's stage and restarts, from the engine's events. */
void ota_batch_view_show_event (OtaBatchView *self, const OtaEvent *event);
/* Its end: its state, the version it reports, the counters; then waiting for
 * the next device unless @last. */
void ota_batch_view_finish_unit (OtaBatchView *self, guint unit, const OtaAdvice *advice,
                                 gboolean last);
/* "Stop After This Unit" was pressed (or the batch stops otherwise). */
void ota_batch_view_set_stopping (OtaBatchView *self);
/* The batch ended. */
void ota_batch_view_finish (OtaBatchView *self);
gboolean ota_batch_view_is_running (OtaBatchView *self);

/* for tests */
guint ota_batch_view_get_n_units (OtaBatchView *self);
OtaBatchUnitState ota_batch_view_get_unit_state (OtaBatchView *self, guint unit);
const gchar *ota_batch_view_get_unit_uuid (OtaBatchView *self, guint unit);
const gchar *ota_batch_view_get_unit_version_before (OtaBatchView *self, guint unit);
const gchar *ota_batch_view_get_unit_version_after (OtaBatchView *self, guint unit);
guint ota_batch_view_get_n_ok (OtaBatchView *self);
guint ota_batch_view_get_n_failed (OtaBatchView *self);
GtkWidget *ota_batch_view_get_stop_button (OtaBatchView *self);
GtkWidget *ota_batch_view_get_counters_label (OtaBatchView *self);
GtkWidget *ota_batch_view_get_status_label (OtaBatchView *self);

G_END_DECLS
