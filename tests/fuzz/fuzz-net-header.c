/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "FuzzNetHeader"

/* The 20-byte net_ota header from the device, and the check of a READ
 * request against a file size taken from the input: whatever the device
 * asks, an accepted request stays inside the file and within 42 KiB, and
 * the answer built for it carries a sum the device accepts. */

#include <string.h>

#include "fuzz-common.h"
#include "ota-le.h"
#include "ota-net-header.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static guint8 frame[OTA_NET_HEADER_SIZE + OTA_NET_MAX_READ];
  guint8 again[OTA_NET_HEADER_SIZE];
  g_autoptr (GError) error = NULL;
  OtaNetHeader hdr, round;
  guint64 file_size;
  guint32 len = 0;

  if (size < OTA_NET_HEADER_SIZE + 8)
    return 0;
  /* 8 bytes of file size (up to 2^32 - 1, as OtaFirmware allows), then the header */
  file_size = (guint64) ota_le32_get (data) | ((guint64) (data[4] & 1) << 32);
  file_size = MIN (file_size, G_GUINT64_CONSTANT (0xFFFFFFFF));
  data += 8;
  size -= 8;

  if (ota_net_header_parse_device (data, &hdr, &error))
    g_assert_cmpuint (ota_net_header_sum (&hdr), ==, hdr.sum_check);
  else
    g_assert_nonnull (error);
  g_clear_error (&error);

  /* decode and encode are inverse */
  ota_net_header_encode (&hdr, again);
  g_assert_cmpint (memcmp (again, data, OTA_NET_HEADER_SIZE), ==, 0);
  ota_net_header_decode (again, &round);
  g_assert_cmpint (memcmp (&round, &hdr, sizeof hdr), ==, 0);

  if (ota_net_read_request_check (&hdr, file_size, &len, &error))
    {
      gsize n;

      g_assert_cmpuint (len, >, 0);
      g_assert_cmpuint (len, <=, hdr.read_size);
      g_assert_cmpuint (len, <=, OTA_NET_MAX_READ);
      g_assert_cmpuint ((guint64) hdr.seek_addr + len, <=, file_size);
      /* the answer: the rest of the input as data */
      n = MIN ((gsize) len, size - OTA_NET_HEADER_SIZE);
      memset (frame + OTA_NET_HEADER_SIZE, 0xA5, len);
      memcpy (frame + OTA_NET_HEADER_SIZE, data + OTA_NET_HEADER_SIZE, n);
      g_assert_cmpuint (ota_net_answer_build (&hdr, frame, len), ==, OTA_NET_HEADER_SIZE + len);
      g_assert_true (ota_net_frame_sum_ok (frame, OTA_NET_HEADER_SIZE + len));
    }
  else
    g_assert_nonnull (error);

  /* the sum over odd lengths and alignments equals the plain byte sum */
  {
    guint32 plain = 0;

    for (gsize i = 1; i < size; i++)
      plain += data[i];
    g_assert_cmpuint (ota_net_sum (0, data + 1, size - 1), ==, plain);
  }
  (void) ota_net_status_to_string (hdr.status);
  return 0;
}
