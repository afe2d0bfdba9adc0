/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestHostile"

/* A hostile device: what the emulator cannot do, served by fake servers in
 * this process on 127.0.0.1 port 0, and driven with the real
 * `otaflash --cli`: absurd lengths, endless or dripping answers, broken
 * JSON, junk on the data channel. Plus the emulator's own hostile requests
 * (READ beyond the end, READ > 42 KiB, garbage instead of a header, a bad
 * checksum). Every case must end with a clear error (exit code and message
 * asserted) within a bound derived from --timeout, with the flasher's peak
 * resident memory bounded. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ota-ctp-frame.h"
#include "ota-le.h"
#include "ota-net-header.h"
#include "ota-test-cli.h"
#include "ota-test-emu.h"
#include "ota-test-peer.h"

/* Peak resident memory allowed to the flasher. AddressSanitizer has its
 * own bookkeeping and keeps freed memory in quarantine (256 MiB by
 * default, filled by a flood of small frames): a larger bound, and a small
 * quarantine for the flashers started here (see main). */
#if defined(__SANITIZE_ADDRESS__)
#define OTA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OTA_ASAN 1
#endif
#endif
#ifdef OTA_ASAN
#define MAX_RSS_KIB (128 * 1024)
#else
#define MAX_RSS_KIB (64 * 1024)
#endif

#define DESC_FMT                                                                                   \
  "{\"app_list\":{\"match_android_ver\":[\"1.0\",\"2.0\"]},\"device_type\":\"1\","                 \
  "\"product_type\":\"AC79x_wifi_camera\",\"ota_type\":\"1\",\"ota_step\":\"%s\","                 \
  "\"firmware_version\":\"1.0.1\",\"match_app_type\":\"DVRunning 2\",\"uuid\":\"hostile\"}"

/* ---- a fake server: accepts connections one after the other ----------------------- */

typedef struct _Fake Fake;
typedef void (*FakeFunc) (Fake *fake, GSocket *socket, guint index);

struct _Fake {
  GSocketListener *listener;
  guint16 port;
  GCancellable *cancellable;
  GThread *thread;
  FakeFunc func;
  gint kind; /* what the script does, per test */
  gint stop; /* atomic: the test is over */
  gint connections;
  gint bytes_sent; /* atomic, scripts that stream */
};

static gboolean
fake_stopped (Fake *fake)
{
  return g_atomic_int_get (&fake->stop) != 0;
}

static gpointer
fake_thread_cb (gpointer data)
{
  Fake *fake = data;

  for (guint i = 0; !fake_stopped (fake); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketConnection) conn
          = g_socket_listener_accept (fake->listener, NULL, fake->cancellable, &error);
      GSocket *socket;

      if (conn == NULL)
        break;
      g_atomic_int_inc (&fake->connections);
      socket = g_socket_connection_get_socket (conn);
      g_socket_set_blocking (socket, TRUE);
      /* no script can block for ever: every socket call gives up after 10 s */
      g_socket_set_timeout (socket, 10);
      fake->func (fake, socket, i);
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }
  return NULL;
}

static Fake *
fake_new (FakeFunc func, gint kind)
{
  Fake *fake = g_new0 (Fake, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) error = NULL;

  fake->listener = g_socket_listener_new ();
  g_socket_listener_add_address (fake->listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  fake->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  fake->cancellable = g_cancellable_new ();
  fake->func = func;
  fake->kind = kind;
  fake->thread = g_thread_new ("fake-device", fake_thread_cb, fake);
  return fake;
}

static void
fake_free (Fake *fake)
{
  if (fake == NULL)
    return;
  g_atomic_int_set (&fake->stop, 1);
  g_cancellable_cancel (fake->cancellable);
  g_thread_join (fake->thread);
  g_socket_listener_close (fake->listener);
  g_object_unref (fake->listener);
  g_object_unref (fake->cancellable);
  g_free (fake);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fake, fake_free)

/* Reads until the end of an HTTP request (or anything, for other
 * channels), at most 5 s. */
static gboolean
read_request (GSocket *socket, gboolean http)
{
  g_autoptr (GString) req = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!http || strstr (req->str, "\r\n\r\n") == NULL)
    {
      guint8 buf[4096];
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      gssize n;

      if (left_ms <= 0)
        return FALSE;
      n = ota_test_recv_some (socket, buf, sizeof buf, (guint) left_ms);
      if (n <= 0)
        return FALSE;
      g_string_append_len (req, (const gchar *) buf, n);
      if (!http)
        return TRUE;
    }
  return TRUE;
}

/* Waits until the flasher closes the connection (or the test ends). */
static void
wait_close (Fake *fake, GSocket *socket)
{
  while (!fake_stopped (fake) && ota_test_wait_close (socket, 500) < 0)
    ;
}

/* Sends @text one byte at a time, @gap_ms apart, until done or the peer
 * is gone. */
static void
drip (Fake *fake, GSocket *socket, const gchar *text, guint gap_ms)
{
  for (const gchar *p = text; *p != '\0' && !fake_stopped (fake); p++)
    {
      if (!ota_test_try_send (socket, p, 1))
        return;
      g_atomic_int_inc (&fake->bytes_sent);
      /* the device's pace: this sleep is the behaviour under test */
      g_usleep (gap_ms * 1000);
    }
}

/* ---- the device's web server ------------------------------------------------------- */

typedef enum {
  HTTP_STEP0,        /* a good description, main firmware */
  HTTP_STEP1,        /* a good description, updater */
  HTTP_NO_LENGTH,    /* 200 without Content-Length, then stays open */
  HTTP_HUGE,         /* Content-Length 100 MB, and streams it */
  HTTP_DRIP,         /* one byte per second */
  HTTP_MALFORMED,    /* invalid JSON */
  HTTP_NUL,          /* JSON with NUL bytes */
  HTTP_NO_OTA_TYPE,  /* a description without ota_type */
  HTTP_BOOL_FIELDS,  /* ota_type and ota_step of the wrong type */
  HTTP_DEEP,         /* 60000 nested arrays */
  HTTP_NOT_HTTP,     /* an SSH banner */
  HTTP_HEADER_FLOOD, /* headers without end */
  HTTP_CLOSE,        /* closes without an answer */
  HTTP_NOT_OBJECT,   /* a JSON array */
  HTTP_FORGED,       /* escape sequences, C1 controls and bad UTF-8 in the fields */
} HttpKind;

/* A description whose strings try to take over a terminal: clear the screen
 * and print a forged success line, a C1 CSI (U+009B), a bare CR, and bytes
 * that are not UTF-8. */
static const gchar forged_desc[]
    = "{\"product_type\":\"cam\\u001b[2J\\u001b[1;1HSuccess: the device restarted\","
      "\"ota_type\":\"1\",\"ota_step\":\"0\",\"firmware_version\":\"1.0\\u009b31m\\r9\","
      "\"uuid\":\"\xff\xfe-uuid\",\"match_app_type\":\"x\\u0007\\u007f\"}";

static void
send_response (GSocket *socket, const gchar *body, gsize len)
{
  g_autofree gchar *head = g_strdup_printf (
      "HTTP/1.1 200 OK\r\nContent-Type:text\r\nContent-Length:%" G_GSIZE_FORMAT "\r\n\r\n", len);

  if (ota_test_try_send (socket, head, strlen (head)))
    ota_test_try_send (socket, body, len);
}

static void
http_cb (Fake *fake, GSocket *socket, guint index)
{
  /* the request is read first: a close with unread data would be a reset */
  if (!read_request (socket, TRUE))
    return;

  switch ((HttpKind) fake->kind)
    {
    case HTTP_STEP0:
      case HTTP_STEP1: {
        g_autofree gchar *desc = g_strdup_printf (DESC_FMT, fake->kind == HTTP_STEP0 ? "0" : "1");
        send_response (socket, desc, strlen (desc));
        break;
      }
      case HTTP_NO_LENGTH: {
        g_autofree gchar *desc = g_strdup_printf (DESC_FMT, "0");
        g_autofree gchar *all
            = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text\r\n\r\n%s", desc);
        ota_test_try_send (socket, all, strlen (all));
        break;
      }
      case HTTP_HUGE: {
        const gchar *head = "HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n";
        g_autofree gchar *chunk = g_malloc (64 * 1024);

        memset (chunk, '{', 64 * 1024);
        if (!ota_test_try_send (socket, head, strlen (head)))
          return;
        for (guint i = 0; i < 1600 && !fake_stopped (fake); i++)
          {
            if (!ota_test_try_send (socket, chunk, 64 * 1024))
              break;
            g_atomic_int_add (&fake->bytes_sent, 64 * 1024);
          }
        break;
      }
      case HTTP_DRIP: {
        g_autofree gchar *desc = g_strdup_printf (DESC_FMT, "0");
        g_autofree gchar *all
            = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                               strlen (desc), desc);
        drip (fake, socket, all, 1000);
        break;
      }
      case HTTP_MALFORMED: {
        const gchar *body = "{\"ota_type\":\"1\",\"ota_step\":\"0\",\"firmware_version\":";
        send_response (socket, body, strlen (body));
        break;
      }
      case HTTP_NUL: {
        static const gchar body[] = "{\"ota_type\":\"1\",\0\"ota_step\":\"0\"}";
        send_response (socket, body, sizeof body - 1);
        break;
      }
      case HTTP_NO_OTA_TYPE: {
        const gchar *body = "{\"ota_step\":\"0\",\"firmware_version\":\"1.0.1\"}";
        send_response (socket, body, strlen (body));
        break;
      }
      case HTTP_BOOL_FIELDS: {
        const gchar *body = "{\"ota_type\":true,\"ota_step\":[0],\"firmware_version\":\"1.0.1\"}";
        send_response (socket, body, strlen (body));
        break;
      }
      case HTTP_DEEP: {
        g_autofree gchar *body = g_malloc (60000);
        memset (body, '[', 60000);
        send_response (socket, body, 60000);
        break;
      }
    case HTTP_NOT_HTTP:
      ota_test_try_send (socket, "SSH-2.0-OpenSSH_9.2\r\n", 21);
      break;
      case HTTP_HEADER_FLOOD: {
        const gchar *line = "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        if (!ota_test_try_send (socket, "HTTP/1.1 200 OK\r\n", 17))
          return;
        for (guint i = 0; i < 100000 && !fake_stopped (fake); i++)
          if (!ota_test_try_send (socket, line, strlen (line)))
            break;
        break;
      }
    case HTTP_NOT_OBJECT:
      send_response (socket, "[\"ota_type\",\"1\"]", 16);
      break;
    case HTTP_FORGED:
      send_response (socket, forged_desc, strlen (forged_desc));
      break;
    case HTTP_CLOSE:
    default:
      return;
    }
  wait_close (fake, socket);
}

/* ---- the device's control channel -------------------------------------------------- */

typedef enum {
  CTP_OK,       /* answers APP_ACCESS properly, then stays silent */
  CTP_HUGE_LEN, /* a reply announcing 4 GiB of content */
  CTP_DRIP,     /* the reply one byte every 0.5 s */
  CTP_FLOOD,    /* unrelated notifications without end, never the reply */
  CTP_BAD_JSON, /* a reply that is not JSON */
  CTP_NUL_JSON, /* a reply with a NUL byte in its JSON */
  CTP_NOT_CTP,  /* bytes that are not CTP framing */
} CtpKind;

static GBytes *
ctp_reply (const gchar *topic, const gchar *content, gsize len)
{
  return ota_ctp_frame_encode (topic, content, len);
}

static void
ctp_cb (Fake *fake, GSocket *socket, guint index)
{
  const gchar *ok = "{\"op\":\"NOTIFY\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}";

  if (!read_request (socket, FALSE))
    return;
  switch ((CtpKind) fake->kind)
    {
      case CTP_OK: {
        g_autoptr (GBytes) frame = ctp_reply (OTA_CTP_TOPIC_APP_ACCESS, ok, strlen (ok));
        ota_test_try_send (socket, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
        break;
      }
      case CTP_HUGE_LEN: {
        guint8 head[4 + 2 + 10 + 4];

        memcpy (head, "CTP:", 4);
        ota_le16_put (head + 4, 10);
        memcpy (head + 6, "APP_ACCESS", 10);
        ota_le32_put (head + 16, G_MAXUINT32);
        if (ota_test_try_send (socket, head, sizeof head))
          ota_test_try_send (socket, "{\"op\":\"NOTIFY\"", 14);
        break;
      }
      case CTP_DRIP: {
        g_autoptr (GBytes) frame = ctp_reply (OTA_CTP_TOPIC_APP_ACCESS, ok, strlen (ok));
        gsize len = 0;
        const guint8 *data = g_bytes_get_data (frame, &len);

        for (gsize i = 0; i < len && !fake_stopped (fake); i++)
          {
            if (!ota_test_try_send (socket, data + i, 1))
              break;
            g_usleep (500 * 1000);
          }
        break;
      }
      case CTP_FLOOD: {
        const gchar *note = "{\"op\":\"NOTIFY\",\"param\":{\"online\":\"1\"}}";
        g_autoptr (GBytes) frame = ctp_reply ("SD_STATUS", note, strlen (note));

        while (!fake_stopped (fake))
          {
            if (!ota_test_try_send (socket, g_bytes_get_data (frame, NULL),
                                    g_bytes_get_size (frame)))
              break;
            g_atomic_int_add (&fake->bytes_sent, (gint) g_bytes_get_size (frame));
          }
        break;
      }
      case CTP_BAD_JSON: {
        g_autoptr (GBytes) frame = ctp_reply (OTA_CTP_TOPIC_APP_ACCESS, "{\"op\":", 6);
        ota_test_try_send (socket, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
        break;
      }
      case CTP_NUL_JSON: {
        static const gchar body[] = "{\"op\":\"NOTIFY\",\0\"param\":{}}";
        g_autoptr (GBytes) frame = ctp_reply (OTA_CTP_TOPIC_APP_ACCESS, body, sizeof body - 1);
        ota_test_try_send (socket, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
        break;
      }
    case CTP_NOT_CTP:
    default:
      ota_test_try_send (socket, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
      break;
    }
  wait_close (fake, socket);
}

/* ---- the device's data channel ----------------------------------------------------- */

typedef enum {
  OTA_BAD_SUM_FLOOD, /* headers with a wrong sum, every 100 ms, without end */
  OTA_DOING_FLOOD,   /* valid DOING messages, every 100 ms, without end */
  OTA_READ_FOREVER,  /* valid READs of the first window, again and again */
} OtaKind;

static void
send_header (GSocket *socket, guint8 status, guint32 seek, guint32 size, gboolean bad_sum,
             gboolean *ok)
{
  OtaNetHeader h = { 0 };
  guint8 raw[OTA_NET_HEADER_SIZE];

  h.status = status;
  h.seek_addr = seek;
  h.read_size = size;
  h.download_percent = 5;
  h.sum_check = ota_net_header_sum (&h) + (bad_sum ? 1 : 0);
  ota_net_header_encode (&h, raw);
  *ok = ota_test_try_send (socket, raw, sizeof raw);
}

static void
ota_cb (Fake *fake, GSocket *socket, guint index)
{
  gboolean ok = TRUE;
  g_autofree guint8 *answer = g_malloc (OTA_NET_HEADER_SIZE + OTA_NET_MAX_READ);

  while (ok && !fake_stopped (fake))
    {
      switch ((OtaKind) fake->kind)
        {
        case OTA_BAD_SUM_FLOOD:
          send_header (socket, OTA_NET_STATUS_READ, 0, 4096, TRUE, &ok);
          g_usleep (100 * 1000);
          break;
        case OTA_DOING_FLOOD:
          send_header (socket, OTA_NET_STATUS_DOING, 0, 0, FALSE, &ok);
          g_usleep (100 * 1000);
          break;
        case OTA_READ_FOREVER:
          default: {
            gsize got;

            send_header (socket, OTA_NET_STATUS_READ, 0, 4096, FALSE, &ok);
            if (!ok)
              break;
            got = ota_test_recv_exact (socket, answer, OTA_NET_HEADER_SIZE, 5000);
            if (got == OTA_NET_HEADER_SIZE && answer[16] == OTA_NET_STATUS_STOP)
              {
                /* the flasher had enough: the device answers STOP with ERR */
                send_header (socket, OTA_NET_STATUS_ERR, 0, 0, FALSE, &ok);
                ok = FALSE;
                break;
              }
            if (got != OTA_NET_HEADER_SIZE
                || ota_test_recv_exact (socket, answer, 4096, 5000) != 4096)
              ok = FALSE;
            g_atomic_int_add (&fake->bytes_sent, OTA_NET_HEADER_SIZE);
            break;
          }
        }
    }
  wait_close (fake, socket);
}

/* ---- running the flasher against fakes ---------------------------------------------- */

typedef struct {
  gchar *dir;
  gchar *ufw;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-hostile-XXXXXX", &error);
  g_assert_no_error (error);
  f->ufw = ota_test_make_ufw (f->dir, 40000, 9000, 7, "1.0.2", OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->ufw);
  g_rmdir (f->dir);
  g_free (f->ufw);
  g_free (f->dir);
}

/* A case that ends by its --timeout: it must wait that long, and end no
 * later than the timeout plus a margin for a slow, busy host (start-up, the
 * last message, a late wake-up). Under valgrind, the flasher runs many times
 * slower but the clock does not: a larger margin, still a bound. */
#define BY_TIMEOUT 0.0
#define TIMEOUT_MARGIN_S 4.0
#define WRAPPED_MARGIN_S 30.0

/* Runs otaflash --json against the given ports with --timeout @timeout_s
 * (and @extra), and checks that it ended on its own within @bound_s
 * (BY_TIMEOUT: after the timeout, within the timeout and a margin) with
 * bounded memory. */
static OtaTestCliRun *
run_bounded (guint16 ctp, guint16 http, guint16 ota, const gchar *timeout_s,
             const gchar *const *extra, gdouble bound_s)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;
  g_auto (GStrv) argv = NULL;
  gdouble timeout = g_ascii_strtod (timeout_s, NULL);
  gboolean by_timeout = bound_s == BY_TIMEOUT;
  OtaTestCliRun *r;

  g_assert_cmpfloat (timeout, >, 0);
  if (by_timeout)
    bound_s = timeout + TIMEOUT_MARGIN_S;
  if (ota_test_cli_is_wrapped ())
    bound_s += WRAPPED_MARGIN_S;

  g_strv_builder_add_many (b, "--json", "--timeout", timeout_s, "--reboot-timeout", "3",
                           "--retries", "0", NULL);
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  more = g_strv_builder_end (b);
  argv = ota_test_cli_argv_ports (ctp, http, ota, (const gchar *const *) more);
  /* killed at 4x the bound: a hang is reported below, not by the ctest timeout */
  r = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, bound_s * 4 + 10);
  ota_test_cli_check_json (r);
  if (r->elapsed_s > bound_s)
    g_error ("otaflash took %.1f s, more than %.1f s", r->elapsed_s, bound_s);
  /* its timer starts after the process does: never early */
  if (by_timeout && r->elapsed_s < timeout)
    g_error ("otaflash gave up after %.2f s, before its --timeout of %.1f s", r->elapsed_s,
             timeout);
  /* under valgrind memory is valgrind's */
  if (!r->wrapped && r->max_rss_kib > MAX_RSS_KIB)
    g_error ("otaflash used %ld KiB, more than %d KiB", r->max_rss_kib, MAX_RSS_KIB);
  g_test_message ("exit %d in %.2f s, peak RSS %ld KiB: %s", r->status, r->elapsed_s,
                  r->max_rss_kib, ota_test_cli_result_string (r, "message"));
  return r;
}

static void
assert_result (OtaTestCliRun *r, gint exit_code, const gchar *device_state, const gchar *part)
{
  if (r->status != exit_code)
    ota_test_cli_assert_contains (r, "exit code", "the expected exit code");
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "message"), part);
  g_assert_cmpstr (ota_test_cli_result_string (r, "device_state"), ==, device_state);
  g_assert_nonnull (ota_test_cli_result_string (r, "next_step"));
  /* a failure is a message, never a crash or a trace */
  g_assert_null (strstr (r->err, "CRITICAL"));
  g_assert_null (strstr (r->err, "WARNING"));
}

/* ---- description cases: only the web server answers ------------------------------- */

typedef struct {
  const gchar *path;
  HttpKind kind;
  const gchar *timeout_s;
  gdouble bound_s;
  gint exit_code;
  const gchar *device_state;
  const gchar *message;
} HttpCase;

static const HttpCase http_cases[] = {
  { "/hostile/http/no-content-length", HTTP_NO_LENGTH, "5", 4, 7, "unknown",
    "HTTP 200 response with no Content-Length" },
  { "/hostile/http/content-length-100mb", HTTP_HUGE, "5", 4, 7, "unknown",
    "more than the 65536 bytes allowed" },
  { "/hostile/http/one-byte-per-second", HTTP_DRIP, "2", BY_TIMEOUT, 3, "unknown",
    "device description: the device's web server did not answer in time" },
  { "/hostile/http/malformed-json", HTTP_MALFORMED, "5", 4, 7, "unknown", "not valid JSON" },
  { "/hostile/http/json-with-nul", HTTP_NUL, "5", 4, 7, "unknown", "NUL byte" },
  { "/hostile/http/no-ota-type", HTTP_NO_OTA_TYPE, "5", 4, 5, "unchanged", "ota_type \"missing\"" },
  /* a value of the wrong type is said as such, not as "missing" */
  { "/hostile/http/ota-type-not-a-string", HTTP_BOOL_FIELDS, "5", 4, 5, "unchanged",
    "ota_type \"true (not a string)\"" },
  { "/hostile/http/deeply-nested-json", HTTP_DEEP, "5", 4, 7, "unknown", "not valid JSON" },
  { "/hostile/http/json-array", HTTP_NOT_OBJECT, "5", 4, 7, "unknown", "not a JSON object" },
  { "/hostile/http/not-http", HTTP_NOT_HTTP, "5", 4, 7, "unknown", "did not answer with HTTP" },
  { "/hostile/http/endless-headers", HTTP_HEADER_FLOOD, "5", 4, 7, "unknown",
    "more than 8192 bytes of HTTP headers" },
  { "/hostile/http/closes-at-once", HTTP_CLOSE, "5", 4, 7, "unknown",
    "closed the connection before the end" },
};

static void
test_http (Fixture *f, gconstpointer data)
{
  const HttpCase *c = data;
  g_autoptr (Fake) http = fake_new (http_cb, c->kind);
  guint16 closed = ota_test_closed_port ();
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r
      = run_bounded (closed, http->port, closed, c->timeout_s, extra, c->bound_s);

  assert_result (r, c->exit_code, c->device_state, c->message);
  g_assert_cmpint (g_atomic_int_get (&http->connections), ==, 1);
}

/* The same broken descriptions for --info, which reads nothing else: the
 * same errors as when flashing, but the device is known to be unchanged
 * (--info never changes it). */
static void
test_http_info (Fixture *f, gconstpointer data)
{
  const HttpKind kinds[] = { HTTP_HUGE, HTTP_NUL, HTTP_MALFORMED, HTTP_NO_LENGTH };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const HttpCase *c = NULL;
      g_autoptr (Fake) http = fake_new (http_cb, kinds[i]);
      guint16 closed = ota_test_closed_port ();
      const gchar *extra[] = { "--info", NULL };
      g_autoptr (OtaTestCliRun) r = NULL;

      for (guint k = 0; k < G_N_ELEMENTS (http_cases) && c == NULL; k++)
        if (http_cases[k].kind == kinds[i])
          c = &http_cases[k];
      g_assert_nonnull (c);
      g_test_message ("%s, with --info", c->path);
      r = run_bounded (closed, http->port, closed, c->timeout_s, extra, c->bound_s);
      assert_result (r, c->exit_code, "unchanged", c->message);
      g_assert_cmpint (g_atomic_int_get (&http->connections), ==, 1);
    }
}

/* What a device says reaches the terminal as text, never as control: no
 * escape sequence, no C1 control, no carriage return, valid UTF-8 — and in
 * JSON, valid UTF-8 JSON (ota_test_cli_check_json parses every line). */
static void
test_http_terminal_injection (Fixture *f, gconstpointer data)
{
  g_autoptr (Fake) http = fake_new (http_cb, HTTP_FORGED);
  guint16 closed = ota_test_closed_port ();
  const gchar *human_extra[] = { "--info", "--timeout", "5", NULL };
  g_auto (GStrv) argv = ota_test_cli_argv_ports (closed, http->port, closed, human_extra);
  g_autoptr (OtaTestCliRun) human = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 30);
  g_autoptr (OtaTestCliRun) json = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  const gchar *json_extra[] = { "--info", NULL };

  g_assert_cmpint (human->status, ==, 0);
  for (guint i = 0; i < human->lines->len; i++)
    g_string_append_printf (out, "%s\n", (const gchar *) g_ptr_array_index (human->lines, i));
  g_string_append (out, human->err);
  g_assert_true (g_utf8_validate (out->str, -1, NULL));
  g_assert_null (strchr (out->str, '\033'));
  g_assert_null (strchr (out->str, '\r'));
  g_assert_null (strchr (out->str, '\a'));
  g_assert_null (strchr (out->str, '\177'));
  g_assert_null (strstr (out->str, "\xc2\x9b"));
  /* the text is shown, made visible, not dropped */
  g_assert_nonnull (strstr (out->str, "Success: the device restarted"));
  g_assert_nonnull (strstr (out->str, "-uuid"));
  /* no line of ours can be forged: the forged text stays inside the product line */
  for (guint i = 0; i < human->lines->len; i++)
    g_assert_false (g_str_has_prefix (g_ptr_array_index (human->lines, i), "Success"));

  json = run_bounded (closed, http->port, closed, "5", json_extra, 4);
  g_assert_cmpint (json->status, ==, 0);
  for (guint i = 0; i < json->lines->len; i++)
    g_assert_true (g_utf8_validate (g_ptr_array_index (json->lines, i), -1, NULL));
}

/* ---- control channel cases: a good description, a hostile CTP ---------------------- */

typedef struct {
  const gchar *path;
  CtpKind kind;
  const gchar *timeout_s;
  gdouble bound_s;
  gint exit_code;
  const gchar *message;
} CtpCase;

static const CtpCase ctp_cases[] = {
  { "/hostile/ctp/content-length-4gib", CTP_HUGE_LEN, "5", 4, 7,
    "announces 4294967295 bytes of content" },
  { "/hostile/ctp/one-byte-per-half-second", CTP_DRIP, "2", BY_TIMEOUT, 7,
    "no reply to APP_ACCESS from the device in time" },
  { "/hostile/ctp/endless-notifications", CTP_FLOOD, "2", BY_TIMEOUT, 7, "no reply to APP_ACCESS" },
  { "/hostile/ctp/malformed-json", CTP_BAD_JSON, "5", 4, 7, "unreadable reply to APP_ACCESS" },
  { "/hostile/ctp/json-with-nul", CTP_NUL_JSON, "5", 4, 7, "unreadable reply to APP_ACCESS" },
  { "/hostile/ctp/not-ctp", CTP_NOT_CTP, "5", 4, 7, "CTP stream out of step" },
};

static void
test_ctp (Fixture *f, gconstpointer data)
{
  const CtpCase *c = data;
  g_autoptr (Fake) http = fake_new (http_cb, HTTP_STEP0);
  g_autoptr (Fake) ctp = fake_new (ctp_cb, c->kind);
  guint16 closed = ota_test_closed_port ();
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r
      = run_bounded (ctp->port, http->port, closed, c->timeout_s, extra, c->bound_s);

  assert_result (r, c->exit_code, "unchanged", c->message);
  g_assert_cmpint (g_atomic_int_get (&ctp->connections), ==, 1);
}

/* ---- data channel cases: a device waiting for stage two, then junk on 3335 ---------- */

typedef struct {
  const gchar *path;
  OtaKind kind;
  const gchar *timeout_s;
  gdouble bound_s;
  const gchar *message;
} OtaCase;

static const OtaCase ota_cases[] = {
  { "/hostile/data/bad-checksums-without-end", OTA_BAD_SUM_FLOOD, "1", BY_TIMEOUT,
    "no valid request for 1.0 s" },
  { "/hostile/data/doing-without-end", OTA_DOING_FLOOD, "1", BY_TIMEOUT,
    "no valid request for 1.0 s" },
  { "/hostile/data/same-read-without-end", OTA_READ_FOREVER, "1", 10, "asked for more than" },
};

static void
test_data (Fixture *f, gconstpointer data)
{
  const OtaCase *c = data;
  g_autoptr (Fake) http = fake_new (http_cb, HTTP_STEP1);
  g_autoptr (Fake) ctp = fake_new (ctp_cb, CTP_OK);
  g_autoptr (Fake) ota = fake_new (ota_cb, c->kind);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r
      = run_bounded (ctp->port, http->port, ota->port, c->timeout_s, extra, c->bound_s);

  assert_result (r, 8, "needs-recovery", c->message);
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "next_step"), "WIFI_OTA_XXXXXX");
  g_assert_cmpint (g_atomic_int_get (&ota->connections), ==, 1);
}

/* ---- the emulator's hostile requests, before the point of no return ----------------- */

typedef struct {
  const gchar *path;
  const gchar *fault;
  const gchar *message;
} EmuCase;

static const EmuCase emu_cases[] = {
  { "/hostile/emulator/read-beyond-eof", "read-beyond-eof:stage=1,read=1", "beyond the end" },
  { "/hostile/emulator/read-too-large", "read-too-large:stage=1,read=1",
    "asked for 44032 bytes at once" },
  { "/hostile/emulator/garbage-header", "garbage:stage=1,read=1", "malformed message" },
  { "/hostile/emulator/bad-checksum", "bad-sum:stage=1,read=1", "malformed message" },
};

static void
test_emulator (Fixture *f, gconstpointer data)
{
  const EmuCase *c = data;
  const gchar *emu_args[] = { "--fault", c->fault, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaTestEmu) emu = ota_test_emu_start (emu_args, &error);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autofree gchar *installed = NULL;

  g_assert_no_error (error);
  r = run_bounded (emu->ctp_port, emu->http_port, emu->ota_port, "5", extra, 8);
  assert_result (r, 7, "unchanged", c->message);
  installed = ota_test_emu_get_installed_version (emu);
  g_assert_cmpstr (installed, ==, "1.0.0");
  g_assert_false (ota_test_emu_get_stage2_pending (emu));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#ifdef OTA_ASAN
  {
    const gchar *asan = g_getenv ("ASAN_OPTIONS");
    g_autofree gchar *opts = g_strdup_printf ("%s%squarantine_size_mb=8", asan != NULL ? asan : "",
                                              asan != NULL && *asan != '\0' ? ":" : "");
    g_setenv ("ASAN_OPTIONS", opts, TRUE);
  }
#endif

  for (guint i = 0; i < G_N_ELEMENTS (http_cases); i++)
    g_test_add (http_cases[i].path, Fixture, &http_cases[i], fixture_setup, test_http,
                fixture_teardown);
  g_test_add ("/hostile/http/info", Fixture, NULL, fixture_setup, test_http_info, fixture_teardown);
  g_test_add ("/hostile/http/terminal-injection", Fixture, NULL, fixture_setup,
              test_http_terminal_injection, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (ctp_cases); i++)
    g_test_add (ctp_cases[i].path, Fixture, &ctp_cases[i], fixture_setup, test_ctp,
                fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (ota_cases); i++)
    g_test_add (ota_cases[i].path, Fixture, &ota_cases[i], fixture_setup, test_data,
                fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (emu_cases); i++)
    g_test_add (emu_cases[i].path, Fixture, &emu_cases[i], fixture_setup, test_emulator,
                fixture_teardown);
  return g_test_run ();
}
