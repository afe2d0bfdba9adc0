/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Records one flash into the history (OtaHistory) while an OtaFlash runs it:
 * a record when the flash begins, the device when it is first read, and the
 * end with the event log. The log is kept in memory as the same JSON Lines
 * the --log file carries, smaller: progress at most once per 10 % of a
 * stage (and when it passes the point of no return), at most
 * OTA_HISTORY_RECORDER_MAX_LOG bytes. No database write happens per event:
 * three per flash (ota_history_get_n_writes()). Both front-ends use it. */

#include <gio/gio.h>
#include "ota-advice.h"
#include "ota-flash.h"
#include "ota-history.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

#define OTA_HISTORY_RECORDER_MAX_LOG (256 * 1024)

#define OTA_TYPE_HISTORY_RECORDER (ota_history_recorder_get_type ())
G_DECLARE_FINAL_TYPE (OtaHistoryRecorder, ota_history_recorder, OTA, HISTORY_RECORDER, GObject)

OtaHistoryRecorder *ota_history_recorder_new (OtaHistory *history);
OtaHistory *ota_history_recorder_get_history (OtaHistoryRecorder *self);

/* The device's network for the next record, when the front-end knows it. */
void ota_history_recorder_set_network (OtaHistoryRecorder *self, const gchar *ssid,
                                       const gchar *bssid);

/* Starts a record of a flash of @path (@ufw: the validated file, NULL when
 * it was refused) and listens to @engine's events until the end (@engine
 * NULL: no run follows, as for a refused file). One record at a time. */
gboolean ota_history_recorder_begin (OtaHistoryRecorder *self, OtaFlash *engine, const gchar *path,
                                     OtaUfw *ufw, GError **error);
/* Completes the record with @advice and the log, and stops listening. FALSE
 * when this or an earlier write of the record failed. */
gboolean ota_history_recorder_end (OtaHistoryRecorder *self, const OtaAdvice *advice,
                                   GError **error);

/* The device as read before the flash, for a unit the front-end read itself
 * (a batch: also a unit refused before anything was sent to it), with the
 * device network it is on (@ssid, NULL: none). The flash's own first read
 * then adds nothing. */
void ota_history_recorder_set_device (OtaHistoryRecorder *self, const OtaDescription *desc,
                                      const gchar *ssid);

/* An OtaSessionEarlierFileFunc (@user_data: the recorder): the file of the
 * newest other record of @uuid when that flash left the device mid-upgrade
 * (device state needs-recovery, or interrupted). Safe from the flash's
 * thread: it reads through a connection of its own. */
gboolean ota_history_recorder_earlier_file (const gchar *uuid, gchar **out_name, gchar **out_sha256,
                                            gpointer user_data);

/* The record being (or last) written; 0 before any. */
gint64 ota_history_recorder_get_id (OtaHistoryRecorder *self);

G_END_DECLS
