/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The main window: the firmware file, the device, the upgrade's progress,
 * its result and its log. A view: it shows what it is told and says what the
 * user wants through signals; the application does the work.
 *
 * Signals:
 *   "file-chosen" (const gchar *path)   chooser, drag and drop
 *   "address-changed" ()                the address or a port was edited
 *   "wifi-changed" ()                   the device networks' names or password was edited
 *   "flash-requested" ()                Flash / Recover
 *   "cancel-requested" ()               Cancel, or closing the window while flashing
 *   "demo-requested" ()                 Try Without a Device
 *   "demo-firmware-requested" ()        Make Demo Firmware
 *   "leave-demo-requested" ()           Leave Demo
 *   "batch-requested" ()                Flash Every Device
 */

#include <gtk/gtk.h>
#include "ota-advice.h"
#include "ota-batch-view.h"
#include "ota-description.h"
#include "ota-event.h"
#include "ota-network-list.h"
#include "ota-session.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

#define OTA_TYPE_WINDOW (ota_window_get_type ())
G_DECLARE_FINAL_TYPE (OtaWindow, ota_window, OTA, WINDOW, GtkApplicationWindow)

OtaWindow *ota_window_new (GtkApplication *application);

/* The address and ports in the Advanced fields. */
const gchar *ota_window_get_host (OtaWindow *self);
void ota_window_get_ports (OtaWindow *self, guint16 *ctp, guint16 *http, guint16 *ota);
/* Fills the fields; does not emit "address-changed". */
void ota_window_set_address (OtaWindow *self, const gchar *host, guint16 ctp, guint16 http,
                             guint16 ota);

/* The devices' Wi-Fi in the Advanced fields: the network name patterns as
 * typed (comma- or space-separated; "" for the defaults) and the password
 * ("" for the default). */
const gchar *ota_window_get_wifi_patterns (OtaWindow *self);
const gchar *ota_window_get_wifi_password (OtaWindow *self);
/* Fills the fields (NULL: empty); does not emit "wifi-changed". */
void ota_window_set_wifi (OtaWindow *self, const gchar *patterns, const gchar *password);

/* The firmware file: being checked, then valid (@ufw) or not (@error). */
void ota_window_set_file_checking (OtaWindow *self, const gchar *path);
void ota_window_set_file_result (OtaWindow *self, const gchar *path, OtaUfw *ufw,
                                 const GError *error);

/* What answers at the address: a description, or why nothing does. NULL
 * and NULL: looking for it. */
void ota_window_set_device (OtaWindow *self, const OtaDescription *desc, const GError *error);

/* The upgrade. */
void ota_window_flash_started (OtaWindow *self);
void ota_window_show_event (OtaWindow *self, const OtaEvent *event);
void ota_window_show_cancelling (OtaWindow *self);
/* A safe cancel was overtaken by the point of no return: Cancel again. */
void ota_window_cancel_dropped (OtaWindow *self);
void ota_window_flash_finished (OtaWindow *self, const OtaAdvice *advice);
gboolean ota_window_is_flashing (OtaWindow *self);

/* "Flash Every Device": busy from the request to the batch's end, between
 * its units too; each unit is a flash_started() / flash_finished() pair and
 * a row of the batch view. */
void ota_window_batch_started (OtaWindow *self);
void ota_window_batch_finished (OtaWindow *self);
gboolean ota_window_is_batch (OtaWindow *self);
OtaBatchView *ota_window_get_batch_view (OtaWindow *self);

/* "Try without a device". */
void ota_window_set_demo_starting (OtaWindow *self, gboolean starting);
void ota_window_offer_demo_firmware (OtaWindow *self, gboolean offer);
/* The window looks at the built-in emulator: it says so, and offers to leave. */
void ota_window_set_demo_mode (OtaWindow *self, gboolean demo);
gboolean ota_window_get_demo_mode (OtaWindow *self);
/* A problem outside an upgrade (the emulator did not start, the log could
 * not be saved), in the result bar. */
void ota_window_show_problem (OtaWindow *self, const gchar *message, const gchar *next_step);

/* The device networks in range; the one chosen is what Flash joins. */
OtaNetworkList *ota_window_get_network_list (OtaWindow *self);

/* Writes the log as JSON Lines (what "Save Log…" writes). */
gboolean ota_window_save_log (OtaWindow *self, const gchar *path, GError **error);

G_END_DECLS
