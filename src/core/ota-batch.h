/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A batch: many units flashed one after another with one file, by one
 * OtaFlash (docs/cli.md, --batch). It waits for the next device at the
 * session's address (a uuid not yet done in this batch), checks it against
 * the batch's safety rules (expected product, downgrade, same version),
 * flashes it, counts its outcome and goes on, until the count is reached or
 * ota_batch_stop(). Everything runs on the main context run_async() was
 * called from; the wait for a device runs in a worker. No GTK: the window
 * can drive it as the CLI does. */

#include <gio/gio.h>
#include "ota-advice.h"
#include "ota-description.h"
#include "ota-firmware.h"
#include "ota-flash.h"
#include "ota-ufw.h"
#include "ota-wifi.h"

G_BEGIN_DECLS

#define OTA_TYPE_BATCH (ota_batch_get_type ())
G_DECLARE_FINAL_TYPE (OtaBatch, ota_batch, OTA, BATCH, GObject)

/* What a batch asks once, before the first unit that needs it. */
typedef enum {
  OTA_BATCH_QUESTION_DOWNGRADE, /* the device runs a newer version than the file */
  OTA_BATCH_QUESTION_REINSTALL, /* the device runs the file's version already */
} OtaBatchQuestion;

/* Called on the main context; TRUE allows it for the rest of the batch,
 * FALSE refuses it for the rest of the batch. */
typedef gboolean (*OtaBatchConfirmFunc) (OtaBatch *batch, OtaBatchQuestion question,
                                         const OtaDescription *device, const gchar *file_version,
                                         gpointer user_data);

/* @engine's session is configured (address, ports, timing). */
OtaBatch *ota_batch_new (OtaFlash *engine, OtaFirmware *firmware, OtaUfw *ufw);

/* Units to flash; 0: until stopped. */
void ota_batch_set_count (OtaBatch *self, guint count);
void ota_batch_set_allow_downgrade (OtaBatch *self, gboolean allow);
void ota_batch_set_allow_reinstall (OtaBatch *self, gboolean allow);
/* Refuse a unit whose description's product_type is not @product (NULL: any). */
void ota_batch_set_expect_product (OtaBatch *self, const gchar *product);
/* How often the address is read while waiting for the next unit (default 100 ms). */
void ota_batch_set_poll_interval (OtaBatch *self, guint interval_ms);
/* Without one, a downgrade or a reinstall is refused unless allowed. */
void ota_batch_set_confirm_func (OtaBatch *self, OtaBatchConfirmFunc func, gpointer user_data);

/* The same question for a front-end that must not block its main loop (the
 * window): called on the main context instead of the confirm function, once
 * per question kind; the unit waits (nothing sent to it) until
 * ota_batch_answer(), which may be called from @func itself or later.
 * ota_batch_stop() while a question waits ends the unit as cancelled. */
typedef void (*OtaBatchAskFunc) (OtaBatch *batch, OtaBatchQuestion question,
                                 const OtaDescription *device, const gchar *file_version,
                                 gpointer user_data);
void ota_batch_set_ask_func (OtaBatch *self, OtaBatchAskFunc func, gpointer user_data);
/* The answer to the question waiting: TRUE allows it for the rest of the
 * batch, FALSE refuses it for the rest of the batch. */
void ota_batch_answer (OtaBatch *self, gboolean allow);
/* A question waits for ota_batch_answer(). */
gboolean ota_batch_is_asking (OtaBatch *self);

/* Wi-Fi (docs/wifi.md, "Batches"): the next device is the next device
 * network of @filter in range that is not yet done in this batch (recovery
 * networks first); the batch joins it (@password, NULL: the SDK's default)
 * and reads the device there (@host_from_gateway: at the network's
 * gateway), and the unit's flash has the Wi-Fi steps on that network. The
 * PC's own network is remembered before the first join and put back once,
 * after the last unit, not between units. @wifi NULL: none. */
void ota_batch_set_wifi (OtaBatch *self, OtaWifi *wifi, OtaWifiFilter *filter,
                         const gchar *password, gboolean host_from_gateway);

/* Signals, on the main context: "unit-start" (guint unit) once the unit's
 * device is known (ota_batch_get_device()), before anything is sent to it;
 * "unit-end" (guint unit) once its outcome is known (ota_batch_get_advice());
 * "event" (OtaEvent) for the batch's own Wi-Fi steps (code "wifi": remember,
 * join, joined while looking for the next unit; restore, restored at the
 * end), as OtaFlash's "event". The run fails (OTA_ERROR_WIFI) only when the
 * PC's Wi-Fi cannot be used at all before the first unit. */
void ota_batch_run_async (OtaBatch *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);
gboolean ota_batch_run_finish (OtaBatch *self, GAsyncResult *result, GError **error);

/* No new unit after the one in progress; stops waiting for a device at
 * once. The unit in progress is cancelled (or not) through the engine's
 * cancel policy, by the front-end: ota_flash_cancel(). */
void ota_batch_stop (OtaBatch *self);
/* ota_batch_stop() was called. */
gboolean ota_batch_is_stopped (OtaBatch *self);
/* A unit is being flashed (not waiting for a device). */
gboolean ota_batch_in_unit (OtaBatch *self);

/* The current (or last) unit, 1-based; 0 before the first. */
guint ota_batch_get_unit (OtaBatch *self);
const OtaDescription *ota_batch_get_device (OtaBatch *self);
/* The device network the current (or last) unit was found on; NULL without
 * Wi-Fi. */
const gchar *ota_batch_get_network (OtaBatch *self);
const OtaAdvice *ota_batch_get_advice (OtaBatch *self);
guint ota_batch_get_n_outcome (OtaBatch *self, OtaOutcome outcome);
/* 0 when every unit succeeded (or none was flashed), else the exit code of
 * the worst unit (ota_batch_outcome_severity()). */
OtaExitCode ota_batch_get_exit_code (OtaBatch *self);

/* How bad an outcome is for a batch, higher is worse: needs-recovery >
 * no-reboot > wifi > failed-unchanged > not-reachable > refused >
 * invalid-file > nothing-to-do > cancelled > success (docs/cli.md). */
guint ota_batch_outcome_severity (OtaOutcome outcome);

/* Dotted version compare ("1.0.10" > "1.0.9"); non-digits compared as
 * text. <0, 0, >0. */
gint ota_batch_compare_versions (const gchar *a, const gchar *b);

G_END_DECLS
