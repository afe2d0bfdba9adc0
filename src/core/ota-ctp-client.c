/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-ctp-client.h"
#include "ota-i18n.h"

#include "ota-connect.h"
#include "ota-ctp-decoder.h"
#include "ota-error.h"
#include "ota-text.h"

struct _OtaCtpClient {
  GObject parent_instance;
  GSocketConnection *conn;
  OtaCtpDecoder *decoder;
  GMutex lock; /* serialises writes and the decoder */
  GCond cond;
  GThread *keepalive_thread;
  gint keepalive_stop; /* atomic: read without the lock inside a drain */
  guint keepalive_interval_ms;
  gint keepalives_sent; /* atomic: read without waiting for a drain */
};

G_DEFINE_TYPE (OtaCtpClient, ota_ctp_client, G_TYPE_OBJECT)

static void
ota_ctp_client_finalize (GObject *object)
{
  OtaCtpClient *self = OTA_CTP_CLIENT (object);

  ota_ctp_client_stop_keepalive (self);
  ota_ctp_client_close (self);
  g_clear_pointer (&self->decoder, ota_ctp_decoder_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ota_ctp_client_parent_class)->finalize (object);
}

static void
ota_ctp_client_class_init (OtaCtpClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_ctp_client_finalize;
}

static void
ota_ctp_client_init (OtaCtpClient *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->decoder = ota_ctp_decoder_new ();
}

OtaCtpClient *
ota_ctp_client_connect (const gchar *host, guint16 port, guint timeout_ms,
                        GCancellable *cancellable, GError **error)
{
  g_autoptr (OtaCtpClient) self = g_object_new (OTA_TYPE_CTP_CLIENT, NULL);

  self->conn = ota_connect (host, port, timeout_ms, cancellable, error);
  if (self->conn == NULL)
    {
      g_prefix_error (error, _ ("control channel: "));
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
ota_ctp_client_close (OtaCtpClient *self)
{
  g_return_if_fail (OTA_IS_CTP_CLIENT (self));
  if (self->conn != NULL)
    {
      g_io_stream_close (G_IO_STREAM (self->conn), NULL, NULL);
      g_clear_object (&self->conn);
    }
}

static gboolean
send_frame (OtaCtpClient *self, const gchar *topic, const gchar *body, guint timeout_ms,
            GCancellable *cancellable, GError **error)
{
  g_autoptr (GBytes) frame = ota_ctp_frame_encode (topic, body, strlen (body));
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (frame, &len);

  if (self->conn == NULL)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL, _ ("control channel is closed"));
      return FALSE;
    }
  g_debug ("CTP > %s %s", topic, body);
  return ota_socket_send_all (g_socket_connection_get_socket (self->conn), data, len, timeout_ms,
                              cancellable, error);
}

static gboolean
errno_to_error (const gchar *topic, const OtaCtpMessage *msg, GError **error)
{
  gint code;

  /* no errno, or 0: success; anything else, negative values included, is
   * the device saying no */
  if (!msg->has_errno || msg->err_no == 0)
    return TRUE;
  switch (msg->err_no)
    {
    case OTA_CTP_ERRNO_UNKNOWN:
      code = OTA_ERROR_NOT_SUPPORTED;
      break;
    default:
      code = OTA_ERROR_REFUSED;
      break;
    }
  g_set_error (error, OTA_ERROR, code, _ ("the device refused %s: %s (errno %d)"), topic,
               ota_ctp_errno_to_string (msg->err_no), msg->err_no);
  return FALSE;
}

OtaCtpMessage *
ota_ctp_client_request (OtaCtpClient *self, const gchar *topic, const gchar *body, guint timeout_ms,
                        GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GSocket *socket;

  g_return_val_if_fail (OTA_IS_CTP_CLIENT (self), NULL);
  g_return_val_if_fail (self->keepalive_thread == NULL, NULL);

  if (!send_frame (self, topic, body, timeout_ms, cancellable, error))
    {
      g_prefix_error (error, _ ("control channel: "));
      return NULL;
    }
  socket = g_socket_connection_get_socket (self->conn);

  for (;;)
    {
      g_autoptr (OtaCtpFrame) frame = ota_ctp_decoder_pop (self->decoder);
      guint8 buf[4096];
      g_autoptr (GError) recv_error = NULL;
      gint64 left_ms;
      gssize n;

      if (frame != NULL)
        {
          g_autoptr (OtaCtpMessage) msg = NULL;
          g_autoptr (GError) local = NULL;

          /* --verbose shows it on a terminal: the device's bytes made inert */
          if (!g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
            {
              g_autofree gchar *shown_topic = ota_text_sanitize (frame->topic, -1);
              g_autofree gchar *shown
                  = ota_text_sanitize (frame->content, (gssize) MIN (frame->content_len, 512));

              g_debug ("CTP < %s %s", shown_topic, shown);
            }
          if (g_strcmp0 (frame->topic, topic) != 0)
            continue; /* an unsolicited notification: not ours */
          msg = ota_ctp_message_parse (frame->content, frame->content_len, &local);
          if (msg == NULL)
            {
              g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("control channel: unreadable reply to %s: %s"), topic,
                           local->message);
              return NULL;
            }
          if (g_strcmp0 (msg->op, "NOTIFY") != 0)
            continue;
          if (!errno_to_error (topic, msg, error))
            return NULL;
          return g_steal_pointer (&msg);
        }

      /* one message for the one deadline, whichever check sees it pass
       * first (a byte landing just before it must not change the text) */
      left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      if (left_ms > 0)
        n = ota_socket_recv_some (socket, buf, sizeof buf, (guint) left_ms, cancellable,
                                  &recv_error);
      else
        n = -1;
      if (n < 0
          && (recv_error == NULL || g_error_matches (recv_error, OTA_ERROR, OTA_ERROR_TIMED_OUT)))
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
                       _ ("control channel: no reply to %s from the device in time"), topic);
          return NULL;
        }
      if (n < 0)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&recv_error),
                                      _ ("control channel, waiting for %s: "), topic);
          return NULL;
        }
      if (n == 0)
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                       _ ("the device closed the control connection instead of answering %s "
                          "(another app may be connected to it)"),
                       topic);
          return NULL;
        }
      if (!ota_ctp_decoder_feed (self->decoder, buf, (gsize) n, error))
        {
          g_prefix_error (error, _ ("control channel: "));
          return NULL;
        }
    }
}

gboolean
ota_ctp_client_app_access (OtaCtpClient *self, guint timeout_ms, GCancellable *cancellable,
                           GError **error)
{
  g_autofree gchar *body
      = ota_ctp_request_build ("PUT", "type", "0", "ver", OTA_CTP_APP_VERSION, NULL);
  g_autoptr (OtaCtpMessage) msg = NULL;

  msg = ota_ctp_client_request (self, OTA_CTP_TOPIC_APP_ACCESS, body, timeout_ms, cancellable,
                                error);
  return msg != NULL;
}

gboolean
ota_ctp_client_net_ota_single (OtaCtpClient *self, guint timeout_ms, GCancellable *cancellable,
                               GError **error)
{
  g_autofree gchar *body = ota_ctp_request_build ("PUT", "status", "1", NULL);
  g_autoptr (OtaCtpMessage) msg = NULL;
  const gchar *status;

  msg = ota_ctp_client_request (self, OTA_CTP_TOPIC_NET_OTA_SINGLE, body, timeout_ms, cancellable,
                                error);
  if (msg == NULL)
    return FALSE;
  status = ota_ctp_message_get_param (msg, "status");
  if (g_strcmp0 (status, "1") == 0)
    return TRUE;
  if (status != NULL)
    {
      g_autofree gchar *shown = ota_ctp_message_describe_param (msg, "status");

      g_set_error (
          error, OTA_ERROR, OTA_ERROR_REFUSED,
          _ ("the device could not prepare the upgrade (NET_OTA_SINGLE status \"%s\"): it is "
             "a dual-backup build or it is short of memory; restart it and try again"),
          shown);
    }
  else
    {
      /* the value as the device sent it: 1 (a number), missing... */
      g_autofree gchar *shown = ota_ctp_message_describe_param (msg, "status");

      g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                   _ ("the device answered NET_OTA_SINGLE with status %s instead of \"1\": it did "
                      "not agree to the upgrade; restart it and try again"),
                   shown);
    }
  return FALSE;
}

/* What one drain may take: a device that floods notifications must not
 * keep the keep-alive thread (and the lock) busy, or a stop would wait for
 * the flood to end. What is left stays in the socket for the next one. */
#define DRAIN_MAX_BYTES (256 * 1024)
#define DRAIN_MAX_US (50 * 1000)

static void
drain_incoming (OtaCtpClient *self)
{
  GSocket *socket = g_socket_connection_get_socket (self->conn);
  gint64 until = g_get_monotonic_time () + DRAIN_MAX_US;
  gsize taken = 0;

  while (taken < DRAIN_MAX_BYTES && g_get_monotonic_time () < until
         && !g_atomic_int_get (&self->keepalive_stop))
    {
      g_autoptr (GError) local = NULL;
      guint8 buf[2048];
      gssize n = g_socket_receive (socket, (gchar *) buf, sizeof buf, NULL, &local);

      if (n <= 0)
        {
          if (n == 0)
            g_debug ("CTP: the device closed the control connection");
          return;
        }
      taken += (gsize) n;
      if (!ota_ctp_decoder_feed (self->decoder, buf, (gsize) n, NULL))
        return;
      for (;;)
        {
          g_autoptr (OtaCtpFrame) frame = ota_ctp_decoder_pop (self->decoder);
          if (frame == NULL)
            break;
          g_autofree gchar *shown_topic = ota_text_sanitize (frame->topic, -1);

          g_debug ("CTP < %s (during transfer)", shown_topic);
        }
    }
  g_debug ("CTP: %" G_GSIZE_FORMAT " bytes drained, the rest waits for the next keep-alive", taken);
}

static gpointer
keepalive_thread_cb (gpointer data)
{
  OtaCtpClient *self = data;
  g_autofree gchar *body = ota_ctp_request_build ("PUT", NULL, NULL);

  g_mutex_lock (&self->lock);
  while (!g_atomic_int_get (&self->keepalive_stop))
    {
      gint64 until = g_get_monotonic_time () + (gint64) self->keepalive_interval_ms * 1000;

      while (!g_atomic_int_get (&self->keepalive_stop)
             && g_cond_wait_until (&self->cond, &self->lock, until))
        ;
      if (g_atomic_int_get (&self->keepalive_stop) || self->conn == NULL)
        break;
      drain_incoming (self);
      /* a device that does not read (its window full) would hold this
       * thread, and so a stop, in the send: skip the keep-alive instead. A
       * writable socket takes these few bytes at once. */
      if (!(g_socket_condition_check (g_socket_connection_get_socket (self->conn), G_IO_OUT)
            & G_IO_OUT))
        {
          g_debug ("CTP: the device does not read; keep-alive skipped");
          continue;
        }
      if (send_frame (self, OTA_CTP_TOPIC_KEEP_ALIVE, body, 2000, NULL, NULL))
        g_atomic_int_inc (&self->keepalives_sent);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

void
ota_ctp_client_start_keepalive (OtaCtpClient *self, guint interval_ms)
{
  g_return_if_fail (OTA_IS_CTP_CLIENT (self));
  g_return_if_fail (self->keepalive_thread == NULL);

  g_atomic_int_set (&self->keepalive_stop, 0);
  self->keepalive_interval_ms = MAX (interval_ms, 10u);
  self->keepalive_thread = g_thread_new ("ota-ctp-keepalive", keepalive_thread_cb, self);
}

void
ota_ctp_client_stop_keepalive (OtaCtpClient *self)
{
  g_return_if_fail (OTA_IS_CTP_CLIENT (self));
  if (self->keepalive_thread == NULL)
    return;
  /* first without the lock: a drain in progress sees it and ends */
  g_atomic_int_set (&self->keepalive_stop, 1);
  g_mutex_lock (&self->lock);
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->keepalive_thread);
  self->keepalive_thread = NULL;
}

guint
ota_ctp_client_get_keepalives_sent (OtaCtpClient *self)
{
  g_return_val_if_fail (OTA_IS_CTP_CLIENT (self), 0);

  return (guint) g_atomic_int_get (&self->keepalives_sent);
}
