/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A firmware file opened once and served with positioned reads. Nothing here
 * keeps more than the caller's buffer in memory, whatever the file size. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Offsets on the wire are 32-bit. */
#define OTA_FIRMWARE_MAX_SIZE G_GUINT64_CONSTANT (0xFFFFFFFF)

#define OTA_TYPE_FIRMWARE (ota_firmware_get_type ())
G_DECLARE_FINAL_TYPE (OtaFirmware, ota_firmware, OTA, FIRMWARE, GObject)

/* Opens @path. OTA_ERROR_INVALID_FILE when it is missing, a directory,
 * unreadable, empty or >= 4 GiB. */
OtaFirmware *ota_firmware_open (const gchar *path, GError **error);

const gchar *ota_firmware_get_path (OtaFirmware *self);
guint64      ota_firmware_get_size (OtaFirmware *self);

/* Reads exactly @len bytes at @offset into @buf (offset + len must be within
 * the file). Thread-safe. */
gboolean ota_firmware_read_at (OtaFirmware *self, guint64 offset, guint8 *buf,
                               gsize len, GError **error);

G_END_DECLS
