/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The flash engine every front-end uses: runs an OtaSession's whole upgrade
 * in a worker thread and delivers its typed events ("event", an OtaEvent) on
 * the main context run_async() was called from, in order, progress
 * coalesced (OtaProgressRelay). It owns the cancel policy (ota_flash_cancel)
 * and tells the front-end when the device passes the point of no return
 * ("committed", with notify) and when a safe cancel was overtaken by it
 * ("cancel-dropped"). All events are delivered before the run's callback.
 * An OtaFlash can run again after any outcome, one run at a time. */

#include <gio/gio.h>
#include "ota-advice.h"
#include "ota-event.h"
#include "ota-firmware.h"
#include "ota-session.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

#define OTA_TYPE_FLASH (ota_flash_get_type ())
G_DECLARE_FINAL_TYPE (OtaFlash, ota_flash, OTA, FLASH, GObject)

/* @session: configured (address, ports, timing); the engine sets its event
 * function. */
OtaFlash *ota_flash_new (OtaSession *session);
OtaSession *ota_flash_get_session (OtaFlash *self);

/* @cancellable: cancelling it is a confirmed cancel (closing the program).
 * A front-end's Cancel button and Ctrl-C go through ota_flash_cancel(). */
void ota_flash_run_async (OtaFlash *self, OtaFirmware *firmware, OtaUfw *ufw,
                          GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data);
gboolean ota_flash_run_finish (OtaFlash *self, GAsyncResult *result, GError **error);

/* See ota_session_cancel(); NOT_RUNNING when no run is under way. */
OtaCancelAnswer ota_flash_cancel (OtaFlash *self, OtaCancelKind kind);
/* A cancel of either kind was taken and not dropped during the current (or
 * the last) run. */
gboolean ota_flash_is_cancelling (OtaFlash *self);

gboolean ota_flash_is_running (OtaFlash *self);
/* The device is past the point of no return (as of the last event delivered). */
gboolean ota_flash_get_committed (OtaFlash *self);
OtaDeviceState ota_flash_get_device_state (OtaFlash *self);
const gchar *ota_flash_get_new_version (OtaFlash *self);

/* After a run: what it means for the technician (ota-advice.h). */
OtaAdvice *ota_flash_dup_advice (OtaFlash *self);

G_END_DECLS
