/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestPeer"

#include "ota-test-peer.h"

struct _OtaTestPeer {
  GSocketListener *listener;
  guint16 port;
  OtaTestPeerFunc func;
  gpointer user_data;
  GCancellable *accept_cancellable;
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean accept_done;
  gboolean ran;
};

static gpointer
peer_thread_cb (gpointer data)
{
  OtaTestPeer *peer = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  GSocket *socket;

  conn = g_socket_listener_accept (peer->listener, NULL, peer->accept_cancellable, &error);
  g_mutex_lock (&peer->lock);
  peer->accept_done = TRUE;
  g_cond_broadcast (&peer->cond);
  g_mutex_unlock (&peer->lock);
  if (conn == NULL)
    {
      g_debug ("peer: no connection: %s", error->message);
      return NULL;
    }
  socket = g_socket_connection_get_socket (conn);
  g_socket_set_blocking (socket, TRUE);
  g_socket_set_timeout (socket, 0);
  peer->func (peer, socket, peer->user_data);
  peer->ran = TRUE;
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return NULL;
}

OtaTestPeer *
ota_test_peer_new (OtaTestPeerFunc func, gpointer user_data)
{
  OtaTestPeer *peer = g_new0 (OtaTestPeer, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  peer->listener = g_socket_listener_new ();
  g_socket_listener_add_address (peer->listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  peer->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_assert_cmpuint (peer->port, !=, 0);
  peer->func = func;
  peer->user_data = user_data;
  peer->accept_cancellable = g_cancellable_new ();
  g_mutex_init (&peer->lock);
  g_cond_init (&peer->cond);
  peer->thread = g_thread_new ("fake-peer", peer_thread_cb, peer);
  return peer;
}

guint16
ota_test_peer_get_port (OtaTestPeer *peer)
{
  return peer->port;
}

gboolean
ota_test_peer_join (OtaTestPeer *peer)
{
  if (peer->thread != NULL)
    {
      gint64 deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

      /* a connection may still wait in the backlog for the thread to take
       * it; if none comes (the client failed early), stop waiting */
      g_mutex_lock (&peer->lock);
      while (!peer->accept_done && g_cond_wait_until (&peer->cond, &peer->lock, deadline))
        ;
      if (!peer->accept_done)
        g_cancellable_cancel (peer->accept_cancellable);
      g_mutex_unlock (&peer->lock);
      g_thread_join (peer->thread);
      peer->thread = NULL;
    }
  return peer->ran;
}

void
ota_test_peer_free (OtaTestPeer *peer)
{
  if (peer == NULL)
    return;
  ota_test_peer_join (peer);
  g_socket_listener_close (peer->listener);
  g_object_unref (peer->listener);
  g_object_unref (peer->accept_cancellable);
  g_mutex_clear (&peer->lock);
  g_cond_clear (&peer->cond);
  g_free (peer);
}

guint16
ota_test_closed_port (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;
  guint16 port;

  g_socket_listener_add_address (listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_listener_close (listener);
  return port;
}

gboolean
ota_test_try_send (GSocket *socket, const void *buf, gsize len)
{
  gsize done = 0;

  while (done < len)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_send (socket, (const gchar *) buf + done, len - done, NULL, &error);

      if (n < 0)
        {
          g_debug ("peer: send failed: %s", error->message);
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

void
ota_test_send (GSocket *socket, const void *buf, gsize len)
{
  g_assert_true (ota_test_try_send (socket, buf, len));
}

gssize
ota_test_recv_some (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  gssize n;

  if (!g_socket_condition_timed_wait (socket, G_IO_IN, (gint64) timeout_ms * 1000, NULL, &error))
    return -1;
  n = g_socket_receive (socket, (gchar *) buf, len, NULL, &error);
  if (n < 0)
    g_debug ("peer: receive failed: %s", error->message);
  return n;
}

gsize
ota_test_recv_exact (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize got = 0;

  while (got < len)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      if (left_ms <= 0)
        break;
      n = ota_test_recv_some (socket, buf + got, len - got, (guint) left_ms);
      if (n <= 0)
        break;
      got += (gsize) n;
    }
  return got;
}

gboolean
ota_test_quiet (GSocket *socket, guint ms)
{
  g_autoptr (GError) error = NULL;

  if (g_socket_condition_timed_wait (socket, G_IO_IN, (gint64) ms * 1000, NULL, &error))
    return FALSE;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  return TRUE;
}

gssize
ota_test_wait_close (GSocket *socket, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gssize total = 0;

  for (;;)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      guint8 buf[4096];
      g_autoptr (GError) error = NULL;
      gssize n;

      if (left_ms <= 0)
        return -1;
      if (!g_socket_condition_timed_wait (socket, G_IO_IN, left_ms * 1000, NULL, &error))
        return -1;
      n = g_socket_receive (socket, (gchar *) buf, sizeof buf, NULL, &error);
      if (n <= 0)
        return total; /* an orderly close, or a reset: gone either way */
      total += n;
    }
}

gint64
ota_test_elapsed_ms (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}
