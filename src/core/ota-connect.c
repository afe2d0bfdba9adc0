/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-connect.h"
#include "ota-i18n.h"

#include "ota-error.h"
#include "ota-platform.h"

/* Why a connection failed, in a few words. */
static const gchar *
connect_reason (const GError *error)
{
  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CONNECTION_REFUSED:
          return "nothing accepts connections there";
        case G_IO_ERROR_TIMED_OUT:
          return "no answer";
        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          return "the address cannot be reached from this PC";
        case G_IO_ERROR_HOST_NOT_FOUND:
          return "unknown address";
        default:
          break;
        }
    }
  if (error->domain == G_RESOLVER_ERROR)
    return "unknown address";
  return "the connection failed";
}

GSocketConnection *
ota_connect (const gchar *host, guint16 port, guint timeout_ms, GCancellable *cancellable,
             GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) local = NULL;
  GSocket *socket;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_protocol (client, G_SOCKET_PROTOCOL_TCP);
  /* GSocketClient counts whole seconds; round up so that 0.5 s is not "none" */
  g_socket_client_set_timeout (client, MAX (1u, (timeout_ms + 999) / 1000));

  conn = g_socket_client_connect_to_host (client, host, port, cancellable, &local);
  if (conn == NULL)
    {
      if (ota_error_is_cancelled (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      /* GIO's message names the host again ("Could not connect to …: …"):
       * say the address once, then only the reason */
      g_set_error (error, OTA_ERROR, OTA_ERROR_NOT_REACHABLE,
                   _ ("cannot connect to %s port %u: %s"), host, (guint) port,
                   connect_reason (local));
      return NULL;
    }

  socket = g_socket_connection_get_socket (conn);
  /* the GIO timeout would apply to our own waits; we keep deadlines ourselves */
  g_socket_set_timeout (socket, 0);
  g_socket_set_blocking (socket, FALSE);
  if (!ota_platform_set_nodelay (socket, TRUE, &local))
    g_debug ("cannot set TCP_NODELAY: %s", local->message);
  g_debug ("connected to %s:%u", host, (guint) port);
  return g_steal_pointer (&conn);
}

gboolean
ota_sleep (guint ms, GCancellable *cancellable, GError **error)
{
  GPollFD pfd;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (cancellable == NULL || !g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_usleep ((gulong) ms * 1000);
      return TRUE;
    }
  g_poll (&pfd, 1, (gint) ms);
  g_cancellable_release_fd (cancellable);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

GSocketConnection *
ota_connect_retry (const gchar *host, guint16 port, guint timeout_ms, guint wait_ms,
                   GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) wait_ms * 1000;
  guint delay_ms = 50;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      GSocketConnection *conn = ota_connect (host, port, timeout_ms, cancellable, &local);

      if (conn != NULL)
        return conn;
      if (!g_error_matches (local, OTA_ERROR, OTA_ERROR_NOT_REACHABLE)
          || g_get_monotonic_time () + (gint64) delay_ms * 1000 > deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (!ota_sleep (delay_ms, cancellable, error))
        return NULL;
      delay_ms = MIN (delay_ms * 2, 500u);
    }
}

/* A wait that ran out: for data from the device, it stopped answering; to
 * send, it keeps the connection open but reads nothing (a zero window), which
 * is another fault and gets its own words. */
static void
set_timed_out (GIOCondition cond, GError **error)
{
  if (cond & G_IO_OUT)
    g_set_error_literal (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
                         _ ("the device stopped taking data: it keeps the connection open but "
                            "reads nothing of what is sent"));
  else
    g_set_error_literal (error, OTA_ERROR, OTA_ERROR_TIMED_OUT, _ ("the device stopped answering"));
}

static gboolean
wait_condition (GSocket *socket, GIOCondition cond, gint64 deadline, GCancellable *cancellable,
                GError **error)
{
  gint64 left = deadline - g_get_monotonic_time ();
  g_autoptr (GError) local = NULL;

  if (left <= 0)
    {
      set_timed_out (cond, error);
      return FALSE;
    }
  if (!g_socket_condition_timed_wait (socket, cond, left, cancellable, &local))
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          set_timed_out (cond, error);
          return FALSE;
        }
      ota_error_convert (&local);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

gboolean
ota_socket_send_all (GSocket *socket, const guint8 *buf, gsize len, guint timeout_ms,
                     GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize done = 0;

  while (done < len)
    {
      g_autoptr (GError) local = NULL;
      gssize n
          = g_socket_send (socket, (const gchar *) buf + done, len - done, cancellable, &local);

      if (n >= 0)
        {
          done += (gsize) n;
          continue;
        }
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (!wait_condition (socket, G_IO_OUT, deadline, cancellable, error))
            return FALSE;
          continue;
        }
      if (ota_error_is_cancelled (local))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                     _ ("the connection to the device broke: %s"), local->message);
      return FALSE;
    }
  return TRUE;
}

gssize
ota_socket_recv_some (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms,
                      GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      gssize n;

      /* wait first: the device's next message is normally not there yet
       * (one answer, one request), and a receive that would block costs a
       * syscall and a formatted GError on every READ */
      if (!wait_condition (socket, G_IO_IN, deadline, cancellable, error))
        return -1;
      n = g_socket_receive (socket, (gchar *) buf, len, cancellable, &local);
      if (n >= 0)
        return n;
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        continue;
      if (ota_error_is_cancelled (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return -1;
        }
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL, _ ("the device reset the connection (%s)"),
                   local->message);
      return -1;
    }
}

gboolean
ota_socket_recv_exact (GSocket *socket, guint8 *buf, gsize len, guint timeout_ms, gsize *out_got,
                       GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize got = 0;

  if (out_got != NULL)
    *out_got = 0;
  while (got < len)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      if (left_ms <= 0)
        {
          g_set_error_literal (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
                               _ ("the device stopped answering"));
          return FALSE;
        }
      n = ota_socket_recv_some (socket, buf + got, len - got, (guint) left_ms, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          g_set_error_literal (
              error, OTA_ERROR, OTA_ERROR_PROTOCOL,
              got == 0 ? _ ("the device closed the connection")
                       : _ ("the device closed the connection in the middle of a message"));
          return FALSE;
        }
      got += (gsize) n;
      if (out_got != NULL)
        *out_got = got;
    }
  return TRUE;
}
