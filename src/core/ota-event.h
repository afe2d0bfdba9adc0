/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a flashing session reports to its front-end: the device it found, the
 * start and end of each stage, progress, and notable things. The CLI prints
 * these as JSON Lines (docs/cli.md); the GUI shows them and keeps them in its
 * log. */

#include <gio/gio.h>
#include "ota-json.h"
#include "ota-description.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

typedef enum {
  OTA_EVENT_DEVICE,
  OTA_EVENT_STAGE,
  OTA_EVENT_PROGRESS,
  OTA_EVENT_LOG,
} OtaEventKind;

typedef struct {
  OtaEventKind kind;
  gdouble t;                  /* seconds since the session started */
  guint stage;                /* 1 or 2; 0 when not about a stage */
  /* OTA_EVENT_STAGE */
  gchar *state;               /* "start" or "end" */
  gchar *outcome;             /* at "end": "ok", "error", "cancelled" */
  /* OTA_EVENT_PROGRESS */
  guint percent;              /* the device's own download_percent */
  guint64 bytes;              /* bytes served of total */
  guint64 total;              /* all_size: 0 until the device said it */
  gdouble rate;               /* bytes per second, smoothed; 0 unknown */
  gint64 eta;                 /* seconds left; -1 unknown */
  gboolean committed;         /* past the point of no return */
  /* OTA_EVENT_LOG */
  gchar *level;               /* "info", "warning" */
  gchar *code;                /* stable identifier, see docs/cli.md */
  gchar *message;
  /* OTA_EVENT_DEVICE */
  OtaDescription *device;
} OtaEvent;

typedef void (*OtaEventFunc) (const OtaEvent *event, gpointer user_data);

OtaEvent    *ota_event_new (OtaEventKind kind);
OtaEvent    *ota_event_copy (const OtaEvent *event);
void         ota_event_free (OtaEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaEvent, ota_event_free)

const gchar *ota_event_kind_to_string (OtaEventKind kind);
/* The JSON object of docs/cli.md ("event": "device" | "stage" | ...). */
cJSON       *ota_event_to_json (const OtaEvent *event);
/* The same, compact, without a newline. */
gchar       *ota_event_to_json_line (const OtaEvent *event);
/* The description as the JSON object of a "device" event. */
cJSON       *ota_description_to_json (const OtaDescription *desc);

/* The "file" event of docs/cli.md for a validated container (@ufw may be
 * NULL: then only the path). */
cJSON       *ota_event_file_to_json (const gchar *path, OtaUfw *ufw);

G_END_DECLS
