/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The finished unit's result, big enough to read from across a room: an
 * icon and a headline that differ for every kind of end, what happened in
 * plain words, the next step, and the technical cause behind a "Details"
 * expander. It says nothing of its own: the words come from OtaAdvice
 * (src/core/ota-advice.c). */

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  OTA_RESULT_KIND_SUCCESS,   /* the device runs the new firmware */
  OTA_RESULT_KIND_UNCHANGED, /* nothing to do: already that firmware */
  OTA_RESULT_KIND_CANCELLED, /* stopped by the technician, device unchanged */
  OTA_RESULT_KIND_WARNING,   /* not finished: recovery needed, not confirmed */
  OTA_RESULT_KIND_ERROR,     /* failed */
} OtaResultKind;

const gchar *ota_result_kind_to_string (OtaResultKind kind);
/* The GtkInfoBar message type a result is shown with. */
GtkMessageType ota_result_kind_to_message_type (OtaResultKind kind);

#define OTA_TYPE_RESULT_VIEW (ota_result_view_get_type ())
G_DECLARE_FINAL_TYPE (OtaResultView, ota_result_view, OTA, RESULT_VIEW, GtkBox)

GtkWidget *ota_result_view_new (void);

/* @body, @next_step and @detail may be NULL; @detail is shown folded. */
void ota_result_view_show (OtaResultView *self, OtaResultKind kind, const gchar *headline,
                           const gchar *body, const gchar *next_step, const gchar *detail);
OtaResultKind ota_result_view_get_kind (OtaResultView *self);
/* A bigger icon and headline, for a large screen. */
void ota_result_view_set_large (OtaResultView *self, gboolean large);

/* for tests */
GtkWidget *ota_result_view_get_image (OtaResultView *self);
GtkWidget *ota_result_view_get_headline_label (OtaResultView *self);
GtkWidget *ota_result_view_get_body_label (OtaResultView *self);
GtkWidget *ota_result_view_get_next_step_label (OtaResultView *self);
GtkWidget *ota_result_view_get_detail_expander (OtaResultView *self);
GtkWidget *ota_result_view_get_detail_label (OtaResultView *self);

G_END_DECLS
