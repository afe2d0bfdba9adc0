/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-port.h"

#include "ota-platform.h"

struct _EmuPort {
  GMutex lock;
  gchar *name;
  GSocketAddress *address; /* with the real port number */
  GSocket *socket;         /* bound; listening or not */
  gboolean listening;
};

static GSocket *
bind_socket (GSocketAddress *address, GError **error)
{
  g_autoptr (GSocket) sock = g_socket_new (g_socket_address_get_family (address),
                                           G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (sock == NULL)
    return NULL;
  /* allow_reuse: SO_REUSEADDR, so the port can be bound again while
   * connections of the previous boot linger in TIME_WAIT. */
  if (!g_socket_bind (sock, address, TRUE, error))
    return NULL;
  return g_steal_pointer (&sock);
}

EmuPort *
emu_port_new (const gchar *name, const gchar *host, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr (GSocketAddress) wanted = NULL;
  g_autoptr (GSocket) sock = NULL;
  EmuPort *self;

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--host %s is not an IP address",
                   host);
      return NULL;
    }
  wanted = g_inet_socket_address_new (inet, port);
  sock = bind_socket (wanted, error);
  if (sock == NULL)
    {
      g_prefix_error (error, "cannot bind %s port %s:%u: ", name, host, port);
      return NULL;
    }

  self = g_new0 (EmuPort, 1);
  g_mutex_init (&self->lock);
  self->name = g_strdup (name);
  self->address = g_socket_get_local_address (sock, error);
  if (self->address == NULL)
    {
      emu_port_free (self);
      return NULL;
    }
  self->socket = g_steal_pointer (&sock);
  return self;
}

void
emu_port_free (EmuPort *self)
{
  if (self == NULL)
    return;
  if (self->socket != NULL)
    {
      g_socket_close (self->socket, NULL);
      g_object_unref (self->socket);
    }
  g_clear_object (&self->address);
  g_free (self->name);
  g_mutex_clear (&self->lock);
  g_free (self);
}

guint16
emu_port_get_port (EmuPort *self)
{
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->address));
}

gboolean
emu_port_is_listening (EmuPort *self)
{
  gboolean r;

  g_mutex_lock (&self->lock);
  r = self->listening;
  g_mutex_unlock (&self->lock);
  return r;
}

gboolean
emu_port_listen (EmuPort *self, GError **error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (!self->listening)
    {
      if (self->socket == NULL)
        self->socket = bind_socket (self->address, error);
      if (self->socket != NULL)
        {
          g_socket_set_listen_backlog (self->socket, 8);
          ok = g_socket_listen (self->socket, error);
        }
      else
        ok = FALSE;
      self->listening = ok;
      if (!ok)
        g_prefix_error (error, "cannot listen on the %s port %u: ", self->name,
                        g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (self->address)));
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

void
emu_port_unlisten (EmuPort *self)
{
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&self->lock);
  if (self->listening)
    {
      /* A listening socket cannot stop listening: close it (connections
       * waiting in its backlog are reset) and bind a fresh one. */
      g_socket_close (self->socket, NULL);
      g_clear_object (&self->socket);
      self->listening = FALSE;
      self->socket = bind_socket (self->address, &error);
      if (self->socket == NULL)
        g_warning ("%s port: cannot bind again (%s); it will be bound when it listens", self->name,
                   error->message);
    }
  g_mutex_unlock (&self->lock);
}

GSocket *
emu_port_accept (EmuPort *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocket) listener = NULL;
  GSocket *conn;

  g_mutex_lock (&self->lock);
  if (self->listening)
    listener = g_object_ref (self->socket);
  g_mutex_unlock (&self->lock);
  if (listener == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s port is not listening", self->name);
      return NULL;
    }
  conn = g_socket_accept (listener, cancellable, error);
  if (conn != NULL)
    {
      g_autoptr (GError) local = NULL;

      if (!ota_platform_set_nodelay (conn, TRUE, &local))
        g_debug ("TCP_NODELAY: %s", local->message);
    }
  return conn;
}

GSocket *
emu_port_accept_until (EmuPort *self, gint64 deadline_us, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocket) listener = NULL;
  gint64 left = deadline_us - g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  if (self->listening)
    listener = g_object_ref (self->socket);
  g_mutex_unlock (&self->lock);
  if (listener == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "%s port is not listening", self->name);
      return NULL;
    }
  if (left <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "nobody connected to the %s port",
                   self->name);
      return NULL;
    }
  if (!g_socket_condition_timed_wait (listener, G_IO_IN, left, cancellable, error))
    return NULL;
  return emu_port_accept (self, cancellable, error);
}
