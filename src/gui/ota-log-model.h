/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The window's log of one upgrade: the JSON Lines that Save Log writes,
 * made by the core's one writer (OtaEventWriter) so they are what
 * `otaflash --cli --json` prints for the same run, and a readable text
 * version for the log view (one line per event, progress per 10 %). */

#include <gtk/gtk.h>
#include "ota-advice.h"
#include "ota-event.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

#define OTA_TYPE_LOG_MODEL (ota_log_model_get_type ())
G_DECLARE_FINAL_TYPE (OtaLogModel, ota_log_model, OTA, LOG_MODEL, GObject)

OtaLogModel *ota_log_model_new (void);

/* The readable log; "changed" is emitted after each line added to it. */
GtkTextBuffer *ota_log_model_get_buffer (OtaLogModel *self);
/* The JSON Lines (element-type utf8). */
GPtrArray *ota_log_model_get_lines (OtaLogModel *self);

void ota_log_model_clear (OtaLogModel *self);
void ota_log_model_add_file (OtaLogModel *self, const gchar *path, OtaUfw *ufw);
void ota_log_model_add_event (OtaLogModel *self, const OtaEvent *event);
void ota_log_model_add_result (OtaLogModel *self, const OtaAdvice *advice);

/* Writes the JSON Lines to @path. */
gboolean ota_log_model_save (OtaLogModel *self, const gchar *path, GError **error);

G_END_DECLS
