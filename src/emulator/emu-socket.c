/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-socket.h"

#include "ota-platform.h"

#define SEND_TIMEOUT_US (30 * G_USEC_PER_SEC)

EmuIoResult
emu_socket_wait (GSocket *sock, gint64 deadline_us, GCancellable *cancellable)
{
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gint64 timeout_us = -1;

      if (g_cancellable_is_cancelled (cancellable))
        return EMU_IO_CANCELLED;
      if (deadline_us >= 0)
        {
          timeout_us = deadline_us - g_get_monotonic_time ();
          if (timeout_us <= 0)
            return EMU_IO_TIMEOUT;
        }
      if (g_socket_condition_timed_wait (sock, G_IO_IN | G_IO_HUP | G_IO_ERR, timeout_us,
                                         cancellable, &error))
        return EMU_IO_OK;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return EMU_IO_CANCELLED;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        return EMU_IO_EOF;
      /* timed out: the loop checks the deadline */
    }
}

EmuIoResult
emu_socket_recv_some (GSocket *sock, guint8 *buf, gsize len, gint64 deadline_us,
                      GCancellable *cancellable, gsize *got)
{
  *got = 0;
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      EmuIoResult r = emu_socket_wait (sock, deadline_us, cancellable);
      gssize n;

      if (r != EMU_IO_OK)
        return r;
      n = g_socket_receive_with_blocking (sock, (gchar *) buf, len, FALSE, cancellable, &error);
      if (n > 0)
        {
          *got = (gsize) n;
          return EMU_IO_OK;
        }
      if (n == 0)
        return EMU_IO_EOF;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return EMU_IO_CANCELLED;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return EMU_IO_EOF;
    }
}

EmuIoResult
emu_socket_recv_exact (GSocket *sock, guint8 *buf, gsize len, gint64 deadline_us,
                       GCancellable *cancellable)
{
  gsize have = 0;

  while (have < len)
    {
      gsize got = 0;
      EmuIoResult r
          = emu_socket_recv_some (sock, buf + have, len - have, deadline_us, cancellable, &got);
      if (r != EMU_IO_OK)
        return r;
      have += got;
    }
  return EMU_IO_OK;
}

gsize
emu_socket_recv_ready (GSocket *sock, guint8 *buf, gsize len, gboolean *eof)
{
  gsize total = 0;

  *eof = FALSE;
  while (total < len)
    {
      g_autoptr (GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (sock, (gchar *) buf + total, len - total, FALSE,
                                                 NULL, &error);
      if (n > 0)
        total += (gsize) n;
      else
        {
          if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            *eof = TRUE;
          break;
        }
    }
  return total;
}

EmuIoResult
emu_socket_send_all (GSocket *sock, const void *data, gsize len, GCancellable *cancellable)
{
  const guint8 *p = data;
  gint64 deadline = g_get_monotonic_time () + SEND_TIMEOUT_US;

  while (len > 0)
    {
      g_autoptr (GError) error = NULL;
      gssize n;

      if (g_cancellable_is_cancelled (cancellable))
        return EMU_IO_CANCELLED;
      n = g_socket_send_with_blocking (sock, (const gchar *) p, len, FALSE, cancellable, &error);
      if (n > 0)
        {
          p += n;
          len -= (gsize) n;
          continue;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return EMU_IO_CANCELLED;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return EMU_IO_EOF;
      g_clear_error (&error);
      {
        gint64 timeout_us = deadline - g_get_monotonic_time ();

        if (timeout_us <= 0)
          return EMU_IO_TIMEOUT;
        if (!g_socket_condition_timed_wait (sock, G_IO_OUT, timeout_us, cancellable, &error)
            && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          return EMU_IO_CANCELLED;
      }
    }
  return EMU_IO_OK;
}

void
emu_socket_close_reset (GSocket *sock)
{
  ota_platform_set_linger_reset (sock);
  g_socket_close (sock, NULL);
}

void
emu_socket_close (GSocket *sock)
{
  g_socket_close (sock, NULL);
}

gchar *
emu_socket_peer (GSocket *sock)
{
  g_autoptr (GSocketAddress) addr = g_socket_get_remote_address (sock, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (addr))
    {
      GInetSocketAddress *in = G_INET_SOCKET_ADDRESS (addr);
      g_autofree gchar *ip = g_inet_address_to_string (g_inet_socket_address_get_address (in));

      return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (in));
    }
  return g_strdup ("?");
}
