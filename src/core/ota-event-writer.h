/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one JSON Lines writer: what `otaflash --cli --json` prints, what
 * `--log FILE` keeps and what the window's Save Log writes all come from
 * here, so the three are the same by construction (docs/cli.md).
 *
 * A writer has sinks; each gets every line (without the newline). A sink
 * may also want the "debug" lines of --log. Progress is written only when
 * something a reader cares about moved (stage, percent, committed). */

#include <stdio.h>
#include "ota-event.h"

G_BEGIN_DECLS

typedef struct _OtaEventWriter OtaEventWriter;

typedef void (*OtaEventWriterSink) (const gchar *line, gpointer user_data);

OtaEventWriter *ota_event_writer_new (void);
void ota_event_writer_free (OtaEventWriter *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaEventWriter, ota_event_writer_free)

void ota_event_writer_add_sink (OtaEventWriter *self, OtaEventWriterSink sink, gpointer user_data,
                                gboolean with_debug);
/* A sink that writes each line and a newline to @file and flushes it. */
void ota_event_writer_add_file (OtaEventWriter *self, FILE *file, gboolean with_debug);
/* A sink that keeps the lines in @lines (gchar*, owned by the array). */
void ota_event_writer_add_lines (OtaEventWriter *self, GPtrArray *lines);

/* A batch (--batch): every object written from now on carries "unit": @unit
 * (0: none, the default). */
void ota_event_writer_set_unit (OtaEventWriter *self, guint unit);

/* Forgets what progress was last written (a new flash). */
void ota_event_writer_reset (OtaEventWriter *self);

/* Writes @event; returns FALSE when it was a progress event with nothing new. */
gboolean ota_event_writer_event (OtaEventWriter *self, const OtaEvent *event);
/* Writes any JSON object (file, result, network, …); takes nothing. */
void ota_event_writer_object (OtaEventWriter *self, const cJSON *obj);
/* A "debug" line (domain, message), only to sinks that want them. */
void ota_event_writer_debug (OtaEventWriter *self, const gchar *domain, const gchar *message);

G_END_DECLS
