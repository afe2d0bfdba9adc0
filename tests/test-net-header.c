/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>

#include "ota-error.h"
#include "ota-net-header.h"

static guint32
naive_sum (guint32 sum, const guint8 *data, gsize len)
{
  for (gsize i = 0; i < len; i++)
    sum += data[i];
  return sum;
}

/* A READ request as the device sends it: seek 0x1000, 20436 bytes, 5 %. */
static const guint8 read_vector[OTA_NET_HEADER_SIZE] = {
  0x3c, 0x01, 0x00, 0x00, /* sum 0x10 + 0xd4 + 0x4f + 4 + 5 = 0x13c */
  0x00, 0x10, 0x00, 0x00, /* seek_addr 0x1000 */
  0xd4, 0x4f, 0x00, 0x00, /* read_size 20436 */
  0x00, 0x00, 0x00, 0x00, /* all_size */
  0x04, 0x05, 0x00, 0x00, /* READ, 5 %, resv */
};

/* The total-size message: all_size 0x12345 bytes, 1 %. */
static const guint8 total_vector[OTA_NET_HEADER_SIZE] = {
  0x6a, 0x00, 0x00, 0x00, /* 0x45 + 0x23 + 0x01 + 1 = 0x6a */
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
};

static void
test_read_header (void)
{
  OtaNetHeader hdr;
  guint8 out[OTA_NET_HEADER_SIZE];
  g_autoptr (GError) error = NULL;

  g_assert_true (ota_net_header_parse_device (read_vector, &hdr, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hdr.sum_check, ==, 0x13c);
  g_assert_cmpuint (hdr.seek_addr, ==, 0x1000);
  g_assert_cmpuint (hdr.read_size, ==, OTA_NET_STAGE1_WINDOW);
  g_assert_cmpuint (hdr.all_size, ==, 0);
  g_assert_cmpuint (hdr.status, ==, OTA_NET_STATUS_READ);
  g_assert_cmpuint (hdr.download_percent, ==, 5);
  g_assert_cmpuint (hdr.resv, ==, 0);
  g_assert_cmpuint (ota_net_header_sum (&hdr), ==, 0x13c);

  ota_net_header_encode (&hdr, out);
  g_assert_cmpmem (out, sizeof out, read_vector, sizeof read_vector);
  g_assert_cmpstr (ota_net_status_to_string (hdr.status), ==, "READ");
}

static void
test_total_size_header (void)
{
  OtaNetHeader hdr = { 0 };
  guint8 out[OTA_NET_HEADER_SIZE];
  g_autoptr (GError) error = NULL;

  hdr.all_size = 0x12345;
  hdr.download_percent = 1;
  hdr.status = OTA_NET_STATUS_DOING;
  hdr.sum_check = ota_net_header_sum (&hdr);
  g_assert_cmpuint (hdr.sum_check, ==, 0x6a);
  ota_net_header_encode (&hdr, out);
  g_assert_cmpmem (out, sizeof out, total_vector, sizeof total_vector);

  memset (&hdr, 0xAA, sizeof hdr);
  g_assert_true (ota_net_header_parse_device (total_vector, &hdr, &error));
  g_assert_cmpuint (hdr.all_size, ==, 0x12345);
  g_assert_cmpuint (hdr.read_size, ==, 0);
  g_assert_cmpuint (hdr.status, ==, OTA_NET_STATUS_DOING);
}

static void
test_bad_sum (void)
{
  guint8 in[OTA_NET_HEADER_SIZE];
  OtaNetHeader hdr;
  g_autoptr (GError) error = NULL;

  memcpy (in, read_vector, sizeof in);
  in[8] ^= 0x01; /* read_size changed, sum not updated */
  g_assert_false (ota_net_header_parse_device (in, &hdr, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "bad checksum"));
  /* the fields are still decoded for the caller's log */
  g_assert_cmpuint (hdr.read_size, ==, OTA_NET_STAGE1_WINDOW ^ 1);
}

static void
test_stop_frame (void)
{
  static const guint8 stop0[OTA_NET_HEADER_SIZE] = {
    0x08, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0x00, 0x00,
  };
  static const guint8 stop37[OTA_NET_HEADER_SIZE] = {
    0x2d, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x25, 0x00, 0x00,
  };
  guint8 out[OTA_NET_HEADER_SIZE];

  ota_net_stop_build (out, 0);
  g_assert_cmpmem (out, sizeof out, stop0, sizeof stop0);
  g_assert_true (ota_net_frame_sum_ok (out, sizeof out));
  ota_net_stop_build (out, 37);
  g_assert_cmpmem (out, sizeof out, stop37, sizeof stop37);
  g_assert_true (ota_net_frame_sum_ok (out, sizeof out));
}

static void
test_answer_frame (void)
{
  static const guint8 expected[OTA_NET_HEADER_SIZE + 5] = {
    0x91, 0x02, 0x00, 0x00, /* (1 + 5 + 4 + 7) + (255 + 254 + 1 + 2 + 128) = 657 */
    0x00, 0x01, 0x00, 0x00, /* seek echoed */
    0x05, 0x00, 0x00, 0x00, /* read_size = len, not the 40916 asked */
    0x00, 0x00, 0x00, 0x00, /* all_size always 0 */
    0x04, 0x07, 0x00, 0x00, /* READ echoed, percent echoed */
    0xff, 0xfe, 0x01, 0x02, 0x80,
  };
  OtaNetHeader req = { 0 };
  guint8 frame[OTA_NET_HEADER_SIZE + 5];
  gsize n;

  req.seek_addr = 0x100;
  req.read_size = OTA_NET_STAGE2_WINDOW;
  req.status = OTA_NET_STATUS_READ;
  req.download_percent = 7;
  req.sum_check = ota_net_header_sum (&req);

  memset (frame, 0x55, OTA_NET_HEADER_SIZE);
  memcpy (frame + OTA_NET_HEADER_SIZE, expected + OTA_NET_HEADER_SIZE, 5);
  n = ota_net_answer_build (&req, frame, 5);
  g_assert_cmpuint (n, ==, sizeof expected);
  g_assert_cmpmem (frame, n, expected, sizeof expected);
  g_assert_true (ota_net_frame_sum_ok (frame, n));

  /* a flipped data byte or a missing one breaks the sum */
  frame[OTA_NET_HEADER_SIZE + 2] ^= 0x10;
  g_assert_false (ota_net_frame_sum_ok (frame, n));
  frame[OTA_NET_HEADER_SIZE + 2] ^= 0x10;
  g_assert_false (ota_net_frame_sum_ok (frame, n - 1));
  g_assert_false (ota_net_frame_sum_ok (frame, OTA_NET_HEADER_SIZE - 1));
}

static void
test_read_request_check (void)
{
  OtaNetHeader req = { 0 };
  guint32 len = 0;
  g_autoptr (GError) error = NULL;

  req.status = OTA_NET_STATUS_READ;
  req.seek_addr = 0;
  req.read_size = OTA_NET_STAGE1_WINDOW;
  g_assert_true (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, OTA_NET_STAGE1_WINDOW);

  /* clamped at the end of the file */
  req.seek_addr = 99990;
  g_assert_true (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_cmpuint (len, ==, 10);
  req.seek_addr = 99999;
  g_assert_true (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_cmpuint (len, ==, 1);

  /* the largest file the protocol can address */
  req.seek_addr = 0xFFFFFFF0;
  g_assert_true (ota_net_read_request_check (&req, G_GUINT64_CONSTANT (0xFFFFFFFF), &len, &error));
  g_assert_cmpuint (len, ==, 15);

  req.seek_addr = 100000;
  g_assert_false (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_clear_error (&error);

  req.seek_addr = 0;
  req.read_size = 0;
  g_assert_false (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_clear_error (&error);

  req.read_size = OTA_NET_MAX_READ;
  g_assert_true (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_cmpuint (len, ==, OTA_NET_MAX_READ);
  req.read_size = OTA_NET_MAX_READ + 1;
  g_assert_false (ota_net_read_request_check (&req, 100000, &len, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
}

static void
test_sum_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20906);
  gsize size = 70000;
  g_autofree guint8 *buf = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    buf[i] = (guint8) g_rand_int (rand);

  /* every length up to 300 at every alignment up to 16, then random spans */
  for (gsize off = 0; off < 16; off++)
    for (gsize len = 0; len <= 300; len++)
      g_assert_cmpuint (ota_net_sum (off, buf + off, len), ==, naive_sum (off, buf + off, len));
  for (guint i = 0; i < 2000; i++)
    {
      gsize off = g_rand_int_range (rand, 0, 64);
      gsize len = g_rand_int_range (rand, 0, (gint32) (size - off));
      guint32 start = g_rand_int (rand);

      g_assert_cmpuint (ota_net_sum (start, buf + off, len), ==, naive_sum (start, buf + off, len));
    }
}

static void
test_sum_lanes_saturated (void)
{
  /* 1 MiB of 0xFF: every 16-bit lane as full as it can get before a fold */
  gsize size = 1024 * 1024 + 7;
  g_autofree guint8 *buf = g_malloc (size);

  memset (buf, 0xFF, size);
  g_assert_cmpuint (ota_net_sum (0, buf, size), ==, (guint32) (255u * size));
  g_assert_cmpuint (ota_net_sum (0, buf + 1, size - 1), ==, naive_sum (0, buf + 1, size - 1));
  /* the u32 sum wraps like the device's */
  g_assert_cmpuint (ota_net_sum (0xFFFFFF00u, buf, 2), ==, 0xFFFFFF00u + 510u);
  g_assert_cmpuint (ota_net_sum (0xFFFFFFFFu, buf, 1), ==, 254u);
  g_assert_cmpuint (ota_net_sum (42, NULL, 0), ==, 42);
}

static void
test_status_strings (void)
{
  g_assert_cmpstr (ota_net_status_to_string (OTA_NET_STATUS_DOING), ==, "DOING");
  g_assert_cmpstr (ota_net_status_to_string (OTA_NET_STATUS_OK), ==, "OK");
  g_assert_cmpstr (ota_net_status_to_string (OTA_NET_STATUS_ERR), ==, "ERR");
  g_assert_cmpstr (ota_net_status_to_string (OTA_NET_STATUS_STOP), ==, "STOP");
  g_assert_cmpstr (ota_net_status_to_string (OTA_NET_STATUS_SAME), ==, "SAME");
  g_assert_cmpstr (ota_net_status_to_string (3), ==, "UNKNOWN");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/net-header/read", test_read_header);
  g_test_add_func ("/ota/net-header/total-size", test_total_size_header);
  g_test_add_func ("/ota/net-header/bad-sum", test_bad_sum);
  g_test_add_func ("/ota/net-header/stop", test_stop_frame);
  g_test_add_func ("/ota/net-header/answer", test_answer_frame);
  g_test_add_func ("/ota/net-header/read-request-check", test_read_request_check);
  g_test_add_func ("/ota/net-header/sum/random", test_sum_random);
  g_test_add_func ("/ota/net-header/sum/saturated", test_sum_lanes_saturated);
  g_test_add_func ("/ota/net-header/status-strings", test_status_strings);
  return g_test_run ();
}
