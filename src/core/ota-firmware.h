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
guint64 ota_firmware_get_size (OtaFirmware *self);

/* Reads exactly @len bytes at @offset into @buf (offset + len must be within
 * the file). Thread-safe. Fails with OTA_ERROR_INVALID_FILE when the file
 * changed since it was opened (see below), checked after the read: bytes
 * returned are the bytes that were there when it was opened. */
gboolean ota_firmware_read_at (OtaFirmware *self, guint64 offset, guint8 *buf, gsize len,
                               GError **error);

/* The file as it was opened is the file that was validated: a change of the
 * open file (its size, modification or inode-change time to the nanosecond,
 * its inode or device, by fstat) is detected here. Once detected it stays
 * so: every later read fails. OTA_ERROR_INVALID_FILE, naming what changed. */
gboolean ota_firmware_check_unchanged (OtaFirmware *self, GError **error);
/* What changed ("it was written to"...), once a check saw it; else NULL. */
gchar *ota_firmware_dup_change (OtaFirmware *self);

G_END_DECLS
