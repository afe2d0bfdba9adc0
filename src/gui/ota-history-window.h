/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The flash history (docs/history.md) in a window of its own: the records,
 * newest first, filtered by device uuid, outcome and date; the event log of
 * one record; the filtered records exported as CSV, as
 * `otaflash --cli --history-export` writes them. It opens the database
 * itself (ota_history_default_path(): the CLI's), read only in effect. */

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define OTA_TYPE_HISTORY_WINDOW (ota_history_window_get_type ())
G_DECLARE_FINAL_TYPE (OtaHistoryWindow, ota_history_window, OTA, HISTORY_WINDOW, GtkWindow)

/* @path: the database (NULL: ota_history_default_path()). */
OtaHistoryWindow *ota_history_window_new (GtkWindow *parent, const gchar *path);

/* Reads the records again (a flash ended). */
void ota_history_window_reload (OtaHistoryWindow *self);
/* Writes the records shown now as CSV. */
gboolean ota_history_window_export (OtaHistoryWindow *self, const gchar *path, GError **error);

/* for tests */
guint ota_history_window_get_n_shown (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_uuid_entry (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_outcome_combo (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_since_combo (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_tree_view (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_show_log_button (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_log_view (OtaHistoryWindow *self);
GtkWidget *ota_history_window_get_status_label (OtaHistoryWindow *self);

G_END_DECLS
