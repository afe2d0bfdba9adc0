/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reads the device description now and then while the window is idle, so
 * that the window always shows what answers at the address. One read at a
 * time, in a worker thread, with a short timeout; never while paused (the
 * window pauses it while flashing: the session is then the only one talking
 * to the device). */

#include <gio/gio.h>
#include "ota-description.h"

G_BEGIN_DECLS

#define OTA_DEVICE_MONITOR_INTERVAL_MS 3000
#define OTA_DEVICE_MONITOR_TIMEOUT_MS 2000

#define OTA_TYPE_DEVICE_MONITOR (ota_device_monitor_get_type ())
G_DECLARE_FINAL_TYPE (OtaDeviceMonitor, ota_device_monitor, OTA, DEVICE_MONITOR, GObject)

/* Starts paused: nothing is read before a target is set and it is resumed. */
OtaDeviceMonitor *ota_device_monitor_new (void);

/* Forgets what a read in flight would say and reads the new target soon. */
void ota_device_monitor_set_target (OtaDeviceMonitor *self, const gchar *host, guint16 http_port);
/* Pausing cancels a read in flight; resuming reads at once. */
void ota_device_monitor_set_paused (OtaDeviceMonitor *self, gboolean paused);
/* TRUE while a read runs (property "busy"; a cancelled read still counts
 * until its thread has returned). */
gboolean ota_device_monitor_get_busy (OtaDeviceMonitor *self);

/* Signal "updated" (const OtaDescription *desc, const GError *error): exactly
 * one of them is non-NULL. Not emitted for cancelled or outdated reads. */

G_END_DECLS
