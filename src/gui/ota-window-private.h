/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For tests only (fwupd's -private.h pattern): the window's children and
 * its log, so in-process tests can drive and read it. */

#include "ota-result-view.h"
#include "ota-window.h"

G_BEGIN_DECLS

GtkWidget *ota_window_get_flash_button (OtaWindow *self);
GtkWidget *ota_window_get_cancel_button (OtaWindow *self);
GtkWidget *ota_window_get_stage_label (OtaWindow *self);
GtkWidget *ota_window_get_progress_bar (OtaWindow *self);
GtkWidget *ota_window_get_activity_label (OtaWindow *self);
GtkWidget *ota_window_get_result_bar (OtaWindow *self);
GtkWidget *ota_window_get_result_label (OtaWindow *self);
GtkWidget *ota_window_get_next_step_label (OtaWindow *self);
GtkWidget *ota_window_get_recovery_bar (OtaWindow *self);
GtkWidget *ota_window_get_demo_bar (OtaWindow *self);
GtkWidget *ota_window_get_file_status_label (OtaWindow *self);
GtkWidget *ota_window_get_file_version_label (OtaWindow *self);
GtkWidget *ota_window_get_device_status_label (OtaWindow *self);
GtkWidget *ota_window_get_device_version_label (OtaWindow *self);
GtkWidget *ota_window_get_log_expander (OtaWindow *self);
GtkWidget *ota_window_get_result_view (OtaWindow *self);
GtkWidget *ota_window_get_stage_progress_bar (OtaWindow *self);
GtkWidget *ota_window_get_progress_detail_label (OtaWindow *self);
GtkWidget *ota_window_get_file_detail_label (OtaWindow *self);
GtkWidget *ota_window_get_try_demo_button (OtaWindow *self);
GtkWidget *ota_window_get_leave_demo_button (OtaWindow *self);
GtkWidget *ota_window_get_advanced_expander (OtaWindow *self);
GtkWidget *ota_window_get_patterns_entry (OtaWindow *self);
GtkWidget *ota_window_get_password_entry (OtaWindow *self);
GtkWidget *ota_window_get_device_uuid_label (OtaWindow *self);
GtkWidget *ota_window_get_log_view (OtaWindow *self);
/* the open question (reinstall, recover with another file, quit), or NULL */
GtkWidget *ota_window_get_confirm_dialog (OtaWindow *self);
OtaResultKind ota_window_get_result_kind (OtaWindow *self);
gboolean ota_window_get_result_shown (OtaWindow *self);
/* "waiting for the device" after @ms without an event (default 3 s) */
void ota_window_set_stall_ms (OtaWindow *self, guint ms);
GPtrArray *ota_window_get_log_lines (OtaWindow *self); /* element-type utf8 */

G_END_DECLS
