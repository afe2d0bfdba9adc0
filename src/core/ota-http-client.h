/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The one HTTP request the flasher makes: GET of the device description.
 * Hand-written on purpose (docs/protocol.md explains why): the loader's stub
 * server answers every TCP segment and never closes. */

#include <gio/gio.h>
#include "ota-description.h"

G_BEGIN_DECLS

/* GETs @path: the request goes out in one write, the headers are read, then
 * exactly Content-Length bytes, then we close. Returns the body (NUL
 * terminated) and the status in @out_status. A non-200 status is not an error
 * here. Errors: OTA_ERROR_NOT_REACHABLE, OTA_ERROR_TIMED_OUT,
 * OTA_ERROR_PROTOCOL, cancelled. */
gchar *ota_http_get (const gchar *host, guint16 port, const gchar *path, guint timeout_ms,
                     guint *out_status, gsize *out_len, GCancellable *cancellable, GError **error);

/* GETs and parses the device description. HTTP 404 is OTA_ERROR_NOT_SUPPORTED
 * (no network OTA on this device); other statuses and malformed JSON are
 * OTA_ERROR_PROTOCOL. */
OtaDescription *ota_http_fetch_description (const gchar *host, guint16 port, guint timeout_ms,
                                            GCancellable *cancellable, GError **error);

G_END_DECLS
