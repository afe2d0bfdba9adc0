/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For tests only: the main window (NULL before activation), the
 * confirmation dialog while it is shown, and the flash engine. */

#include "ota-application.h"
#include "ota-flash.h"

G_BEGIN_DECLS

OtaWindow *ota_application_get_window (OtaApplication *self);
GtkWidget *ota_application_get_cancel_dialog (OtaApplication *self);
/* the history window while it is shown (app.history), or NULL */
GtkWidget *ota_application_get_history_window (OtaApplication *self);
OtaFlash *ota_application_get_engine (OtaApplication *self);
/* "Flash Every Device"'s reinstall or downgrade question while it is shown,
 * and how many were asked in this run */
GtkWidget *ota_application_get_batch_question (OtaApplication *self);
guint ota_application_get_n_batch_questions (OtaApplication *self);
/* suspend and idle are inhibited (asked for) while a flash runs */
gboolean ota_application_get_inhibiting (OtaApplication *self);
/* the last run's log, kept under $XDG_STATE_HOME/otaflash/logs */
const gchar *ota_application_get_last_log_path (OtaApplication *self);

G_END_DECLS
