/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestHttpClient"

/* ota_http_get() and ota_http_fetch_description() against fake web servers
 * in a thread of the test: the main firmware's, and the loader's stub that
 * answers every segment and never closes (protocol.md section 3). */

#include <string.h>

#include "ota-error.h"
#include "ota-http-client.h"
#include "ota-http-parser.h"
#include "ota-test-peer.h"

#define WAIT_MS 5000u

#define MAIN_DESC                                                                                  \
  "{\"app_list\":{\"match_android_ver\":[\"1.0\",\"2.0\"],\"match_ios_ver\":[\"1.0\",\"2.0\"]},"   \
  "\"forward_support\":[\"0\"],\"behind_support\":[\"0\"],\"device_type\":\"1\","                  \
  "\"net_type\":\"1\",\"rts_type\":\"0\",\"product_type\":\"AC79x_wifi_camera\","                  \
  "\"support_projection\":\"0\",\"ota_type\":\"1\",\"ota_step\":\"0\","                            \
  "\"firmware_version\":\"1.0.1\",\"match_app_type\":\"DVRunning 2\",\"uuid\":\"xxxxxx\"}"

#define LOADER_DESC                                                                                \
  "{\"device_type\":\"1\",\"product_type\":\"AC79x_wifi_camera\",\"ota_type\":\"1\","              \
  "\"ota_step\":\"1\",\"firmware_version\":\"1.0.1\",\"uuid\":\"loader\"}"

typedef struct _Http Http;
typedef void (*HttpScript) (Http *h);

struct _Http {
  HttpScript script;
  GSocket *socket;
  const gchar *response;  /* for the canned-response scripts */
  GCancellable *cancel;   /* the client's, for the cancel case */
  guint responses;        /* loader stub: answers sent */
  gboolean whole_request; /* loader stub: the first recv held the whole request */
  gboolean saw_close;     /* the client closed the connection itself */
  gsize body_sent;        /* huge-header case */
};

/* --- the device side ---------------------------------------------------- */

/* Reads one request (up to the blank line) and checks it. */
static void
http_expect_request (Http *h)
{
  g_autoptr (GString) req = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (strstr (req->str, "\r\n\r\n") == NULL)
    {
      guint8 buf[4096];
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      g_assert_cmpint (left_ms, >, 0);
      n = ota_test_recv_some (h->socket, buf, sizeof buf, (guint) left_ms);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (req, (const gchar *) buf, n);
    }
  g_assert_true (g_str_has_prefix (req->str, "GET " OTA_DESCRIPTION_PATH " HTTP/1.1\r\n"));
  g_assert_nonnull (strstr (req->str, "\r\nHost: 127.0.0.1\r\n"));
  /* one request, nothing after it */
  g_assert_true (g_str_has_suffix (req->str, "\r\n\r\n"));
}

static void
http_expect_close (Http *h)
{
  g_assert_cmpint (ota_test_wait_close (h->socket, WAIT_MS), ==, 0);
  h->saw_close = TRUE;
}

static void
peer_cb (OtaTestPeer *peer, GSocket *socket, gpointer user_data)
{
  Http *h = user_data;

  h->socket = socket;
  h->script (h);
  h->socket = NULL;
}

/* The main firmware: normal headers, body in two pieces, then it closes. */
static void
script_main_firmware (Http *h)
{
  static const gchar body[] = MAIN_DESC;
  g_autofree gchar *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                            "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                                            "Connection: close\r\n\r\n",
                                            strlen (body));

  http_expect_request (h);
  ota_test_send (h->socket, head, strlen (head));
  ota_test_send (h->socket, body, 100);
  ota_test_send (h->socket, body + 100, strlen (body) - 100);
}

/* The loader's stub: the same fixed answer to every segment it receives,
 * never a close. */
static void
script_loader (Http *h)
{
  static const gchar body[] = LOADER_DESC;
  g_autofree gchar *response = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type:text\r\n"
                                                "Content-Length:%" G_GSIZE_FORMAT "\r\n\r\n%s",
                                                strlen (body), body);

  for (;;)
    {
      guint8 buf[65536]; /* generous: one recv takes a whole segment */
      gssize n = ota_test_recv_some (h->socket, buf, sizeof buf, WAIT_MS);

      if (n <= 0)
        {
          h->saw_close = n == 0;
          return;
        }
      if (h->responses == 0)
        {
          g_autofree gchar *text = g_strndup ((const gchar *) buf, (gsize) n);

          h->whole_request = g_str_has_prefix (text, "GET ") && g_str_has_suffix (text, "\r\n\r\n");
        }
      h->responses++;
      ota_test_send (h->socket, response, strlen (response));
    }
}

/* A canned response, then no close: the client must not need one. */
static void
script_canned (Http *h)
{
  http_expect_request (h);
  ota_test_send (h->socket, h->response, strlen (h->response));
  http_expect_close (h);
}

static void
script_silent (Http *h)
{
  http_expect_request (h);
  http_expect_close (h);
}

/* Announces a megabyte and sends only its first bytes: a client that tried
 * to take it in would wait for the rest and time out. */
static void
script_huge_body (Http *h)
{
  static const gchar head[] = "HTTP/1.1 200 OK\r\nContent-Type:text\r\n"
                              "Content-Length:1048576\r\n\r\n{\"ota_type\":\"1\",";

  http_expect_request (h);
  ota_test_send (h->socket, head, strlen (head));
  http_expect_close (h);
}

static void
script_huge_header (Http *h)
{
  static const gchar head[] = "HTTP/1.1 200 OK\r\nX-Padding:";
  g_autofree gchar *chunk = g_malloc (65536);

  http_expect_request (h);
  memset (chunk, 'a', 65536);
  ota_test_send (h->socket, head, strlen (head));
  /* a megabyte of one header line, until the client hangs up */
  while (h->body_sent < 1048576 && ota_test_try_send (h->socket, chunk, 65536))
    h->body_sent += 65536;
  /* the client gives up on its own, not because we close */
  http_expect_close (h);
}

static void
script_cancel (Http *h)
{
  http_expect_request (h);
  g_cancellable_cancel (h->cancel);
  http_expect_close (h);
}

/* --- the app side -------------------------------------------------------- */

static OtaDescription *
fetch (Http *h, guint timeout_ms, GCancellable *cancellable, gint64 *elapsed_ms, GError **error)
{
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, h);
  gint64 start = g_get_monotonic_time ();
  OtaDescription *desc;

  desc = ota_http_fetch_description ("127.0.0.1", ota_test_peer_get_port (peer), timeout_ms,
                                     cancellable, error);
  if (elapsed_ms != NULL)
    *elapsed_ms = ota_test_elapsed_ms (start);
  g_assert_true (ota_test_peer_join (peer));
  return desc;
}

static void
test_main_firmware (void)
{
  Http h = { .script = script_main_firmware };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = fetch (&h, WAIT_MS, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (desc);
  g_assert_cmpstr (desc->ota_type, ==, "1");
  g_assert_cmpstr (desc->ota_step, ==, "0");
  g_assert_cmpstr (desc->firmware_version, ==, "1.0.1");
  g_assert_cmpstr (desc->product_type, ==, "AC79x_wifi_camera");
  g_assert_cmpstr (desc->match_app_type, ==, "DVRunning 2");
  g_assert_cmpstr (desc->raw_json, ==, MAIN_DESC);
  g_assert_true (ota_description_is_single_backup (desc));
  g_assert_false (ota_description_needs_stage_two (desc));
}

static void
test_loader_stub (void)
{
  Http h = { .script = script_loader };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  desc = fetch (&h, WAIT_MS, NULL, &elapsed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (desc);
  g_assert_cmpstr (desc->ota_step, ==, "1");
  g_assert_cmpstr (desc->uuid, ==, "loader");
  g_assert_true (ota_description_needs_stage_two (desc));
  /* done after Content-Length bytes, not after a close that never comes */
  g_assert_cmpint (elapsed, <, WAIT_MS / 2);
  /* the request went out in one piece: one answer */
  g_assert_true (h.whole_request);
  g_assert_cmpuint (h.responses, ==, 1);
  /* and the client closed the connection itself */
  g_assert_true (h.saw_close);
}

/* ota_http_get() itself: the body, its length and the status. */
static void
test_get (void)
{
  Http h = { .script = script_canned,
             .response = "HTTP/1.0 200 OK\r\ncontent-length:   5\r\n\r\nhello and more" };
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, &h);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *body = NULL;
  guint status = 0;
  gsize len = 0;

  body = ota_http_get ("127.0.0.1", ota_test_peer_get_port (peer), OTA_DESCRIPTION_PATH, WAIT_MS,
                       &status, &len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (body, ==, "hello");
  g_assert_cmpuint (len, ==, 5);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (ota_test_peer_join (peer));
  g_assert_true (h.saw_close);
}

typedef struct {
  const gchar *response;
  gint code;
} CannedCase;

static const CannedCase not_found
    = { "HTTP/1.1 404 Not Found\r\nContent-Type:text\r\nContent-Length:9\r\n\r\nnot found",
        OTA_ERROR_NOT_SUPPORTED };
static const CannedCase not_found_no_length
    = { "HTTP/1.1 404 Not Found\r\n\r\n", OTA_ERROR_NOT_SUPPORTED };
static const CannedCase server_error
    = { "HTTP/1.1 500 Internal Server Error\r\nContent-Length:5\r\n\r\nerror", OTA_ERROR_PROTOCOL };
static const CannedCase no_length
    = { "HTTP/1.1 200 OK\r\nContent-Type:text\r\n\r\n" LOADER_DESC, OTA_ERROR_PROTOCOL };
static const CannedCase not_json
    = { "HTTP/1.1 200 OK\r\nContent-Length:11\r\n\r\nnot json!!!", OTA_ERROR_PROTOCOL };
static const CannedCase not_http = { "SSH-2.0-OpenSSH_9.6\r\n", OTA_ERROR_PROTOCOL };

static void
test_canned (gconstpointer data)
{
  const CannedCase *cc = data;
  Http h = { .script = script_canned, .response = cc->response };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  desc = fetch (&h, WAIT_MS, NULL, &elapsed, &error);
  g_assert_null (desc);
  g_assert_error (error, OTA_ERROR, cc->code);
  /* decided from what arrived, without waiting for a close */
  g_assert_cmpint (elapsed, <, WAIT_MS / 2);
  g_assert_true (h.saw_close);
}

/* "100 Continue" before the answer (a web server's habit): skipped, the
 * description read as usual, not "answered HTTP 100". */
static void
test_interim (void)
{
  Http h = { .script = script_canned,
             .response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type:text\r\n"
                         "Content-Length:127\r\n\r\n" LOADER_DESC };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  g_assert_cmpuint (strlen (LOADER_DESC), ==, 127);
  desc = fetch (&h, WAIT_MS, NULL, &elapsed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (desc->uuid, ==, "loader");
  g_assert_true (ota_description_needs_stage_two (desc));
}

static void
test_silent (void)
{
  Http h = { .script = script_silent };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  desc = fetch (&h, 300, NULL, &elapsed, &error);
  g_assert_null (desc);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT);
  /* the same text whether the wait or the loop's own deadline check fires */
  g_assert_nonnull (strstr (error->message,
                            "device description: the device's web server did not answer in time"));
  g_assert_cmpint (elapsed, >=, 290);
  g_assert_cmpint (elapsed, <, 300 + 1000);
  g_assert_true (h.saw_close);
}

static void
test_refused (void)
{
  guint16 port = ota_test_closed_port ();
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;

  desc = ota_http_fetch_description ("127.0.0.1", port, WAIT_MS, NULL, &error);
  g_assert_null (desc);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_NOT_REACHABLE);
}

/* A 1 MiB body is refused from its Content-Length, before it is read. */
static void
test_huge_body (void)
{
  Http h = { .script = script_huge_body };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  desc = fetch (&h, WAIT_MS, NULL, &elapsed, &error);
  g_assert_null (desc);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "1048576"));
  g_assert_cmpint (elapsed, <, WAIT_MS / 2);
  g_assert_true (h.saw_close);
}

/* Endless headers: refused at the header limit. */
static void
test_huge_header (void)
{
  Http h = { .script = script_huge_header };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  desc = fetch (&h, WAIT_MS, NULL, &elapsed, &error);
  g_assert_null (desc);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_cmpint (elapsed, <, WAIT_MS / 2);
  g_assert_true (h.saw_close);
}

static void
test_cancel (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Http h = { .script = script_cancel, .cancel = cancellable };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  gint64 elapsed;

  desc = fetch (&h, 10000, cancellable, &elapsed, &error);
  g_assert_null (desc);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (elapsed, <, 3000); /* well before the 10 s timeout */
  g_assert_true (h.saw_close);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/http-client/main-firmware", test_main_firmware);
  g_test_add_func ("/ota/http-client/loader-stub", test_loader_stub);
  g_test_add_func ("/ota/http-client/get", test_get);
  g_test_add_data_func ("/ota/http-client/status/404", &not_found, test_canned);
  g_test_add_data_func ("/ota/http-client/status/404-no-length", &not_found_no_length, test_canned);
  g_test_add_data_func ("/ota/http-client/status/500", &server_error, test_canned);
  g_test_add_data_func ("/ota/http-client/no-content-length", &no_length, test_canned);
  g_test_add_data_func ("/ota/http-client/not-json", &not_json, test_canned);
  g_test_add_data_func ("/ota/http-client/not-http", &not_http, test_canned);
  g_test_add_func ("/ota/http-client/interim-100", test_interim);
  g_test_add_func ("/ota/http-client/timeout", test_silent);
  g_test_add_func ("/ota/http-client/refused", test_refused);
  g_test_add_func ("/ota/http-client/huge-body", test_huge_body);
  g_test_add_func ("/ota/http-client/huge-header", test_huge_header);
  g_test_add_func ("/ota/http-client/cancel", test_cancel);
  return g_test_run ();
}
