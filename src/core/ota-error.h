/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OTA_ERROR (ota_error_quark ())

/*
 * The one error domain of otaflash. Each code is a situation a technician
 * must tell apart, because each has a different next step. Cancellation is
 * G_IO_ERROR_CANCELLED and stays recognisable as such.
 */
typedef enum {
  OTA_ERROR_FAILED,         /* anything not covered below */
  OTA_ERROR_NOT_REACHABLE,  /* nothing answers at the address/port */
  OTA_ERROR_TIMED_OUT,      /* the device stopped answering */
  OTA_ERROR_REFUSED,        /* device refused: busy (errno 3), not ready, NET_OTA_SINGLE status 0 */
  OTA_ERROR_NOT_SUPPORTED,  /* not a single-backup device (ota_type != "1") */
  OTA_ERROR_INVALID_FILE,   /* the firmware file is missing, unreadable or corrupt */
  OTA_ERROR_PROTOCOL,       /* the device sent something that breaks the protocol */
  OTA_ERROR_DEVICE_ERROR,   /* the device reported ERR */
  OTA_ERROR_NOTHING_TO_DO,  /* the device reported SAME: it runs this firmware already */
  OTA_ERROR_NEEDS_RECOVERY, /* failed after the point of no return: stage two pending */
  OTA_ERROR_NO_REBOOT,      /* the device did not come back after a reboot */
  OTA_ERROR_WIFI,           /* could not find, join or rejoin the device's Wi-Fi */
} OtaError;

GQuark ota_error_quark (void);

/* Replaces a GIO/socket error with one in the OTA_ERROR domain (same message); keeps
 * G_IO_ERROR_CANCELLED as it is. Safe on NULL. */
void ota_error_convert (GError **error);

/* TRUE if @error is G_IO_ERROR_CANCELLED. */
gboolean ota_error_is_cancelled (const GError *error);

G_END_DECLS
