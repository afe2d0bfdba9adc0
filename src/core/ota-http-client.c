/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-http-client.h"
#include "ota-i18n.h"

#include "ota-connect.h"
#include "ota-error.h"
#include "ota-http-parser.h"

gchar *
ota_http_get (const gchar *host, guint16 port, const gchar *path, guint timeout_ms,
              guint *out_status, gsize *out_len, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (OtaHttpParser) parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);
  g_autofree gchar *request = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GSocket *socket;
  gboolean done = FALSE;
  const gchar *body;
  gsize body_len = 0;
  guint8 buf[2048];

  conn = ota_connect (host, port, timeout_ms, cancellable, error);
  if (conn == NULL)
    return NULL;
  socket = g_socket_connection_get_socket (conn);

  /* one write: the loader's stub answers every segment it receives */
  request
      = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
  if (!ota_socket_send_all (socket, (const guint8 *) request, strlen (request), timeout_ms,
                            cancellable, error))
    return NULL;

  while (!done)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      g_autoptr (GError) local = NULL;

      /* one message for the one deadline, whichever check sees it pass
       * first: a drip that lands a byte just before it must not change
       * what the user reads */
      if (left_ms > 0)
        n = ota_socket_recv_some (socket, buf, sizeof buf, (guint) left_ms, cancellable, &local);
      else
        n = -1;
      if (n < 0 && (local == NULL || g_error_matches (local, OTA_ERROR, OTA_ERROR_TIMED_OUT)))
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
                       _ ("device description: the device's web server did not answer in time "
                          "(port %u)"),
                       (guint) port);
          return NULL;
        }
      if (n < 0)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local), _ ("device description: "));
          return NULL;
        }
      if (n == 0)
        {
          g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                               _ ("device description: the web server closed the connection before "
                                  "the end of its answer"));
          return NULL;
        }
      if (!ota_http_parser_feed (parser, buf, (gsize) n, &done, error))
        {
          g_prefix_error (error, _ ("device description: "));
          return NULL;
        }
    }
  /* we close ourselves: the loader's stub never does */
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);

  body = ota_http_parser_get_body (parser, &body_len);
  if (out_status != NULL)
    *out_status = ota_http_parser_get_status (parser);
  if (out_len != NULL)
    *out_len = body_len;
  return g_memdup2 (body, body_len + 1);
}

OtaDescription *
ota_http_fetch_description (const gchar *host, guint16 port, guint timeout_ms,
                            GCancellable *cancellable, GError **error)
{
  g_autofree gchar *body = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  guint status = 0;
  gsize len = 0;

  body = ota_http_get (host, port, OTA_DESCRIPTION_PATH, timeout_ms, &status, &len, cancellable,
                       error);
  if (body == NULL)
    return NULL;
  if (status == 404)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED,
                   _ ("the device has no description file (HTTP 404 for %s): it is not an AC79 "
                      "device with network upgrade, or its firmware does not offer it"),
                   OTA_DESCRIPTION_PATH);
      return NULL;
    }
  if (status != 200)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   _ ("the device answered HTTP %u for its description"), status);
      return NULL;
    }
  desc = ota_description_parse (body, len, error);
  if (desc == NULL)
    {
      g_prefix_error (error, _ ("device description: "));
      return NULL;
    }
  return g_steal_pointer (&desc);
}
