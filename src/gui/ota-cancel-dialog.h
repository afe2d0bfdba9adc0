/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Asks before cancelling an upgrade that is past the point of no return
 * (protocol.md S5): says that the device stays in its updater and how to
 * finish later. Only "Cancel Anyway" cancels; every other answer (Keep Going,
 * Escape, closing the dialog) keeps the upgrade going. */

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The response of "Cancel Anyway"; anything else means keep going. */
#define OTA_CANCEL_DIALOG_RESPONSE_CANCEL_ANYWAY 1

#define OTA_TYPE_CANCEL_DIALOG (ota_cancel_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OtaCancelDialog, ota_cancel_dialog, OTA, CANCEL_DIALOG, GtkDialog)

GtkWidget *ota_cancel_dialog_new (GtkWindow *parent);

/* For tests. */
GtkWidget *ota_cancel_dialog_get_keep_going_button (OtaCancelDialog *self);
GtkWidget *ota_cancel_dialog_get_cancel_anyway_button (OtaCancelDialog *self);

G_END_DECLS
