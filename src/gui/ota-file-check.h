/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Validates a firmware file in a worker thread (files can be large): opens it
 * and runs ota_ufw_load() over the whole of it. */

#include <gio/gio.h>
#include "ota-firmware.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

void ota_file_check_async (const gchar *path, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
/* The validated container and, in @out_firmware, the open file; or NULL with
 * OTA_ERROR_INVALID_FILE (the message says what is wrong) or cancelled. */
OtaUfw *ota_file_check_finish (GAsyncResult *result, OtaFirmware **out_firmware, GError **error);

G_END_DECLS
