/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* "Try without a device": runs the bundled device emulator, otaflash-emu, on
 * 127.0.0.1 with free ports and a modelled Wi-Fi link, and makes a demo
 * firmware file for it. The emulator keeps its state in a temporary folder
 * that is removed when it stops. */

#include <gio/gio.h>

G_BEGIN_DECLS

#define OTA_DEMO_HOST "127.0.0.1"
#define OTA_DEMO_INSTALLED "1.0.1"
#define OTA_DEMO_FIRMWARE_VERSION "1.0.2"

#define OTA_TYPE_DEMO (ota_demo_get_type ())
G_DECLARE_FINAL_TYPE (OtaDemo, ota_demo, OTA, DEMO, GObject)

OtaDemo *ota_demo_new (void);

/* Where otaflash-emu is: $OTAFLASH_EMU, else next to the running program
 * (<dir>/emulator/otaflash-emu in the build tree, <dir>/otaflash-emu when
 * installed), else in PATH. */
gchar *ota_demo_find_emulator (GError **error);

/* Starts the emulator and waits (at most 20 s) for its READY line. */
void ota_demo_start_async (OtaDemo *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
gboolean ota_demo_start_finish (OtaDemo *self, GAsyncResult *result, GError **error);

gboolean ota_demo_is_running (OtaDemo *self);
void ota_demo_get_ports (OtaDemo *self, guint16 *ctp, guint16 *http, guint16 *ota);

/* Writes a valid firmware file (version 1.0.2) into the demo's folder, in a
 * worker thread; returns its path. */
void ota_demo_make_firmware_async (OtaDemo *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gchar *ota_demo_make_firmware_finish (OtaDemo *self, GAsyncResult *result, GError **error);

/* TRUE for a file made by ota_demo_make_firmware_async(). */
gboolean ota_demo_owns_file (OtaDemo *self, const gchar *path);

/* SIGTERM (force-exit on Windows), a bounded wait, then the temporary folder
 * (device state, demo firmware) is removed. Safe to call when not running. */
void ota_demo_stop (OtaDemo *self);

G_END_DECLS
