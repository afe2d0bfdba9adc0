/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One run of ota_session_flash() for the window: the session in a GTask
 * thread, its events carried to the main context by an OtaProgressRelay
 * (in order, progress coalesced, at most one idle source pending), and
 * cancelling with the point-of-no-return semantics left to the caller
 * (ota_flash_job_is_committed()). No protocol here: all of it is the core's. */

#include <gio/gio.h>
#include "ota-event.h"
#include "ota-firmware.h"
#include "ota-session.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

#define OTA_TYPE_FLASH_JOB (ota_flash_job_get_type ())
G_DECLARE_FINAL_TYPE (OtaFlashJob, ota_flash_job, OTA, FLASH_JOB, GObject)

OtaFlashJob   *ota_flash_job_new (const gchar *host, guint16 ctp_port, guint16 http_port,
                                  guint16 ota_port, OtaFirmware *firmware, OtaUfw *ufw);
/* Session timing, for tests and demos; before start. */
OtaSession    *ota_flash_job_get_session (OtaFlashJob *self);

/* Runs the session; emits "event" (const OtaEvent *) for each event in the
 * main context it was started from, then "finished" once. */
void           ota_flash_job_start (OtaFlashJob *self);
/* A cancel that never strands the device: FALSE (nothing done) when it is
 * past the point of no return — ask the user, then ota_flash_job_cancel().
 * Should the device pass that point before the core could tell it to stop,
 * the cancel is dropped with a "cancel-too-late" log event and the flash
 * goes on (ota_session_cancel()). */
gboolean       ota_flash_job_cancel_safely (OtaFlashJob *self);
/* The confirmed cancel: the core sends STOP in place of the device's next
 * request whatever the device's state (protocol.md S5: after the point of
 * no return only when the user chose it). */
void           ota_flash_job_cancel (OtaFlashJob *self);
/* A cancel of either kind is under way. */
gboolean       ota_flash_job_is_cancelled (OtaFlashJob *self);
/* Thread-safe: the device is past the point of no return. */
gboolean       ota_flash_job_is_committed (OtaFlashJob *self);
gboolean       ota_flash_job_is_running (OtaFlashJob *self);

/* After "finished": */
const GError  *ota_flash_job_get_error (OtaFlashJob *self);   /* NULL: success */
OtaDeviceState ota_flash_job_get_device_state (OtaFlashJob *self);
const gchar   *ota_flash_job_get_new_version (OtaFlashJob *self);

G_END_DECLS
