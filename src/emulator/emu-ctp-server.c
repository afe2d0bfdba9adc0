/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-ctp-server.h"

#include <string.h>

#include "emu-socket.h"
#include "ota-ctp-decoder.h"
#include "ota-ctp-frame.h"

#define IDLE_DROP_SECS 60.0
/* NET_OTA_SINGLE allocates the OTA buffers before it answers; the window
 * makes "a command repeated while its reply is pending" observable. */
#define OTA_PREPARE_SECS 0.5
#define STUB_DEFAULT_VER OTA_CTP_APP_VERSION

typedef struct {
  EmuDevice *dev;
  GSocket *sock;
  GCancellable *cancellable;
  gboolean closed;
  gboolean refused; /* another app (another address) holds the session */
  /* NET_OTA_SINGLE being prepared */
  gboolean ota_pending;
  gint64 ota_due_us;
  gchar *ota_status; /* the status the app asked for */
} CtpConn;

static void
emit_frame (EmuDevice *dev, const gchar *name, const gchar *topic, const gchar *op, gint err_no,
            gsize len, const gchar *reason)
{
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddStringToObject (f, "topic", topic);
  if (op != NULL)
    cJSON_AddStringToObject (f, "op", op);
  if (err_no >= 0)
    cJSON_AddNumberToObject (f, "errno", err_no);
  cJSON_AddNumberToObject (f, "len", (gdouble) len);
  if (reason != NULL)
    cJSON_AddStringToObject (f, "reason", reason);
  emu_device_emit (dev, name, f);
}

/* Sends one frame with @param (taken; may be NULL) as NOTIFY, or as an
 * error reply when @err_no >= 0. */
static gboolean
send_notify (CtpConn *c, const gchar *topic, gint err_no, cJSON *param)
{
  g_autoptr (cJSON) msg = cJSON_CreateObject ();
  g_autofree gchar *content = NULL;
  g_autoptr (GBytes) frame = NULL;
  gsize len;

  cJSON_AddStringToObject (msg, "op", "NOTIFY");
  if (err_no >= 0)
    cJSON_AddNumberToObject (msg, "errno", err_no);
  cJSON_AddItemToObject (msg, "param", param != NULL ? param : cJSON_CreateObject ());
  content = cJSON_PrintUnformatted (msg);
  frame = ota_ctp_frame_encode (topic, content, strlen (content));
  emit_frame (c->dev, "ctp-out", topic, "NOTIFY", err_no, strlen (content), NULL);
  g_debug ("CTP out %s %s", topic, content);
  if (emu_socket_send_all (c->sock, g_bytes_get_data (frame, &len), g_bytes_get_size (frame),
                           c->cancellable)
      != EMU_IO_OK)
    {
      c->closed = TRUE;
      return FALSE;
    }
  return TRUE;
}

static gboolean
send_error (CtpConn *c, const gchar *topic, gint err_no, const gchar *msg)
{
  cJSON *param = cJSON_CreateObject ();

  cJSON_AddStringToObject (param, "msg", msg);
  return send_notify (c, topic, err_no, param);
}

static cJSON *
param_of (const gchar *k1, const gchar *v1, const gchar *k2, const gchar *v2)
{
  cJSON *p = cJSON_CreateObject ();

  cJSON_AddStringToObject (p, k1, v1);
  if (k2 != NULL)
    cJSON_AddStringToObject (p, k2, v2);
  return p;
}

/* What the main firmware pushes after APP_ACCESS, unasked. */
static void
send_burst (CtpConn *c)
{
  g_autofree gchar *uuid = emu_device_dup_uuid (c->dev);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *date = g_date_time_format (now, "%Y%m%d%H%M%S");

  if (!send_notify (c, "SD_STATUS", -1, param_of ("online", "0", NULL, NULL))
      || !send_notify (c, "BAT_STATUS", -1, param_of ("level", "4", "charging", "0"))
      || !send_notify (c, "UUID", -1, param_of ("uuid", uuid, NULL, NULL))
      || !send_notify (c, "DATE_TIME", -1, param_of ("date", date, NULL, NULL))
      || !send_notify (c, "VIDEO_PARAM", -1, param_of ("w", "1280", "h", "720")))
    return;
}

static void
handle_frame (CtpConn *c, OtaCtpFrame *frame)
{
  g_autoptr (OtaCtpMessage) msg = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *topic = frame->topic;

  if (frame->content_len == 0)
    {
      emit_frame (c->dev, "ctp-in", topic, NULL, -1, 0, NULL);
      if (g_str_equal (topic, OTA_CTP_TOPIC_KEEP_ALIVE))
        send_notify (c, topic, -1, NULL);
      else
        emit_frame (c->dev, "ctp-dropped", topic, NULL, -1, 0, "empty content");
      return;
    }

  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  emit_frame (c->dev, "ctp-in", topic, msg != NULL ? msg->op : NULL, -1, frame->content_len, NULL);
  if (g_str_equal (topic, OTA_CTP_TOPIC_KEEP_ALIVE))
    {
      send_notify (c, topic, -1, NULL);
      return;
    }
  if (msg == NULL)
    {
      emit_frame (c->dev, "ctp-dropped", topic, NULL, -1, frame->content_len, "malformed JSON");
      return;
    }

  if (g_str_equal (topic, OTA_CTP_TOPIC_APP_ACCESS))
    {
      g_autofree EmuFault *busy = NULL;
      const gchar *type = ota_ctp_message_get_param (msg, "type");
      const gchar *ver = ota_ctp_message_get_param (msg, "ver");

      if (g_strcmp0 (msg->op, "PUT") != 0)
        {
          send_error (c, topic, OTA_CTP_ERRNO_UNKNOWN, "CTP_NOT_SUPPORTED");
          return;
        }
      if (!c->refused)
        busy = emu_device_take_fault (c->dev, "busy", 1, 0);
      if (c->refused || busy != NULL)
        {
          send_error (c, topic, OTA_CTP_ERRNO_ACCESS_REFUSED, "CTP_ACCESS_REFUSED");
          c->closed = TRUE;
          return;
        }
      if (send_notify (c, topic, -1,
                       param_of ("type", type != NULL ? type : "0", "ver",
                                 ver != NULL ? ver : STUB_DEFAULT_VER)))
        send_burst (c);
      return;
    }

  if (g_str_equal (topic, OTA_CTP_TOPIC_NET_OTA_SINGLE))
    {
      const gchar *status = ota_ctp_message_get_param (msg, "status");

      if (g_strcmp0 (msg->op, "PUT") != 0)
        {
          send_error (c, topic, OTA_CTP_ERRNO_UNKNOWN, "CTP_NOT_SUPPORTED");
          return;
        }
      if (c->ota_pending)
        {
          /* The device drops a command whose reply is still pending. */
          emit_frame (c->dev, "ctp-dropped", topic, msg->op, -1, frame->content_len,
                      "reply pending");
          return;
        }
      c->ota_pending = TRUE;
      c->ota_due_us = g_get_monotonic_time ()
                      + (gint64) (emu_device_scaled (c->dev, OTA_PREPARE_SECS) * G_USEC_PER_SEC);
      g_free (c->ota_status);
      c->ota_status = g_strdup (status);
      return;
    }

  send_error (c, topic, OTA_CTP_ERRNO_UNKNOWN, "CTP_NOT_SUPPORTED");
}

static void
finish_ota_single (CtpConn *c)
{
  g_autofree EmuFault *refuse = NULL;
  gboolean ok;

  c->ota_pending = FALSE;
  refuse = emu_device_take_fault (c->dev, "refuse-ota", 1, 0);
  ok = refuse == NULL && g_strcmp0 (c->ota_status, "1") == 0 && emu_device_open_ota (c->dev);
  send_notify (c, OTA_CTP_TOPIC_NET_OTA_SINGLE, -1,
               param_of ("status", ok ? "1" : "0", NULL, NULL));
}

static void
emit_disconnect (EmuDevice *dev, const gchar *port, const gchar *reason)
{
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddStringToObject (f, "port", port);
  cJSON_AddStringToObject (f, "reason", reason);
  emu_device_emit (dev, "disconnect", f);
}

static void
serve_main (CtpConn *c)
{
  g_autoptr (OtaCtpDecoder) decoder = ota_ctp_decoder_new ();
  g_autoptr (GSocket) evicted = NULL;
  gint64 idle_us = emu_device_timeout_us (c->dev, IDLE_DROP_SECS);
  gint64 last_rx = g_get_monotonic_time ();
  gboolean desync = FALSE;
  const gchar *reason = "closed by the app";
  guint8 buf[4096];

  c->refused = !emu_device_ctp_claim (c->dev, c->sock, &evicted);
  if (evicted != NULL)
    {
      /* One app session at a time; a new connection from the same IP takes
       * over. Shutting the socket down wakes its thread, which closes it. */
      emu_device_emit (c->dev, "ctp-evict", NULL);
      g_socket_shutdown (evicted, TRUE, TRUE, NULL);
    }

  while (!c->closed)
    {
      gint64 deadline = last_rx + idle_us;
      EmuIoResult r;
      gsize got = 0;

      if (c->ota_pending)
        deadline = MIN (deadline, c->ota_due_us);
      r = emu_socket_recv_some (c->sock, buf, sizeof buf, deadline, c->cancellable, &got);
      if (r == EMU_IO_TIMEOUT)
        {
          if (c->ota_pending && g_get_monotonic_time () >= c->ota_due_us)
            {
              finish_ota_single (c);
              continue;
            }
          reason = "idle";
          emu_device_emit (c->dev, "ctp-idle-drop", NULL);
          break;
        }
      if (r == EMU_IO_CANCELLED)
        {
          reason = "reboot";
          break;
        }
      if (r == EMU_IO_EOF)
        break;

      if (desync)
        continue;
      {
        g_autoptr (GError) error = NULL;

        if (!ota_ctp_decoder_feed (decoder, buf, got, &error))
          {
            /* The device never resynchronises: the rest of the stream is lost. */
            cJSON *f = cJSON_CreateObject ();

            cJSON_AddStringToObject (f, "detail", error->message);
            emu_device_emit (c->dev, "ctp-desync", f);
            desync = TRUE;
            continue;
          }
      }
      for (;;)
        {
          g_autoptr (OtaCtpFrame) frame = ota_ctp_decoder_pop (decoder);

          if (frame == NULL || c->closed)
            break;
          last_rx = g_get_monotonic_time ();
          handle_frame (c, frame);
        }
    }

  emu_device_ctp_release (c->dev, c->sock);
  if (c->closed && g_strcmp0 (reason, "closed by the app") == 0)
    reason = "closed by the device";
  emit_disconnect (c->dev, "ctp", reason);
}

/* @needle in @len raw bytes (which hold NULs: the frame's lengths). */
static const gchar *
find_bytes (const guint8 *data, gsize len, const gchar *needle)
{
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (data + i, needle, n) == 0)
      return (const gchar *) data + i;
  return NULL;
}

/* The digits after "ver":" in @buf, or NULL. */
static gchar *
find_ver (const guint8 *buf, gsize got)
{
  const gchar *p = find_bytes (buf, got, "ver\":\"");
  const gchar *d, *end;
  gsize n = 0;

  if (p == NULL)
    return NULL;
  d = p + strlen ("ver\":\"");
  end = (const gchar *) buf + got;
  while (d + n < end && g_ascii_isdigit (d[n]))
    n++;
  return n > 0 ? g_strndup (d, n) : NULL;
}

/* The loader's stub (protocol.md 4.5): a segment that arrives while no
 * client is registered is copied into the OTA buffer, answered with one
 * APP_ACCESS reply and registers its connection until it closes; every
 * other segment is ignored. */
static void
serve_stub (CtpConn *c)
{
  gboolean registered = FALSE;
  const gchar *reason = "closed by the app";
  guint8 buf[4096];

  for (;;)
    {
      gsize got = 0;
      EmuIoResult r = emu_socket_recv_some (c->sock, buf, sizeof buf, -1, c->cancellable, &got);
      cJSON *f;

      if (r == EMU_IO_CANCELLED)
        {
          reason = "reboot";
          break;
        }
      if (r != EMU_IO_OK)
        break;

      if (emu_device_get_transfer_active (c->dev))
        emu_device_violation (
            c->dev, "S6", 2,
            "%" G_GSIZE_FORMAT " CTP bytes sent to the loader during a 3335 transfer", got);
      f = cJSON_CreateObject ();
      cJSON_AddNumberToObject (f, "bytes", (gdouble) got);
      if (!registered && emu_device_ctp_stub_segment (c->dev, got))
        {
          g_autofree gchar *ver = find_ver (buf, got);

          registered = TRUE;
          emu_device_emit (c->dev, "ctp-stub-in", f);
          if (!send_notify (c, OTA_CTP_TOPIC_APP_ACCESS, -1,
                            param_of ("type", "0", "ver", ver != NULL ? ver : STUB_DEFAULT_VER)))
            break;
        }
      else
        emu_device_emit (c->dev, "ctp-stub-ignored", f);
    }
  if (registered)
    emu_device_ctp_stub_unregister (c->dev);
  emit_disconnect (c->dev, "ctp", reason);
}

void
emu_ctp_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable)
{
  CtpConn c = { 0 };

  c.dev = dev;
  c.sock = sock;
  c.cancellable = cancellable;
  if (emu_device_get_mode (dev) == EMU_MODE_LOADER)
    serve_stub (&c);
  else
    serve_main (&c);
  emu_socket_close (sock);
  g_object_unref (sock);
  g_free (c.ota_status);
}
