/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Incremental parser of the one HTTP/1.x response the device sends: status
 * line, headers ("Name:value" with or without a space), then exactly
 * Content-Length body bytes. It never waits for EOF (the loader's stub never
 * closes). Bounded header and body sizes. */

#include <gio/gio.h>

G_BEGIN_DECLS

#define OTA_HTTP_MAX_HEADER (8 * 1024)
#define OTA_HTTP_MAX_BODY (64 * 1024)

typedef struct _OtaHttpParser OtaHttpParser;

OtaHttpParser *ota_http_parser_new (gsize max_body);
void ota_http_parser_free (OtaHttpParser *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaHttpParser, ota_http_parser_free)

/* Interim responses (1xx but 101) are skipped: the status, headers and body
 * are those of the final response. Feeds bytes. Returns FALSE with OTA_ERROR_PROTOCOL on a
 * malformed status line or header, a missing or bad Content-Length, headers or body beyond the
 * limits. Bytes after the body are ignored. Sets *@done when the body is
 * complete. */
gboolean ota_http_parser_feed (OtaHttpParser *self, const guint8 *data, gsize len, gboolean *done,
                               GError **error);

guint ota_http_parser_get_status (OtaHttpParser *self); /* e.g. 200 */
/* How many interim responses (100 Continue...) came before the final one. */
guint ota_http_parser_get_interim (OtaHttpParser *self);
/* Body (NUL-terminated for convenience) and its length; valid once done. */
const gchar *ota_http_parser_get_body (OtaHttpParser *self, gsize *len);
/* Value of a header, case-insensitive name, trimmed, or NULL. */
const gchar *ota_http_parser_get_header (OtaHttpParser *self, const gchar *name);

G_END_DECLS
