/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>

#include "ota-ctp-decoder.h"
#include "ota-ctp-frame.h"
#include "ota-error.h"

/* protocol.md section 2: the first request, 67 bytes */
static const guint8 app_access_bytes[] = {
  0x43, 0x54, 0x50, 0x3a, 0x0a, 0x00, 0x41, 0x50, 0x50, 0x5f, 0x41, 0x43, 0x43, 0x45,
  0x53, 0x53, 0x2f, 0x00, 0x00, 0x00, '{',  '"',  'o',  'p',  '"',  ':',  '"',  'P',
  'U',  'T',  '"',  ',',  '"',  'p',  'a',  'r',  'a',  'm',  '"',  ':',  '{',  '"',
  't',  'y',  'p',  'e',  '"',  ':',  '"',  '0',  '"',  ',',  '"',  'v',  'e',  'r',
  '"',  ':',  '"',  '2',  '0',  '9',  '0',  '6',  '"',  '}',  '}',
};

#define APP_ACCESS_BODY "{\"op\":\"PUT\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}"

static GBytes *
encode_str (const gchar *topic, const gchar *content)
{
  return ota_ctp_frame_encode (topic, content, strlen (content));
}

static void
test_app_access_bytes (void)
{
  g_autofree gchar *req
      = ota_ctp_request_build ("PUT", "type", "0", "ver", OTA_CTP_APP_VERSION, NULL);
  g_autoptr (GBytes) frame = NULL;
  gsize n;
  const guint8 *p;

  g_assert_cmpuint (sizeof app_access_bytes, ==, 67);
  g_assert_cmpstr (req, ==, "{\"op\":\"PUT\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}");
  frame = ota_ctp_frame_encode (OTA_CTP_TOPIC_APP_ACCESS, req, strlen (req));
  p = g_bytes_get_data (frame, &n);
  g_assert_cmpmem (p, n, app_access_bytes, sizeof app_access_bytes);
}

static void
test_encode_empty_and_no_params (void)
{
  static const guint8 keep_alive[] = {
    'C', 'T', 'P', ':', 0x0e, 0x00, 'C', 'T', 'P',  '_',  'K',  'E',
    'E', 'P', '_', 'A', 'L',  'I',  'V', 'E', 0x00, 0x00, 0x00, 0x00,
  };
  g_autoptr (GBytes) frame = ota_ctp_frame_encode (OTA_CTP_TOPIC_KEEP_ALIVE, NULL, 0);
  g_autofree gchar *get = ota_ctp_request_build ("GET", NULL, NULL);
  g_autofree gchar *single = ota_ctp_request_build ("PUT", "status", "1", NULL);
  g_autofree gchar *quoted = ota_ctp_request_build ("PUT", "k\"", "a\\b", NULL);
  gsize n;
  const guint8 *p = g_bytes_get_data (frame, &n);

  g_assert_cmpmem (p, n, keep_alive, sizeof keep_alive);
  g_assert_cmpstr (get, ==, "{\"op\":\"GET\",\"param\":{}}");
  g_assert_cmpstr (single, ==, "{\"op\":\"PUT\",\"param\":{\"status\":\"1\"}}");
  g_assert_cmpstr (quoted, ==, "{\"op\":\"PUT\",\"param\":{\"k\\\"\":\"a\\\\b\"}}");
}

static void
test_frame_new (void)
{
  static const gchar with_nul[] = { 'a', '\0', 'b' };
  g_autoptr (OtaCtpFrame) frame = ota_ctp_frame_new ("T", with_nul, sizeof with_nul);
  g_autoptr (OtaCtpFrame) empty = ota_ctp_frame_new ("E", NULL, 0);

  g_assert_cmpstr (frame->topic, ==, "T");
  g_assert_cmpuint (frame->content_len, ==, 3);
  g_assert_cmpmem (frame->content, 3, with_nul, 3);
  g_assert_cmpint (frame->content[3], ==, '\0');
  g_assert_cmpstr (empty->content, ==, "");
  g_assert_cmpuint (empty->content_len, ==, 0);
}

static void
test_message_notify (void)
{
  const gchar *json = "{\"op\":\"NOTIFY\",\"param\":{\"type\":\"0\",\"ver\":\"20906\",\"n\":5}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpMessage) msg = ota_ctp_message_parse (json, strlen (json), &error);

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  g_assert_cmpstr (msg->op, ==, "NOTIFY");
  g_assert_cmpint (msg->err_no, ==, -1);
  g_assert_false (msg->has_errno);
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "type"), ==, "0");
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "ver"), ==, "20906");
  g_assert_null (ota_ctp_message_get_param (msg, "n")); /* not a string */
  g_assert_null (ota_ctp_message_get_param (msg, "missing"));
}

static void
test_message_errno (void)
{
  const gchar *as_number = "{\"op\":\"NOTIFY\",\"errno\":3,\"param\":{\"msg\":\"CTP_ACCESS\"}}";
  const gchar *as_string = " {\"op\":\"NOTIFY\",\"errno\":\"12\"}\r\n";
  const gchar *bad = "{\"op\":\"NOTIFY\",\"errno\":\"x\"}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpMessage) m1 = ota_ctp_message_parse (as_number, strlen (as_number), &error);
  g_autoptr (OtaCtpMessage) m2 = NULL;
  g_autoptr (OtaCtpMessage) m3 = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (m1->err_no, ==, OTA_CTP_ERRNO_ACCESS_REFUSED);
  g_assert_cmpstr (ota_ctp_message_get_param (m1, "msg"), ==, "CTP_ACCESS");

  m2 = ota_ctp_message_parse (as_string, strlen (as_string), &error);
  g_assert_no_error (error);
  g_assert_cmpint (m2->err_no, ==, OTA_CTP_ERRNO_SYSTEM);
  g_assert_null (m2->param);
  g_assert_null (ota_ctp_message_get_param (m2, "msg"));

  m3 = ota_ctp_message_parse (bad, strlen (bad), &error);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_null (m3);
}

/* A negative errno is an errno, not "no errno" (-1 was both). */
static void
test_message_errno_negative (void)
{
  const gchar *minus_one = "{\"op\":\"NOTIFY\",\"errno\":-1}";
  const gchar *minus_five = "{\"op\":\"NOTIFY\",\"errno\":\"-5\"}";
  const gchar *zero = "{\"op\":\"NOTIFY\",\"errno\":0}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpMessage) m1 = ota_ctp_message_parse (minus_one, strlen (minus_one), &error);
  g_autoptr (OtaCtpMessage) m2 = ota_ctp_message_parse (minus_five, strlen (minus_five), &error);
  g_autoptr (OtaCtpMessage) m3 = ota_ctp_message_parse (zero, strlen (zero), &error);

  g_assert_no_error (error);
  g_assert_true (m1->has_errno);
  g_assert_cmpint (m1->err_no, ==, -1);
  g_assert_true (m2->has_errno);
  g_assert_cmpint (m2->err_no, ==, -5);
  g_assert_true (m3->has_errno);
  g_assert_cmpint (m3->err_no, ==, 0);
}

/* A parameter as the device sent it, whatever its type. */
static void
test_message_describe_param (void)
{
  const gchar *json = "{\"op\":\"NOTIFY\",\"param\":{\"s\":\"1\",\"n\":1,\"b\":true,"
                      "\"z\":null,\"a\":[1],\"o\":{\"k\":\"v\"},\"esc\":\"\\u001b[2J\"}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpMessage) msg = ota_ctp_message_parse (json, strlen (json), &error);
  const struct {
    const gchar *key;
    const gchar *shown;
  } cases[] = {
    { "s", "1" },
    { "n", "1 (a number)" },
    { "b", "true (not a string)" },
    { "z", "null (not a string)" },
    { "a", "[1] (a list)" },
    { "o", "{\"k\":\"v\"} (an object)" },
    { "nope", "missing" },
    { "esc", "\xe2\x90\x9b[2J" },
  };

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree gchar *shown = ota_ctp_message_describe_param (msg, cases[i].key);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

static void
check_parse_fails (const gchar *content, gsize len, const gchar *expect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpMessage) msg = ota_ctp_message_parse (content, len, &error);

  g_assert_null (msg);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  if (strstr (error->message, expect) == NULL)
    g_error ("'%s' does not contain '%s'", error->message, expect);
}

static void
test_message_invalid (void)
{
  static const gchar with_nul[] = "{\"op\":\"NOTIFY\"}\0{}";
  static const gchar nul_inside[] = "{\"op\":\"NO\0TIFY\"}";
  const gchar *s;

  check_parse_fails ("", 0, "no content");
  check_parse_fails (with_nul, sizeof with_nul - 1, "NUL");
  check_parse_fails (nul_inside, sizeof nul_inside - 1, "NUL");
  s = "{\"op\":\"NOTIFY\"";
  check_parse_fails (s, strlen (s), "not valid JSON");
  s = "{\"op\":\"NOTIFY\"} x";
  check_parse_fails (s, strlen (s), "after the JSON");
  s = "[\"op\"]";
  check_parse_fails (s, strlen (s), "not a JSON object");
  s = "{\"param\":{}}";
  check_parse_fails (s, strlen (s), "\"op\"");
  s = "{\"op\":3}";
  check_parse_fails (s, strlen (s), "\"op\"");
  /* the length is honoured: the parser never reads beyond it */
  s = "{\"op\":\"PUT\"}garbage";
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (OtaCtpMessage) msg = ota_ctp_message_parse (s, 12, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (msg->op, ==, "PUT");
  }
}

static void
test_errno_strings (void)
{
  g_assert_nonnull (strstr (ota_ctp_errno_to_string (3), "another app"));
  g_assert_nonnull (strstr (ota_ctp_errno_to_string (5), "version"));
  g_assert_nonnull (strstr (ota_ctp_errno_to_string (6), "unknown"));
  g_assert_nonnull (strstr (ota_ctp_errno_to_string (7), "USB"));
  g_assert_nonnull (strstr (ota_ctp_errno_to_string (12), "system"));
  g_assert_nonnull (strstr (ota_ctp_errno_to_string (99), "unknown error"));
  g_assert_nonnull (ota_ctp_errno_to_string (-1));
}

static void
assert_frame (OtaCtpFrame *frame, const gchar *topic, const gchar *content)
{
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, topic);
  g_assert_cmpmem (frame->content, frame->content_len, content, strlen (content));
  g_assert_cmpint (frame->content[frame->content_len], ==, '\0');
}

static void
test_decoder_byte_at_a_time (void)
{
  g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpFrame) frame = NULL;

  for (gsize i = 0; i < sizeof app_access_bytes; i++)
    {
      g_assert_null (ota_ctp_decoder_pop (dec));
      g_assert_cmpuint (ota_ctp_decoder_get_pending (dec), ==, i);
      g_assert_true (ota_ctp_decoder_feed (dec, app_access_bytes + i, 1, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpuint (ota_ctp_decoder_get_pending (dec), ==, 0);
  frame = ota_ctp_decoder_pop (dec);
  assert_frame (frame, "APP_ACCESS", APP_ACCESS_BODY);
  g_assert_null (ota_ctp_decoder_pop (dec));
}

static void
test_decoder_back_to_back (void)
{
  /* the reply, then the burst the main firmware pushes on its own, then the
   * reply to the next command, all in one recv() */
  const gchar *contents[] = {
    "{\"op\":\"NOTIFY\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}",
    "{\"op\":\"NOTIFY\",\"param\":{\"online\":\"1\"}}",
    "",
    "{\"op\":\"NOTIFY\",\"param\":{\"status\":\"1\"}}",
  };
  const gchar *topics[] = { "APP_ACCESS", "SD_STATUS", "CTP_KEEP_ALIVE", "NET_OTA_SINGLE" };
  g_autoptr (GByteArray) stream = g_byte_array_new ();
  g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autoptr (GBytes) b = encode_str (topics[i], contents[i]);
      g_byte_array_append (stream, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
    }
  /* and half of the next frame */
  g_byte_array_append (stream, app_access_bytes, 30);

  g_assert_true (ota_ctp_decoder_feed (dec, stream->data, stream->len, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autoptr (OtaCtpFrame) frame = ota_ctp_decoder_pop (dec);
      assert_frame (frame, topics[i], contents[i]);
    }
  g_assert_null (ota_ctp_decoder_pop (dec));
  g_assert_cmpuint (ota_ctp_decoder_get_pending (dec), ==, 30);

  g_assert_true (
      ota_ctp_decoder_feed (dec, app_access_bytes + 30, sizeof app_access_bytes - 30, &error));
  {
    g_autoptr (OtaCtpFrame) frame = ota_ctp_decoder_pop (dec);
    assert_frame (frame, "APP_ACCESS", APP_ACCESS_BODY);
  }
  g_assert_cmpuint (ota_ctp_decoder_get_pending (dec), ==, 0);
}

static void
test_decoder_split_everywhere (void)
{
  g_autoptr (GBytes) a
      = encode_str ("NET_OTA_SINGLE", "{\"op\":\"NOTIFY\",\"param\":{\"status\":\"1\"}}");
  g_autoptr (GBytes) b
      = encode_str ("BAT_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"level\":\"4\"}}");
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  g_byte_array_append (stream, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  g_byte_array_append (stream, g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  for (guint cut = 0; cut <= stream->len; cut++)
    {
      g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();
      g_autoptr (GError) error = NULL;
      g_autoptr (OtaCtpFrame) f1 = NULL;
      g_autoptr (OtaCtpFrame) f2 = NULL;

      g_assert_true (ota_ctp_decoder_feed (dec, stream->data, cut, &error));
      g_assert_true (ota_ctp_decoder_feed (dec, stream->data + cut, stream->len - cut, &error));
      g_assert_no_error (error);
      f1 = ota_ctp_decoder_pop (dec);
      f2 = ota_ctp_decoder_pop (dec);
      assert_frame (f1, "NET_OTA_SINGLE", "{\"op\":\"NOTIFY\",\"param\":{\"status\":\"1\"}}");
      assert_frame (f2, "BAT_STATUS", "{\"op\":\"NOTIFY\",\"param\":{\"level\":\"4\"}}");
      g_assert_null (ota_ctp_decoder_pop (dec));
    }
}

static void
test_decoder_bad_magic (void)
{
  g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaCtpFrame) frame = NULL;
  g_autoptr (GByteArray) stream = g_byte_array_new ();

  /* a good frame, then garbage: the good one is still delivered */
  g_byte_array_append (stream, app_access_bytes, sizeof app_access_bytes);
  g_byte_array_append (stream, (const guint8 *) "CTX:", 4);
  g_assert_false (ota_ctp_decoder_feed (dec, stream->data, stream->len, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "0x58"));
  g_clear_error (&error);
  frame = ota_ctp_decoder_pop (dec);
  assert_frame (frame, "APP_ACCESS", APP_ACCESS_BODY);

  /* it stays failed, like the device */
  g_assert_false (ota_ctp_decoder_feed (dec, app_access_bytes, sizeof app_access_bytes, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_null (ota_ctp_decoder_pop (dec));
}

static void
test_decoder_limits (void)
{
  /* "CTP:" 4 "ABCD" ff ff ff ff: a 4 GiB content length */
  static const guint8 huge[] = {
    'C', 'T', 'P', ':', 4, 0, 'A', 'B', 'C', 'D', 0xff, 0xff, 0xff, 0xff,
  };
  static const guint8 long_topic[] = { 'C', 'T', 'P', ':', OTA_CTP_MAX_TOPIC + 1, 0 };
  static const guint8 no_topic[] = { 'C', 'T', 'P', ':', 0, 0 };
  static const guint8 bad_topic[] = { 'C', 'T', 'P', ':', 2, 0, 'A', '\n' };
  guint8 at_limit[14] = { 'C', 'T', 'P', ':', 4, 0, 'A', 'B', 'C', 'D' };
  g_autoptr (GError) error = NULL;

  {
    g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();

    /* refused at the last length byte, without waiting for the content */
    for (gsize i = 0; i + 1 < sizeof huge; i++)
      g_assert_true (ota_ctp_decoder_feed (dec, huge + i, 1, &error));
    g_assert_cmpuint (ota_ctp_decoder_get_pending (dec), ==, sizeof huge - 1);
    g_assert_false (ota_ctp_decoder_feed (dec, huge + sizeof huge - 1, 1, &error));
    g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "4294967295"));
    g_clear_error (&error);
  }
  {
    g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();

    g_assert_false (ota_ctp_decoder_feed (dec, long_topic, sizeof long_topic, &error));
    g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "topic length 129"));
    g_clear_error (&error);
  }
  {
    g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();

    g_assert_false (ota_ctp_decoder_feed (dec, no_topic, sizeof no_topic, &error));
    g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
    g_clear_error (&error);
  }
  {
    g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();

    g_assert_false (ota_ctp_decoder_feed (dec, bad_topic, sizeof bad_topic, &error));
    g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
    g_assert_nonnull (strstr (error->message, "printable"));
    g_clear_error (&error);
  }
  {
    /* exactly the limit is fine, one more byte is not */
    g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();
    g_autoptr (OtaCtpDecoder) dec2 = ota_ctp_decoder_new ();
    g_autofree guint8 *content = g_malloc (OTA_CTP_MAX_CONTENT);
    g_autoptr (OtaCtpFrame) frame = NULL;

    memset (content, 'x', OTA_CTP_MAX_CONTENT);
    at_limit[10] = OTA_CTP_MAX_CONTENT & 0xFF;
    at_limit[11] = (OTA_CTP_MAX_CONTENT >> 8) & 0xFF;
    at_limit[12] = (OTA_CTP_MAX_CONTENT >> 16) & 0xFF;
    g_assert_true (ota_ctp_decoder_feed (dec, at_limit, sizeof at_limit, &error));
    g_assert_true (ota_ctp_decoder_feed (dec, content, OTA_CTP_MAX_CONTENT, &error));
    g_assert_no_error (error);
    frame = ota_ctp_decoder_pop (dec);
    g_assert_nonnull (frame);
    g_assert_cmpuint (frame->content_len, ==, OTA_CTP_MAX_CONTENT);

    at_limit[10]++;
    g_assert_false (ota_ctp_decoder_feed (dec2, at_limit, sizeof at_limit, &error));
    g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/ctp/frame/app-access-bytes", test_app_access_bytes);
  g_test_add_func ("/ota/ctp/frame/empty-and-no-params", test_encode_empty_and_no_params);
  g_test_add_func ("/ota/ctp/frame/new", test_frame_new);
  g_test_add_func ("/ota/ctp/message/notify", test_message_notify);
  g_test_add_func ("/ota/ctp/message/errno", test_message_errno);
  g_test_add_func ("/ota/ctp/message/invalid", test_message_invalid);
  g_test_add_func ("/ota/ctp/errno-strings", test_errno_strings);
  g_test_add_func ("/ota/ctp/decoder/byte-at-a-time", test_decoder_byte_at_a_time);
  g_test_add_func ("/ota/ctp/decoder/back-to-back", test_decoder_back_to_back);
  g_test_add_func ("/ota/ctp/decoder/split-everywhere", test_decoder_split_everywhere);
  g_test_add_func ("/ota/ctp/decoder/bad-magic", test_decoder_bad_magic);
  g_test_add_func ("/ota/ctp/decoder/limits", test_decoder_limits);
  g_test_add_func ("/ota/ctp/message/errno-negative", test_message_errno_negative);
  g_test_add_func ("/ota/ctp/message/describe-param", test_message_describe_param);
  return g_test_run ();
}
