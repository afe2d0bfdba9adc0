/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestCtpClient"

/* OtaCtpClient against a fake CTP server in a thread of the test, built on
 * the same codec (protocol.md section 2). */

#include <string.h>

#include "ota-ctp-client.h"
#include "ota-ctp-decoder.h"
#include "ota-error.h"
#include "ota-platform.h"
#include "ota-test-peer.h"

#define WAIT_MS 5000u

typedef struct _Ctp Ctp;
typedef void (*CtpScript) (Ctp *c);

struct _Ctp {
  CtpScript script;
  GSocket *socket;
  OtaCtpDecoder *decoder;
  gint err_no;              /* for the errno cases */
  const gchar *errno_json;  /* the errno value as JSON text */
  const gchar *status;      /* NET_OTA_SINGLE reply status, NULL: none */
  const gchar *status_json; /* or the status value as JSON text */
  gint flood_bytes;         /* atomic: what the flooding device sent */
  GCancellable *cancel;     /* the client's, for the cancel case */
  /* keep-alive case, under lock */
  GMutex lock;
  GCond cond;
  guint keepalives;
  gint64 keepalive_times[256];
  gboolean keepalive_bodies_ok;
};

/* --- the device side ---------------------------------------------------- */

static void
frame_append (GByteArray *out, const gchar *topic, const gchar *body)
{
  g_autoptr (GBytes) frame = ota_ctp_frame_encode (topic, body, strlen (body));
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);

  g_byte_array_append (out, data, (guint) len);
}

static void
ctp_send (Ctp *c, const gchar *topic, const gchar *body)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();

  frame_append (out, topic, body);
  ota_test_send (c->socket, out->data, out->len);
}

/* The next complete frame from the app, or NULL on EOF or timeout. */
static OtaCtpFrame *
ctp_recv (Ctp *c, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      OtaCtpFrame *frame = ota_ctp_decoder_pop (c->decoder);
      g_autoptr (GError) error = NULL;
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      guint8 buf[4096];
      gssize n;

      if (frame != NULL)
        return frame;
      if (left_ms <= 0)
        return NULL;
      n = ota_test_recv_some (c->socket, buf, sizeof buf, (guint) left_ms);
      if (n <= 0)
        return NULL;
      /* the app never sends anything unframed */
      g_assert_true (ota_ctp_decoder_feed (c->decoder, buf, (gsize) n, &error));
      g_assert_no_error (error);
    }
}

/* Receives one request on @topic with op PUT and returns its message. */
static OtaCtpMessage *
ctp_expect_request (Ctp *c, const gchar *topic)
{
  g_autoptr (OtaCtpFrame) frame = ctp_recv (c, WAIT_MS);
  g_autoptr (GError) error = NULL;
  OtaCtpMessage *msg;

  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, topic);
  /* the device drops frames without a body */
  g_assert_cmpuint (frame->content_len, >, 0);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (msg->op, ==, "PUT");
  return msg;
}

static void
ctp_expect_app_access (Ctp *c)
{
  g_autoptr (OtaCtpMessage) msg = ctp_expect_request (c, OTA_CTP_TOPIC_APP_ACCESS);

  g_assert_cmpstr (ota_ctp_message_get_param (msg, "type"), ==, "0");
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "ver"), ==, OTA_CTP_APP_VERSION);
}

/* Nothing more from the app (no resend, no stray byte) until it closes. */
static void
ctp_expect_close (Ctp *c)
{
  g_assert_cmpint (ota_test_wait_close (c->socket, WAIT_MS), ==, 0);
  g_assert_cmpuint (ota_ctp_decoder_get_pending (c->decoder), ==, 0);
  g_assert_null (ota_ctp_decoder_pop (c->decoder));
}

#define APP_ACCESS_REPLY "{\"op\":\"NOTIFY\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}"

static void
peer_cb (OtaTestPeer *peer, GSocket *socket, gpointer user_data)
{
  Ctp *c = user_data;

  c->socket = socket;
  c->decoder = ota_ctp_decoder_new ();
  c->script (c);
  g_clear_pointer (&c->decoder, ota_ctp_decoder_free);
  c->socket = NULL;
}

/* --- the app side -------------------------------------------------------- */

static OtaCtpClient *
connect_to (OtaTestPeer *peer)
{
  g_autoptr (GError) error = NULL;
  OtaCtpClient *client
      = ota_ctp_client_connect ("127.0.0.1", ota_test_peer_get_port (peer), 2000, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (client);
  return client;
}

/* The main firmware's burst of notifications around the reply, then a
 * second request on the same session. */
static void
script_burst (Ctp *c)
{
  g_autoptr (GByteArray) segment = g_byte_array_new ();
  g_autoptr (OtaCtpMessage) single = NULL;

  ctp_expect_app_access (c);
  ctp_send (c, "SD_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"online\":\"1\"}}");
  ctp_send (c, "BAT_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"level\":\"4\"}}");
  ctp_send (c, "UUID", "{\"op\":\"NOTIFY\",\"param\":{\"uuid\":\"abc\"}}");
  /* more of them in the same segment as the reply, before and after it */
  frame_append (segment, "DATE_TIME", "{\"op\":\"NOTIFY\",\"param\":{\"date\":\"20240101\"}}");
  frame_append (segment, "TF_CAP", "{\"op\":\"NOTIFY\",\"errno\":12,\"param\":{}}");
  frame_append (segment, OTA_CTP_TOPIC_APP_ACCESS, APP_ACCESS_REPLY);
  frame_append (segment, "VIDEO_PARAM", "{\"op\":\"NOTIFY\",\"param\":{\"w\":\"1280\"}}");
  ota_test_send (c->socket, segment->data, segment->len);

  single = ctp_expect_request (c, OTA_CTP_TOPIC_NET_OTA_SINGLE);
  g_assert_cmpstr (ota_ctp_message_get_param (single, "status"), ==, "1");
  ctp_send (c, "BAT_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"level\":\"3\"}}");
  ctp_send (c, OTA_CTP_TOPIC_NET_OTA_SINGLE, "{\"op\":\"NOTIFY\",\"param\":{\"status\":\"1\"}}");
  ctp_expect_close (c);
}

static void
test_burst (void)
{
  Ctp c = { .script = script_burst };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;

  g_assert_true (ota_ctp_client_app_access (client, WAIT_MS, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ota_ctp_client_net_ota_single (client, WAIT_MS, NULL, &error));
  g_assert_no_error (error);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

/* The reply arrives in pieces cut inside every field. */
static void
script_split (Ctp *c)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();
  gsize at; /* where the reply frame starts */
  gsize cuts[6];
  gsize from = 0;

  ctp_expect_app_access (c);
  frame_append (bytes, "SD_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"online\":\"1\"}}");
  at = bytes->len;
  frame_append (bytes, OTA_CTP_TOPIC_APP_ACCESS, APP_ACCESS_REPLY);
  /* "CTP:" | u16 topic_len | topic (10) | u32 content_len | content */
  cuts[0] = 20;             /* inside the notification before it */
  cuts[1] = at + 2;         /* magic */
  cuts[2] = at + 5;         /* topic length */
  cuts[3] = at + 9;         /* topic */
  cuts[4] = at + 18;        /* content length */
  cuts[5] = bytes->len - 5; /* content */
  ota_platform_set_nodelay (c->socket, TRUE, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cuts); i++)
    {
      g_assert_cmpuint (cuts[i], >, from);
      ota_test_send (c->socket, bytes->data + from, cuts[i] - from);
      from = cuts[i];
      /* let each piece travel on its own; the test passes either way */
      g_usleep (5000);
    }
  ota_test_send (c->socket, bytes->data + from, bytes->len - from);
  ctp_expect_close (c);
}

static void
test_split (void)
{
  Ctp c = { .script = script_split };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;
  g_autofree gchar *body = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);

  msg = ota_ctp_client_request (client, OTA_CTP_TOPIC_APP_ACCESS, body, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  g_assert_cmpstr (msg->op, ==, "NOTIFY");
  g_assert_cmpint (msg->err_no, ==, -1);
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "type"), ==, "0");
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "ver"), ==, "20906");
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

/* --- refusals ------------------------------------------------------------ */

static void
script_errno (Ctp *c)
{
  g_autofree gchar *reply = g_strdup_printf (
      "{\"op\":\"NOTIFY\",\"errno\":%s,\"param\":{\"msg\":\"CTP_ERR\"}}", c->errno_json);

  ctp_expect_app_access (c);
  ctp_send (c, "SD_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"online\":\"1\"}}");
  ctp_send (c, OTA_CTP_TOPIC_APP_ACCESS, reply);
  ctp_expect_close (c);
}

typedef struct {
  const gchar *name;
  const gchar *errno_json;
  gint code;
} ErrnoCase;

static const ErrnoCase errno_cases[] = {
  { "3-busy", "3", OTA_ERROR_REFUSED },
  { "5-version", "5", OTA_ERROR_REFUSED },
  { "6-unknown", "6", OTA_ERROR_NOT_SUPPORTED },
  { "7-usb-mode", "7", OTA_ERROR_REFUSED },
  { "12-system", "12", OTA_ERROR_REFUSED },
  { "3-as-string", "\"3\"", OTA_ERROR_REFUSED }, /* some firmwares quote it */
  { "6-as-string", "\"6\"", OTA_ERROR_NOT_SUPPORTED },
  /* a negative errno is no success */
  { "negative", "-5", OTA_ERROR_REFUSED },
  { "negative-as-string", "\"-1\"", OTA_ERROR_REFUSED },
};

static void
test_errno (gconstpointer data)
{
  const ErrnoCase *ec = data;
  Ctp c = { .script = script_errno, .errno_json = ec->errno_json };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;

  g_assert_false (ota_ctp_client_app_access (client, WAIT_MS, NULL, &error));
  g_assert_error (error, OTA_ERROR, ec->code);
  /* the technician sees what was refused */
  g_assert_nonnull (strstr (error->message, OTA_CTP_TOPIC_APP_ACCESS));
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

static void
script_single_status (Ctp *c)
{
  g_autoptr (OtaCtpMessage) msg = ctp_expect_request (c, OTA_CTP_TOPIC_NET_OTA_SINGLE);
  g_autofree gchar *reply = NULL;

  g_assert_cmpstr (ota_ctp_message_get_param (msg, "status"), ==, "1");
  if (c->status_json != NULL)
    reply = g_strdup_printf ("{\"op\":\"NOTIFY\",\"param\":{\"status\":%s}}", c->status_json);
  else if (c->status != NULL)
    reply = g_strdup_printf ("{\"op\":\"NOTIFY\",\"param\":{\"status\":\"%s\"}}", c->status);
  else
    reply = g_strdup ("{\"op\":\"NOTIFY\",\"param\":{}}");
  ctp_send (c, OTA_CTP_TOPIC_NET_OTA_SINGLE, reply);
  ctp_expect_close (c);
}

static void
test_single_status (gconstpointer data)
{
  const gchar *status = data;
  Ctp c = { .script = script_single_status, .status = status };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;
  gboolean ok = ota_ctp_client_net_ota_single (client, WAIT_MS, NULL, &error);

  if (g_strcmp0 (status, "1") == 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_false (ok);
      g_assert_error (error, OTA_ERROR, OTA_ERROR_REFUSED);
    }
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

/* A status that is not a string is reported as it was sent, not as "". */
typedef struct {
  const gchar *json;
  const gchar *shown;
} StatusCase;

static const StatusCase status_number = { "1", "status 1 (a number) instead of \"1\"" };
static const StatusCase status_true = { "true", "status true (not a string) instead of \"1\"" };
static const StatusCase status_missing = { NULL, "status missing instead of \"1\"" };

static void
test_single_status_shown (gconstpointer data)
{
  const StatusCase *sc = data;
  Ctp c = { .script = script_single_status, .status_json = sc->json };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;

  g_assert_false (ota_ctp_client_net_ota_single (client, WAIT_MS, NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_REFUSED);
  if (strstr (error->message, sc->shown) == NULL)
    g_error ("'%s' does not say '%s'", error->message, sc->shown);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

/* --- no answer, a close, a broken stream ---------------------------------- */

static void
script_no_reply (Ctp *c)
{
  ctp_expect_app_access (c);
  /* unrelated notifications keep coming, but never the reply */
  for (guint i = 0; i < 100; i++)
    {
      if (!ota_test_quiet (c->socket, 30))
        break;
      ctp_send (c, "BAT_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"level\":\"4\"}}");
    }
  /* the request came exactly once: nothing more before the close */
  ctp_expect_close (c);
}

static void
test_no_reply (void)
{
  Ctp c = { .script = script_no_reply };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_false (ota_ctp_client_app_access (client, 300, NULL, &error));
  elapsed = ota_test_elapsed_ms (start);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT);
  g_assert_cmpstr (error->message, ==,
                   "control channel: no reply to APP_ACCESS from the device in time");
  g_assert_cmpint (elapsed, >=, 290);
  g_assert_cmpint (elapsed, <, 300 + 1000);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

static void
script_close (Ctp *c)
{
  ctp_expect_app_access (c);
  /* another app holds the device: dropped */
}

static void
test_server_closes (void)
{
  Ctp c = { .script = script_close };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (ota_ctp_client_app_access (client, WAIT_MS, NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_REFUSED);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, WAIT_MS / 2);
  g_assert_true (ota_test_peer_join (peer));
}

static void
script_bad_magic (Ctp *c)
{
  g_autoptr (GByteArray) bytes = g_byte_array_new ();

  ctp_expect_app_access (c);
  frame_append (bytes, OTA_CTP_TOPIC_APP_ACCESS, APP_ACCESS_REPLY);
  bytes->data[0] = 'X';
  ota_test_send (c->socket, bytes->data, bytes->len);
  ctp_expect_close (c);
}

static void
test_bad_magic (void)
{
  Ctp c = { .script = script_bad_magic };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (ota_ctp_client_app_access (client, WAIT_MS, NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, WAIT_MS / 2);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

static void
script_cancel (Ctp *c)
{
  ctp_expect_app_access (c);
  g_cancellable_cancel (c->cancel);
  ctp_expect_close (c);
}

static void
test_cancel (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Ctp c = { .script = script_cancel, .cancel = cancellable };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (ota_ctp_client_app_access (client, WAIT_MS, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, WAIT_MS / 2);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

/* --- keep-alive ------------------------------------------------------------ */

/* Long enough that a busy host or valgrind does not blur one interval into
 * the next; the bounds below only ever give a late thread more time. */
#define KEEPALIVE_MS 200u
#define KEEPALIVE_COUNT 3u

static void
script_keepalive (Ctp *c)
{
  for (;;)
    {
      g_autoptr (OtaCtpFrame) frame = ctp_recv (c, WAIT_MS);
      g_autoptr (OtaCtpMessage) msg = NULL;
      g_autoptr (GError) error = NULL;

      if (frame == NULL)
        break;
      if (g_strcmp0 (frame->topic, OTA_CTP_TOPIC_NET_OTA_SINGLE) == 0)
        {
          ctp_send (c, OTA_CTP_TOPIC_NET_OTA_SINGLE,
                    "{\"op\":\"NOTIFY\",\"param\":{\"status\":\"1\"}}");
          continue;
        }
      g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_KEEP_ALIVE);
      msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
      /* the device answers at once, and keeps pushing its notifications */
      ctp_send (c, OTA_CTP_TOPIC_KEEP_ALIVE, "{\"op\":\"NOTIFY\",\"param\":{}}");
      ctp_send (c, "BAT_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"level\":\"4\"}}");
      g_mutex_lock (&c->lock);
      if (msg == NULL || frame->content_len == 0)
        c->keepalive_bodies_ok = FALSE;
      if (c->keepalives < G_N_ELEMENTS (c->keepalive_times))
        c->keepalive_times[c->keepalives] = g_get_monotonic_time ();
      c->keepalives++;
      g_cond_broadcast (&c->cond);
      g_mutex_unlock (&c->lock);
    }
  g_assert_cmpuint (ota_ctp_decoder_get_pending (c->decoder), ==, 0);
}

static void
test_keepalive (void)
{
  Ctp c = { .script = script_keepalive, .keepalive_bodies_ok = TRUE };
  g_autoptr (OtaTestPeer) peer = NULL;
  g_autoptr (OtaCtpClient) client = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start, deadline, stop_start, stop_ms;
  guint seen, sent;

  g_mutex_init (&c.lock);
  g_cond_init (&c.cond);
  peer = ota_test_peer_new (peer_cb, &c);
  client = connect_to (peer);

  /* a generous deadline: a slow host only makes them later */
  start = g_get_monotonic_time ();
  deadline = start + (gint64) WAIT_MS * G_TIME_SPAN_MILLISECOND;
  ota_ctp_client_start_keepalive (client, KEEPALIVE_MS);
  g_mutex_lock (&c.lock);
  while (c.keepalives < KEEPALIVE_COUNT && g_cond_wait_until (&c.cond, &c.lock, deadline))
    ;
  seen = c.keepalives;
  g_mutex_unlock (&c.lock);
  g_assert_cmpuint (seen, >=, KEEPALIVE_COUNT);

  /* the thread now waits out the next interval: stopping interrupts it
   * (half the interval, still far more than a wake-up and a join take) */
  stop_start = g_get_monotonic_time ();
  ota_ctp_client_stop_keepalive (client);
  stop_ms = ota_test_elapsed_ms (stop_start);
  g_assert_cmpint (stop_ms, <, KEEPALIVE_MS / 2);
  sent = ota_ctp_client_get_keepalives_sent (client);
  g_assert_cmpuint (sent, >=, KEEPALIVE_COUNT);

  /* the session is still in step: the pushed frames were drained */
  g_assert_true (ota_ctp_client_net_ota_single (client, WAIT_MS, NULL, &error));
  g_assert_no_error (error);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));

  /* every keep-alive arrived whole, none after the stop */
  g_assert_cmpuint (c.keepalives, ==, sent);
  g_assert_true (c.keepalive_bodies_ok);
  /* at the interval, not in a burst: the n-th (from 1) is sent n intervals
   * after the start at the earliest, and arrives no sooner. Only a lower
   * bound: a late sender or a late receiver only adds time, while gaps
   * measured by the receiver could shrink when it catches up. */
  for (guint i = 0; i < MIN (c.keepalives, G_N_ELEMENTS (c.keepalive_times)); i++)
    {
      gint64 at_ms = (c.keepalive_times[i] - start) / 1000;

      if (at_ms < (gint64) (i + 1) * KEEPALIVE_MS * 9 / 10)
        g_error ("keep-alive %u arrived %" G_GINT64_FORMAT " ms after the start, before %u "
                 "intervals of %u ms",
                 i + 1, at_ms, i + 1, KEEPALIVE_MS);
    }
  g_mutex_clear (&c.lock);
  g_cond_clear (&c.cond);
}

/* Stopped in the middle of a long interval: it returns at once, without
 * waiting for the interval to run out, and nothing more is sent. */
static void
test_keepalive_stop_mid_interval (void)
{
  Ctp c = { .script = script_keepalive, .keepalive_bodies_ok = TRUE };
  g_autoptr (OtaTestPeer) peer = NULL;
  g_autoptr (OtaCtpClient) client = NULL;
  gint64 deadline, start;
  guint seen;

  g_mutex_init (&c.lock);
  g_cond_init (&c.cond);
  peer = ota_test_peer_new (peer_cb, &c);
  client = connect_to (peer);

  ota_ctp_client_start_keepalive (client, 1000);
  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&c.lock);
  while (c.keepalives < 1 && g_cond_wait_until (&c.cond, &c.lock, deadline))
    ;
  seen = c.keepalives;
  g_mutex_unlock (&c.lock);
  g_assert_cmpuint (seen, ==, 1);

  /* the thread now waits for the next interval; stopping does not (the
   * bound is half the interval, loose enough for valgrind and a busy host) */
  start = g_get_monotonic_time ();
  ota_ctp_client_stop_keepalive (client);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, 500);
  g_assert_cmpuint (ota_ctp_client_get_keepalives_sent (client), ==, 1);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
  g_assert_cmpuint (c.keepalives, ==, 1);
  g_assert_true (c.keepalive_bodies_ok);
  g_mutex_clear (&c.lock);
  g_cond_clear (&c.cond);
}

/* A device that floods notifications without end (and reads nothing): the
 * keep-alive thread drains a bounded amount each time, so a stop (what a
 * confirmed cancel or --timeout does) takes effect at once, not when the
 * flood ends. */
#define FLOOD_MIN_BYTES (1024 * 1024)
#define FLOOD_MAX_MS 8000

static void
script_flood (Ctp *c)
{
  g_autoptr (GByteArray) batch = g_byte_array_new ();
  gint64 until = g_get_monotonic_time () + FLOOD_MAX_MS * G_TIME_SPAN_MILLISECOND;

  /* big writes: the client never finds the socket empty */
  while (batch->len < 64 * 1024)
    frame_append (batch, "SD_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"online\":\"1\"}}");
  while (g_get_monotonic_time () < until)
    {
      if (!ota_test_try_send (c->socket, batch->data, batch->len))
        return; /* the client closed: the test is over */
      g_atomic_int_add (&c->flood_bytes, (gint) batch->len);
    }
}

static void
test_keepalive_flood (void)
{
  Ctp c = { .script = script_flood };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  gint64 deadline = g_get_monotonic_time () + (FLOOD_MAX_MS / 2) * G_TIME_SPAN_MILLISECOND;
  gint64 start;

  ota_ctp_client_start_keepalive (client, 20);
  /* the flood is on, and the thread gets out of its drains to send
   * keep-alives (an endless drain sends none until the flood ends) */
  while ((g_atomic_int_get (&c.flood_bytes) < FLOOD_MIN_BYTES
          || ota_ctp_client_get_keepalives_sent (client) < 3)
         && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpint (g_atomic_int_get (&c.flood_bytes), >=, FLOOD_MIN_BYTES);
  g_assert_cmpuint (ota_ctp_client_get_keepalives_sent (client), >=, 3);

  start = g_get_monotonic_time ();
  ota_ctp_client_stop_keepalive (client);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, 1000);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

/* Stopping at once, before the first interval, sends nothing. */
static void
script_nothing (Ctp *c)
{
  ctp_expect_close (c);
}

static void
test_keepalive_stop_early (void)
{
  Ctp c = { .script = script_nothing };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &c);
  g_autoptr (OtaCtpClient) client = connect_to (peer);
  gint64 start;

  ota_ctp_client_start_keepalive (client, 10000);
  start = g_get_monotonic_time ();
  ota_ctp_client_stop_keepalive (client);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, 2000);
  g_assert_cmpuint (ota_ctp_client_get_keepalives_sent (client), ==, 0);
  ota_ctp_client_close (client);
  g_assert_true (ota_test_peer_join (peer));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/ctp-client/burst", test_burst);
  g_test_add_func ("/ota/ctp-client/split", test_split);
  for (guint i = 0; i < G_N_ELEMENTS (errno_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/ota/ctp-client/errno/%s", errno_cases[i].name);

      g_test_add_data_func (path, &errno_cases[i], test_errno);
    }
  g_test_add_data_func ("/ota/ctp-client/net-ota-single/status-1", "1", test_single_status);
  g_test_add_data_func ("/ota/ctp-client/net-ota-single/status-0", "0", test_single_status);
  g_test_add_data_func ("/ota/ctp-client/net-ota-single/no-status", NULL, test_single_status);
  g_test_add_data_func ("/ota/ctp-client/net-ota-single/status-number", &status_number,
                        test_single_status_shown);
  g_test_add_data_func ("/ota/ctp-client/net-ota-single/status-true", &status_true,
                        test_single_status_shown);
  g_test_add_data_func ("/ota/ctp-client/net-ota-single/status-missing", &status_missing,
                        test_single_status_shown);
  g_test_add_func ("/ota/ctp-client/no-reply", test_no_reply);
  g_test_add_func ("/ota/ctp-client/server-closes", test_server_closes);
  g_test_add_func ("/ota/ctp-client/bad-magic", test_bad_magic);
  g_test_add_func ("/ota/ctp-client/cancel", test_cancel);
  g_test_add_func ("/ota/ctp-client/keepalive", test_keepalive);
  g_test_add_func ("/ota/ctp-client/keepalive-stop-mid-interval", test_keepalive_stop_mid_interval);
  g_test_add_func ("/ota/ctp-client/keepalive-stop-early", test_keepalive_stop_early);
  g_test_add_func ("/ota/ctp-client/keepalive-flood", test_keepalive_flood);
  return g_test_run ();
}
