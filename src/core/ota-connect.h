/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* TCP helpers shared by the three channels: connect with a timeout and
 * TCP_NODELAY, send a whole buffer, receive with a deadline. Every call is
 * cancellable and bounded in time. */

#include <gio/gio.h>

G_BEGIN_DECLS

/* Connects to @host:@port. No proxy is ever used (the device is on a local
 * access point). The socket is non-blocking underneath with TCP_NODELAY on;
 * use the functions below on it. Errors: OTA_ERROR_NOT_REACHABLE,
 * OTA_ERROR_TIMED_OUT, or G_IO_ERROR_CANCELLED. */
GSocketConnection *ota_connect (const gchar *host, guint16 port, guint timeout_ms,
                                GCancellable *cancellable, GError **error);

/* Like ota_connect(), but retries a refused connection until @wait_ms has
 * passed (a port that the device is about to open). */
GSocketConnection *ota_connect_retry (const gchar *host, guint16 port, guint timeout_ms,
                                      guint wait_ms, GCancellable *cancellable, GError **error);

/* Sends all of @buf (one send call when the socket buffer has room). A
 * device that does not read for @timeout_ms (its window stays full) is
 * OTA_ERROR_TIMED_OUT "the device stopped taking data...", not "stopped
 * answering". */
gboolean ota_socket_send_all (GSocket *socket, const guint8 *buf, gsize len, guint timeout_ms,
                              GCancellable *cancellable, GError **error);

/* Receives up to @len bytes, waiting at most @timeout_ms for the first one.
 * Returns the count, 0 on an orderly close by the peer, -1 on error
 * (OTA_ERROR_TIMED_OUT, OTA_ERROR_PROTOCOL for a reset, cancelled). */
gssize ota_socket_recv_some (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms,
                             GCancellable *cancellable, GError **error);

/* Receives exactly @len bytes within @timeout_ms in total. @out_got (may be
 * NULL) tells how many arrived before a failure. A close before the first
 * byte is OTA_ERROR_PROTOCOL with G_IO_ERROR_CONNECTION_CLOSED semantics
 * ("closed the connection"). */
gboolean ota_socket_recv_exact (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms,
                                gsize *out_got, GCancellable *cancellable, GError **error);

/* Sleeps @ms milliseconds; returns FALSE (cancelled) as soon as @cancellable
 * is triggered. */
gboolean ota_sleep (guint ms, GCancellable *cancellable, GError **error);

G_END_DECLS
