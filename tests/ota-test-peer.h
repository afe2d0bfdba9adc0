/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Test helper: a fake device peer in the test process. A GSocketListener on
 * 127.0.0.1 port 0 and a GThread that accepts one connection and runs a
 * script on it. Every wait is bounded; nothing sleeps to synchronise. */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _OtaTestPeer OtaTestPeer;

/* Runs in the peer's thread on the accepted connection (a blocking socket).
 * The connection is closed when it returns. */
typedef void (*OtaTestPeerFunc) (OtaTestPeer *peer, GSocket *socket, gpointer user_data);

/* Listens on 127.0.0.1, a free port, and starts the thread. */
OtaTestPeer *ota_test_peer_new (OtaTestPeerFunc func, gpointer user_data);
guint16 ota_test_peer_get_port (OtaTestPeer *peer);
/* Waits for the script to end (gives up waiting for a connection after 5 s)
 * and returns TRUE if a connection was accepted and the script ran. */
gboolean ota_test_peer_join (OtaTestPeer *peer);
/* Joins if needed and frees. */
void ota_test_peer_free (OtaTestPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaTestPeer, ota_test_peer_free)

/* A port that nothing listens on (a listener opened and closed again). */
guint16 ota_test_closed_port (void);

/* Sends all of @buf (asserts it could). */
void ota_test_send (GSocket *socket, const void *buf, gsize len);
/* Like ota_test_send(), but returns FALSE instead of failing when the peer
 * has gone away. */
gboolean ota_test_try_send (GSocket *socket, const void *buf, gsize len);

/* Receives up to @len bytes: what one recv() returns, waiting at most
 * @timeout_ms. Returns the count, 0 on EOF, -1 on timeout or error. */
gssize ota_test_recv_some (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms);

/* Receives exactly @len bytes within @timeout_ms in total. Returns how many
 * arrived (less than @len on timeout, EOF or error). */
gsize ota_test_recv_exact (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms);

/* TRUE when nothing at all (no byte, no close) arrives within @ms. */
gboolean ota_test_quiet (GSocket *socket, guint ms);

/* Reads until the other side closes, at most @timeout_ms. Returns the number
 * of bytes that arrived before the close, or -1 if it did not close in
 * time. */
gssize ota_test_wait_close (GSocket *socket, guint timeout_ms);

/* Milliseconds elapsed since @start (a g_get_monotonic_time() value). */
gint64 ota_test_elapsed_ms (gint64 start);

G_END_DECLS
