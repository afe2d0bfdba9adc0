/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include "emu-test-client.h"

#include <string.h>

#include "ota-ctp-frame.h"
#include "ota-http-parser.h"
#include "ota-platform.h"

TcConn *
tc_connect_from (guint16 port, const gchar *local_ip, GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  TcConn *c;

  g_socket_client_set_timeout (client, 5);
  if (local_ip != NULL)
    {
      g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (local_ip);
      g_autoptr (GSocketAddress) local = g_inet_socket_address_new (ip, 0);

      g_socket_client_set_local_address (client, local);
    }
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, error);
  if (conn == NULL)
    return NULL;
  c = g_new0 (TcConn, 1);
  c->conn = g_steal_pointer (&conn);
  c->sock = g_socket_connection_get_socket (c->conn);
  c->decoder = ota_ctp_decoder_new ();
  ota_platform_set_nodelay (c->sock, TRUE, NULL);
  return c;
}

TcConn *
tc_connect (guint16 port, GError **error)
{
  return tc_connect_from (port, NULL, error);
}

void
tc_close (TcConn *c)
{
  if (c == NULL)
    return;
  g_socket_close (c->sock, NULL);
  g_object_unref (c->conn);
  ota_ctp_decoder_free (c->decoder);
  g_free (c);
}

gboolean
tc_port_refused (guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) c = tc_connect (port, &error);

  return c == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

gboolean
tc_send (TcConn *c, const void *data, gsize len)
{
  const guint8 *p = data;

  while (len > 0)
    {
      gssize n = g_socket_send (c->sock, (const gchar *) p, len, NULL, NULL);

      if (n <= 0)
        return FALSE;
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

gssize
tc_recv (TcConn *c, guint8 *buf, gsize len, guint timeout_ms)
{
  g_autoptr (GError) error = NULL;

  if (!g_socket_condition_timed_wait (c->sock, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                      (gint64) timeout_ms * 1000, NULL, NULL))
    return -1;
  {
    gssize n = g_socket_receive_with_blocking (c->sock, (gchar *) buf, len, FALSE, NULL, &error);

    if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      return -1;
    if (n < 0)
      return 0; /* reset by the peer: closed too */
    return n;
  }
}

static gboolean
recv_exact (TcConn *c, guint8 *buf, gsize len, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize have = 0;

  while (have < len)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      if (left <= 0)
        return FALSE;
      n = tc_recv (c, buf + have, len - have, (guint) left);
      if (n <= 0)
        return FALSE;
      have += (gsize) n;
    }
  return TRUE;
}

gboolean
tc_wait_closed (TcConn *c, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint8 buf[4096];

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      if (left <= 0)
        return FALSE;
      n = tc_recv (c, buf, sizeof buf, (guint) left);
      if (n == 0)
        return TRUE;
      if (n < 0)
        return FALSE;
    }
}

gboolean
tc_quiet (TcConn *c, guint timeout_ms)
{
  guint8 b;

  return tc_recv (c, &b, 1, timeout_ms) < 0;
}

/* --- CTP --- */

gboolean
tc_ctp_send (TcConn *c, const gchar *topic, const gchar *content)
{
  g_autoptr (GBytes) frame
      = ota_ctp_frame_encode (topic, content, content != NULL ? strlen (content) : 0);

  return tc_send (c, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

OtaCtpFrame *
tc_ctp_recv (TcConn *c, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      OtaCtpFrame *frame = ota_ctp_decoder_pop (c->decoder);
      guint8 buf[4096];
      gint64 left;
      gssize n;

      if (frame != NULL)
        return frame;
      left = (deadline - g_get_monotonic_time ()) / 1000;
      if (left <= 0)
        return NULL;
      n = tc_recv (c, buf, sizeof buf, (guint) left);
      if (n <= 0)
        return NULL;
      if (!ota_ctp_decoder_feed (c->decoder, buf, (gsize) n, NULL))
        return NULL;
    }
}

OtaCtpFrame *
tc_ctp_recv_topic (TcConn *c, const gchar *topic, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      OtaCtpFrame *frame;

      if (left <= 0)
        return NULL;
      frame = tc_ctp_recv (c, (guint) left);
      if (frame == NULL || g_str_equal (frame->topic, topic))
        return frame;
      ota_ctp_frame_free (frame);
    }
}

gchar *
tc_ctp_open_ota (guint16 ctp_port, TcConn **out_ctp, GError **error)
{
  g_autoptr (TcConn) ctp = tc_connect (ctp_port, error);
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);
  g_autofree gchar *single = ota_ctp_request_build ("PUT", "status", "1", NULL);
  g_autoptr (OtaCtpFrame) reply = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;
  const gchar *status;

  if (ctp == NULL)
    return NULL;
  if (!tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, access)
      || (reply = tc_ctp_recv_topic (ctp, OTA_CTP_TOPIC_APP_ACCESS, TC_TIMEOUT_MS)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no APP_ACCESS reply");
      return NULL;
    }
  g_clear_pointer (&reply, ota_ctp_frame_free);
  if (!tc_ctp_send (ctp, OTA_CTP_TOPIC_NET_OTA_SINGLE, single)
      || (reply = tc_ctp_recv_topic (ctp, OTA_CTP_TOPIC_NET_OTA_SINGLE, TC_TIMEOUT_MS)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no NET_OTA_SINGLE reply");
      return NULL;
    }
  msg = ota_ctp_message_parse (reply->content, reply->content_len, error);
  if (msg == NULL)
    return NULL;
  status = ota_ctp_message_get_param (msg, "status");
  if (out_ctp != NULL)
    *out_ctp = g_steal_pointer (&ctp);
  return g_strdup (status != NULL ? status : "");
}

/* --- HTTP --- */

gchar *
tc_http_get (guint16 port, const gchar *path, guint *status, gchar **headers, GError **error)
{
  g_autoptr (TcConn) c = tc_connect (port, error);
  g_autoptr (OtaHttpParser) parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);
  g_autoptr (GString) raw = g_string_new (NULL);
  g_autofree gchar *req = NULL;
  gboolean done = FALSE;
  const gchar *body;
  gsize body_len = 0;

  if (c == NULL)
    return NULL;
  req = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
  if (!tc_send (c, req, strlen (req)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "send failed");
      return NULL;
    }
  while (!done)
    {
      guint8 buf[4096];
      gssize n = tc_recv (c, buf, sizeof buf, TC_TIMEOUT_MS);

      if (n <= 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no complete HTTP response");
          return NULL;
        }
      g_string_append_len (raw, (const gchar *) buf, n);
      if (!ota_http_parser_feed (parser, buf, (gsize) n, &done, error))
        return NULL;
    }
  if (status != NULL)
    *status = ota_http_parser_get_status (parser);
  if (headers != NULL)
    {
      const gchar *end = strstr (raw->str, "\r\n\r\n");

      *headers = end != NULL ? g_strndup (raw->str, end - raw->str) : g_strdup (raw->str);
    }
  body = ota_http_parser_get_body (parser, &body_len);
  return g_strndup (body, body_len);
}

/* --- 3335 --- */

gboolean
tc_ota_recv (TcConn *c, OtaNetHeader *h, guint8 raw[OTA_NET_HEADER_SIZE], guint timeout_ms)
{
  guint8 local[OTA_NET_HEADER_SIZE];
  guint8 *p = raw != NULL ? raw : local;

  if (!recv_exact (c, p, OTA_NET_HEADER_SIZE, timeout_ms))
    return FALSE;
  ota_net_header_decode (p, h);
  return TRUE;
}

gboolean
tc_ota_answer (TcConn *c, GBytes *file, const OtaNetHeader *req)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (file, &size);
  g_autofree guint8 *frame = NULL;
  guint32 len = 0;
  gsize n;

  if (!ota_net_read_request_check (req, size, &len, NULL))
    return FALSE;
  frame = g_malloc (OTA_NET_HEADER_SIZE + len);
  memcpy (frame + OTA_NET_HEADER_SIZE, data + req->seek_addr, len);
  n = ota_net_answer_build (req, frame, len);
  return tc_send (c, frame, n);
}

gboolean
tc_ota_send_stop (TcConn *c, guint8 percent)
{
  guint8 stop[OTA_NET_HEADER_SIZE];

  ota_net_stop_build (stop, percent);
  return tc_send (c, stop, sizeof stop);
}

void
tc_stage_init (TcStage *st)
{
  memset (st, 0, sizeof *st);
  st->final_status = 0xFF;
  st->min_percent_after_total = 0xFF;
  st->seeks = g_array_new (FALSE, FALSE, sizeof (guint32));
  st->sizes = g_array_new (FALSE, FALSE, sizeof (guint32));
}

void
tc_stage_clear (TcStage *st)
{
  g_clear_pointer (&st->seeks, g_array_unref);
  g_clear_pointer (&st->sizes, g_array_unref);
}

gboolean
tc_serve_stage (TcConn *c, GBytes *file, guint stop_at_read, TcStage *st)
{
  for (;;)
    {
      OtaNetHeader h;
      guint8 raw[OTA_NET_HEADER_SIZE];

      if (!tc_ota_recv (c, &h, raw, TC_TIMEOUT_MS))
        return FALSE;
      if (!ota_net_frame_sum_ok (raw, sizeof raw))
        continue; /* the vendor client ignores a bad header */
      switch (h.status)
        {
        case OTA_NET_STATUS_READ:
          st->reads++;
          g_array_append_val (st->seeks, h.seek_addr);
          g_array_append_val (st->sizes, h.read_size);
          if (st->got_total)
            {
              st->max_percent_during = MAX (st->max_percent_during, h.download_percent);
              st->min_percent_after_total = MIN (st->min_percent_after_total, h.download_percent);
            }
          if (stop_at_read != 0 && st->reads == stop_at_read)
            {
              if (!tc_ota_send_stop (c, h.download_percent))
                return FALSE;
              break;
            }
          if (!tc_ota_answer (c, file, &h))
            return FALSE;
          break;
        case OTA_NET_STATUS_DOING:
          if (h.all_size != 0)
            {
              st->got_total = TRUE;
              st->all_size = h.all_size;
            }
          if (h.download_percent == 100)
            st->got_percent_100 = TRUE;
          break;
        default:
          st->final_status = h.status;
          st->closed_after = tc_wait_closed (c, TC_TIMEOUT_MS);
          return TRUE;
        }
    }
}

gboolean
tc_run_stage_one (guint16 ctp_port, guint16 ota_port, GBytes *file, TcStage *st)
{
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = NULL;
  g_autofree gchar *status = tc_ctp_open_ota (ctp_port, &ctp, NULL);

  if (g_strcmp0 (status, "1") != 0)
    return FALSE;
  ota = tc_connect (ota_port, NULL);
  if (ota == NULL)
    return FALSE;
  return tc_serve_stage (ota, file, 0, st);
}

gboolean
tc_run_stage_two (guint16 ctp_port, guint16 http_port, guint16 ota_port, GBytes *file, TcStage *st)
{
  g_autoptr (TcConn) ctp = tc_connect (ctp_port, NULL);
  g_autoptr (TcConn) ota = NULL;
  g_autoptr (OtaCtpFrame) reply = NULL;
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);
  g_autofree gchar *body = NULL;
  guint status = 0;

  if (ctp == NULL || !tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, access))
    return FALSE;
  reply = tc_ctp_recv_topic (ctp, OTA_CTP_TOPIC_APP_ACCESS, TC_TIMEOUT_MS);
  if (reply == NULL)
    return FALSE;
  body = tc_http_get (http_port, "/mnt/spiflash/res/dev_desc.txt", &status, NULL, NULL);
  if (body == NULL || status != 200)
    return FALSE;
  ota = tc_connect (ota_port, NULL);
  if (ota == NULL)
    return FALSE;
  return tc_serve_stage (ota, file, 0, st);
}

/* --- test-side shortcuts --- */

OtaTestEmu *
tc_start_emu (const gchar *const *args)
{
  g_autoptr (GError) error = NULL;
  OtaTestEmu *emu = ota_test_emu_start (args, &error);

  g_assert_no_error (error);
  g_assert_nonnull (emu);
  return emu;
}

GBytes *
tc_make_file (OtaTestEmu *emu, guint64 flash, guint64 ota, guint32 seed, const gchar *version,
              gchar **out_path)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path
      = ota_test_make_ufw (emu->state_dir, flash, ota, seed, version, OTA_UFW_CORRUPT_NONE, &error);
  gchar *data = NULL;
  gsize len = 0;

  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_assert_no_error (error);
  if (out_path != NULL)
    *out_path = g_strdup (path);
  return g_bytes_new_take (data, len);
}

gdouble
tc_json_number (const cJSON *obj, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (obj, key);

  g_assert_true (cJSON_IsNumber (item));
  return item->valuedouble;
}

const gchar *
tc_json_string (const cJSON *obj, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (obj, key);

  g_assert_true (cJSON_IsString (item));
  return item->valuestring;
}

void
tc_wait_boot (OtaTestEmu *emu, guint nth, const gchar *mode)
{
  g_autoptr (cJSON) boot = ota_test_emu_wait_event_nth (emu, "boot", nth, WAIT_MS);

  g_assert_nonnull (boot);
  g_assert_cmpstr (tc_json_string (boot, "mode"), ==, mode);
}

void
tc_assert_event (OtaTestEmu *emu, const gchar *name, guint nth)
{
  g_autoptr (cJSON) ev = ota_test_emu_wait_event_nth (emu, name, nth, WAIT_MS);

  g_assert_nonnull (ev);
}
