/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>

#include "ota-error.h"
#include "ota-http-parser.h"

#define BODY "{\"ota_type\":\"1\",\"ota_step\":\"1\"}"

/* The loader's stub: no space after the colons. */
static const gchar *loader_response
    = "HTTP/1.1 200 OK\r\nContent-Type:text\r\nContent-Length:31\r\n\r\n" BODY;
/* The main firmware: the usual spacing. */
static const gchar *main_response
    = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 31\r\n"
      "Connection: close\r\n\r\n" BODY;

static OtaHttpParser *
feed_all (const gchar *response, gsize len, gboolean *done, GError **error)
{
  OtaHttpParser *parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);

  if (!ota_http_parser_feed (parser, (const guint8 *) response, len, done, error))
    {
      ota_http_parser_free (parser);
      return NULL;
    }
  return parser;
}

static void
assert_parsed (OtaHttpParser *parser, const gchar *content_type)
{
  const gchar *body;
  gsize len = 0;

  g_assert_cmpuint (ota_http_parser_get_status (parser), ==, 200);
  g_assert_cmpstr (ota_http_parser_get_header (parser, "content-type"), ==, content_type);
  g_assert_cmpstr (ota_http_parser_get_header (parser, "CONTENT-LENGTH"), ==, "31");
  g_assert_null (ota_http_parser_get_header (parser, "Location"));
  body = ota_http_parser_get_body (parser, &len);
  g_assert_cmpuint (len, ==, strlen (BODY));
  g_assert_cmpstr (body, ==, BODY);
}

static void
test_no_space (void)
{
  gboolean done = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) parser
      = feed_all (loader_response, strlen (loader_response), &done, &error);

  g_assert_no_error (error);
  g_assert_true (done);
  assert_parsed (parser, "text");
}

static void
test_with_space (void)
{
  gboolean done = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) parser
      = feed_all (main_response, strlen (main_response), &done, &error);

  g_assert_no_error (error);
  g_assert_true (done);
  assert_parsed (parser, "text/plain");
  g_assert_cmpstr (ota_http_parser_get_header (parser, "Connection"), ==, "close");
}

static void
test_bare_newlines (void)
{
  const gchar *response = "HTTP/1.1 200\nContent-Length:\t31 \n\n" BODY;
  gboolean done = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) parser = feed_all (response, strlen (response), &done, &error);

  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_cmpuint (ota_http_parser_get_status (parser), ==, 200);
  g_assert_cmpstr (ota_http_parser_get_body (parser, NULL), ==, BODY);
}

static void
test_split_everywhere (void)
{
  const gchar *responses[] = { loader_response, main_response };

  for (guint r = 0; r < G_N_ELEMENTS (responses); r++)
    {
      const gchar *resp = responses[r];
      gsize total = strlen (resp);

      for (gsize cut = 0; cut <= total; cut++)
        {
          g_autoptr (OtaHttpParser) parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);
          g_autoptr (GError) error = NULL;
          gboolean done = TRUE;

          g_assert_true (ota_http_parser_feed (parser, (const guint8 *) resp, cut, &done, &error));
          g_assert_no_error (error);
          /* done exactly when the last body byte is in */
          g_assert_cmpint (done, ==, cut == total);
          if (cut < total)
            g_assert_null (ota_http_parser_get_body (parser, NULL));
          g_assert_true (ota_http_parser_feed (parser, (const guint8 *) resp + cut, total - cut,
                                               &done, &error));
          g_assert_no_error (error);
          g_assert_true (done);
          assert_parsed (parser, r == 0 ? "text" : "text/plain");
        }
    }
}

static void
test_byte_at_a_time (void)
{
  g_autoptr (OtaHttpParser) parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);
  g_autoptr (GError) error = NULL;
  gsize total = strlen (main_response);
  gboolean done = FALSE;

  for (gsize i = 0; i < total; i++)
    {
      g_assert_false (done);
      g_assert_true (
          ota_http_parser_feed (parser, (const guint8 *) main_response + i, 1, &done, &error));
    }
  g_assert_true (done);
  assert_parsed (parser, "text/plain");
}

static void
test_bytes_after_body_ignored (void)
{
  /* the loader answers every segment: a second response may follow */
  g_autofree gchar *twice = g_strconcat (loader_response, loader_response, "garbage", NULL);
  gboolean done = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) parser = feed_all (twice, strlen (twice), &done, &error);

  g_assert_no_error (error);
  g_assert_true (done);
  assert_parsed (parser, "text");
  /* and later bytes too */
  g_assert_true (ota_http_parser_feed (parser, (const guint8 *) "\0\1\2", 3, &done, &error));
  g_assert_true (done);
  assert_parsed (parser, "text");
}

static void
assert_fails (const gchar *response, gsize max_body, const gchar *expect)
{
  g_autoptr (OtaHttpParser) parser = ota_http_parser_new (max_body);
  g_autoptr (GError) error = NULL;
  gboolean done = TRUE;

  g_assert_false (
      ota_http_parser_feed (parser, (const guint8 *) response, strlen (response), &done, &error));
  g_assert_false (done);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  if (strstr (error->message, expect) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, expect);
  g_clear_error (&error);
  /* it stays failed */
  g_assert_false (ota_http_parser_feed (parser, (const guint8 *) "x", 1, &done, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
}

static void
test_missing_content_length (void)
{
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Type:text\r\n\r\n" BODY, OTA_HTTP_MAX_BODY,
                "no Content-Length");
}

static void
test_error_status_without_length (void)
{
  const gchar *response = "HTTP/1.1 404 Not Found\r\n\r\n";
  gboolean done = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) parser = feed_all (response, strlen (response), &done, &error);
  gsize len = 99;

  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_cmpuint (ota_http_parser_get_status (parser), ==, 404);
  g_assert_cmpstr (ota_http_parser_get_body (parser, &len), ==, "");
  g_assert_cmpuint (len, ==, 0);
}

static void
test_oversized_body (void)
{
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n", OTA_HTTP_MAX_BODY,
                "65537 bytes, more than the 65536 bytes allowed");
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n", 31, "more than the 31 bytes");
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
                OTA_HTTP_MAX_BODY, "more than");
  {
    /* exactly the limit is fine */
    g_autofree gchar *response = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s",
                                                  (int) strlen (BODY), BODY);
    g_autoptr (OtaHttpParser) parser = ota_http_parser_new (strlen (BODY));
    gboolean done = FALSE;

    g_assert_true (
        ota_http_parser_feed (parser, (const guint8 *) response, strlen (response), &done, NULL));
    g_assert_true (done);
  }
}

static void
test_malformed (void)
{
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", OTA_HTTP_MAX_BODY,
                "bad Content-Length");
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", OTA_HTTP_MAX_BODY,
                "bad Content-Length");
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", OTA_HTTP_MAX_BODY,
                "bad Content-Length");
  assert_fails ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                OTA_HTTP_MAX_BODY, "two different");
  assert_fails ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", OTA_HTTP_MAX_BODY, "malformed");
  assert_fails ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", OTA_HTTP_MAX_BODY, "malformed");
  assert_fails ("HTTP/1.1 2000 OK\r\n", OTA_HTTP_MAX_BODY, "status line");
  assert_fails ("HTTP/1.1 OK\r\n", OTA_HTTP_MAX_BODY, "status line");
  assert_fails ("HTTP/2 200\r\n", OTA_HTTP_MAX_BODY, "did not answer with HTTP");
  /* no line end needed to see it is not HTTP */
  assert_fails ("CTP:", OTA_HTTP_MAX_BODY, "did not answer with HTTP: 'CTP:'");
}

static void
test_header_limit (void)
{
  g_autoptr (GString) response = g_string_new ("HTTP/1.1 200 OK\r\n");
  g_autoptr (OtaHttpParser) parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);
  g_autoptr (GError) error = NULL;
  gboolean done;

  while (response->len <= OTA_HTTP_MAX_HEADER)
    g_string_append (response, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  /* a line that never ends is caught too */
  g_assert_false (
      ota_http_parser_feed (parser, (const guint8 *) response->str, response->len, &done, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "8192 bytes of HTTP headers"));
  g_clear_error (&error);

  {
    g_autoptr (OtaHttpParser) p2 = ota_http_parser_new (OTA_HTTP_MAX_BODY);
    g_autofree gchar *endless = g_strnfill (OTA_HTTP_MAX_HEADER, 'a');

    g_assert_true (
        ota_http_parser_feed (p2, (const guint8 *) "HTTP/1.1 200 OK\r\nX:", 19, &done, &error));
    g_assert_false (
        ota_http_parser_feed (p2, (const guint8 *) endless, OTA_HTTP_MAX_HEADER, &done, &error));
    g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  }
}

static void
test_empty_body (void)
{
  const gchar *response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  gboolean done = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) parser = feed_all (response, strlen (response), &done, &error);
  gsize len = 99;

  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_cmpstr (ota_http_parser_get_body (parser, &len), ==, "");
  g_assert_cmpuint (len, ==, 0);
}

/* 1xx interim responses come before the real one: skipped, whatever their
 * headers, in any split. */
static void
test_interim (void)
{
  const gchar *response = "HTTP/1.1 100 Continue\r\n\r\n"
                          "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\nContent-Length: 99\r\n\r\n"
                          "HTTP/1.1 200 OK\r\nContent-Type:text\r\nContent-Length:31\r\n\r\n" BODY;
  gsize len = strlen (response);

  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (OtaHttpParser) parser = ota_http_parser_new (OTA_HTTP_MAX_BODY);
      g_autoptr (GError) error = NULL;
      gboolean done = FALSE;

      g_assert_true (ota_http_parser_feed (parser, (const guint8 *) response, cut, &done, &error));
      g_assert_true (
          ota_http_parser_feed (parser, (const guint8 *) response + cut, len - cut, &done, &error));
      g_assert_no_error (error);
      g_assert_true (done);
      assert_parsed (parser, "text");
      g_assert_cmpuint (ota_http_parser_get_interim (parser), ==, 2);
      g_assert_null (ota_http_parser_get_header (parser, "link"));
    }
}

/* 101 is a final answer, reported as such; endless 100s hit the header
 * limit. */
static void
test_interim_limits (void)
{
  const gchar *switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n";
  g_autoptr (GString) flood = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHttpParser) p1 = NULL;
  g_autoptr (OtaHttpParser) p2 = NULL;
  gboolean done = FALSE;

  p1 = feed_all (switching, strlen (switching), &done, &error);
  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_cmpuint (ota_http_parser_get_status (p1), ==, 101);

  while (flood->len <= OTA_HTTP_MAX_HEADER)
    g_string_append (flood, "HTTP/1.1 100 Continue\r\n\r\n");
  p2 = feed_all (flood->str, flood->len, &done, &error);
  g_assert_null (p2);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "bytes of HTTP headers"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/http-parser/no-space-after-colon", test_no_space);
  g_test_add_func ("/ota/http-parser/space-after-colon", test_with_space);
  g_test_add_func ("/ota/http-parser/bare-newlines", test_bare_newlines);
  g_test_add_func ("/ota/http-parser/split-everywhere", test_split_everywhere);
  g_test_add_func ("/ota/http-parser/byte-at-a-time", test_byte_at_a_time);
  g_test_add_func ("/ota/http-parser/bytes-after-body-ignored", test_bytes_after_body_ignored);
  g_test_add_func ("/ota/http-parser/missing-content-length", test_missing_content_length);
  g_test_add_func ("/ota/http-parser/error-status-without-length",
                   test_error_status_without_length);
  g_test_add_func ("/ota/http-parser/oversized-body", test_oversized_body);
  g_test_add_func ("/ota/http-parser/malformed", test_malformed);
  g_test_add_func ("/ota/http-parser/header-limit", test_header_limit);
  g_test_add_func ("/ota/http-parser/empty-body", test_empty_body);
  g_test_add_func ("/ota/http-parser/interim", test_interim);
  g_test_add_func ("/ota/http-parser/interim-limits", test_interim_limits);
  return g_test_run ();
}
