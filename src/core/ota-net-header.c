/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-net-header.h"
#include "ota-i18n.h"

#include <string.h>

#include "ota-error.h"
#include "ota-le.h"

/*
 * The sum runs over every byte the app serves (40 KiB per READ in stage
 * two), so it must not be a byte loop.
 *
 * With SSE2 (every x86-64 CPU) PSADBW adds 8 bytes into each 64-bit half of
 * a register: 16 bytes per instruction, about 3x the SWAR code below. The
 * 64-bit lanes cannot overflow; only their low 32 bits matter for the
 * wrapping u32 sum.
 *
 * Elsewhere it works on 8 bytes at a time (SWAR): the even and the odd bytes
 * of a 64-bit word are masked into four 16-bit lanes each and added up. A
 * lane grows by at most 2 * 255 per word, so 128 words (1 KiB) fit in 16 bits
 * before the lanes must be folded into the 32-bit result.
 */
#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>

static inline guint32
sum_bulk (guint32 sum, const guint8 **data, gsize *len)
{
  const guint8 *p = *data;
  gsize n = *len;
  const __m128i zero = _mm_setzero_si128 ();
  __m128i acc0 = zero, acc1 = zero;

  for (; n >= 64; p += 64, n -= 64)
    {
      /* two chains, so that the adds need not wait for each other */
      acc0 = _mm_add_epi64 (acc0, _mm_sad_epu8 (_mm_loadu_si128 ((const __m128i *) p), zero));
      acc1
          = _mm_add_epi64 (acc1, _mm_sad_epu8 (_mm_loadu_si128 ((const __m128i *) (p + 16)), zero));
      acc0
          = _mm_add_epi64 (acc0, _mm_sad_epu8 (_mm_loadu_si128 ((const __m128i *) (p + 32)), zero));
      acc1
          = _mm_add_epi64 (acc1, _mm_sad_epu8 (_mm_loadu_si128 ((const __m128i *) (p + 48)), zero));
    }
  for (; n >= 16; p += 16, n -= 16)
    acc0 = _mm_add_epi64 (acc0, _mm_sad_epu8 (_mm_loadu_si128 ((const __m128i *) p), zero));
  acc0 = _mm_add_epi64 (acc0, acc1);
  sum += (guint32) _mm_cvtsi128_si32 (acc0);
  sum += (guint32) _mm_cvtsi128_si32 (_mm_unpackhi_epi64 (acc0, acc0));
  *data = p;
  *len = n;
  return sum;
}

#else

#define SUM_LANE_MASK G_GUINT64_CONSTANT (0x00FF00FF00FF00FF)
#define SUM_WORDS_PER_FOLD 128

static inline guint32
sum_fold_lanes (guint64 acc)
{
  /* four 16-bit lanes -> two 32-bit lanes -> one value */
  acc = (acc & G_GUINT64_CONSTANT (0x0000FFFF0000FFFF))
        + ((acc >> 16) & G_GUINT64_CONSTANT (0x0000FFFF0000FFFF));
  return (guint32) ((acc & 0xFFFFFFFF) + (acc >> 32));
}

static inline guint32
sum_bulk (guint32 sum, const guint8 **data, gsize *len)
{
  const guint8 *p = *data;
  gsize n = *len;

  while (n >= 8)
    {
      gsize words = MIN (n / 8, (gsize) SUM_WORDS_PER_FOLD);
      guint64 acc = 0;

      for (gsize i = 0; i < words; i++)
        {
          guint64 v;

          memcpy (&v, p + i * 8, 8); /* unaligned-safe, one load */
          acc += (v & SUM_LANE_MASK) + ((v >> 8) & SUM_LANE_MASK);
        }
      /* byte order does not matter: every lane ends up in the same total */
      sum += sum_fold_lanes (acc);
      p += words * 8;
      n -= words * 8;
    }
  *data = p;
  *len = n;
  return sum;
}

#endif

guint32
ota_net_sum (guint32 sum, const guint8 *data, gsize len)
{
  g_return_val_if_fail (data != NULL || len == 0, sum);

  if (len == 0)
    return sum;
  sum = sum_bulk (sum, &data, &len);
  while (len-- > 0)
    sum += *data++;
  return sum;
}

void
ota_net_header_encode (const OtaNetHeader *hdr, guint8 out[OTA_NET_HEADER_SIZE])
{
  g_return_if_fail (hdr != NULL);
  g_return_if_fail (out != NULL);

  ota_le32_put (out + 0, hdr->sum_check);
  ota_le32_put (out + 4, hdr->seek_addr);
  ota_le32_put (out + 8, hdr->read_size);
  ota_le32_put (out + 12, hdr->all_size);
  out[16] = hdr->status;
  out[17] = hdr->download_percent;
  ota_le16_put (out + 18, hdr->resv);
}

void
ota_net_header_decode (const guint8 in[OTA_NET_HEADER_SIZE], OtaNetHeader *hdr)
{
  g_return_if_fail (in != NULL);
  g_return_if_fail (hdr != NULL);

  hdr->sum_check = ota_le32_get (in + 0);
  hdr->seek_addr = ota_le32_get (in + 4);
  hdr->read_size = ota_le32_get (in + 8);
  hdr->all_size = ota_le32_get (in + 12);
  hdr->status = in[16];
  hdr->download_percent = in[17];
  hdr->resv = ota_le16_get (in + 18);
}

guint32
ota_net_header_sum (const OtaNetHeader *hdr)
{
  guint8 buf[OTA_NET_HEADER_SIZE];

  g_return_val_if_fail (hdr != NULL, 0);

  ota_net_header_encode (hdr, buf);
  return ota_net_sum (0, buf + 4, OTA_NET_HEADER_SIZE - 4);
}

gboolean
ota_net_header_parse_device (const guint8 in[OTA_NET_HEADER_SIZE], OtaNetHeader *hdr,
                             GError **error)
{
  guint32 sum;

  g_return_val_if_fail (in != NULL, FALSE);
  g_return_val_if_fail (hdr != NULL, FALSE);

  ota_net_header_decode (in, hdr);
  sum = ota_net_sum (0, in + 4, OTA_NET_HEADER_SIZE - 4);
  if (sum != hdr->sum_check)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   _ ("bad checksum in a header from the device: sum 0x%08X, header says 0x%08X "
                      "(status %u, seek 0x%08X, size %u)"),
                   sum, hdr->sum_check, hdr->status, hdr->seek_addr, hdr->read_size);
      return FALSE;
    }
  return TRUE;
}

gboolean
ota_net_read_request_check (const OtaNetHeader *req, guint64 file_size, guint32 *out_len,
                            GError **error)
{
  g_return_val_if_fail (req != NULL, FALSE);

  if (req->read_size == 0)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   _ ("the device asked for 0 bytes at offset 0x%08X"), req->seek_addr);
      return FALSE;
    }
  if (req->read_size > OTA_NET_MAX_READ)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   _ ("the device asked for %u bytes at once (at most %u are allowed)"),
                   req->read_size, (guint) OTA_NET_MAX_READ);
      return FALSE;
    }
  if (req->seek_addr >= file_size)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   "the device asked for offset 0x%08X, beyond the end of the %" G_GUINT64_FORMAT
                   "-byte file (is it the right file for this device?)",
                   req->seek_addr, file_size);
      return FALSE;
    }
  if (out_len != NULL)
    *out_len = (guint32) MIN ((guint64) req->read_size, file_size - req->seek_addr);
  return TRUE;
}

gsize
ota_net_answer_build (const OtaNetHeader *req, guint8 *frame, guint32 len)
{
  OtaNetHeader ans = { 0 };

  g_return_val_if_fail (req != NULL, 0);
  g_return_val_if_fail (frame != NULL, 0);

  ans.seek_addr = req->seek_addr;
  ans.read_size = len;
  ans.all_size = 0;
  ans.status = OTA_NET_STATUS_READ;
  ans.download_percent = req->download_percent;
  ans.resv = 0;
  ans.sum_check = ota_net_sum (ota_net_header_sum (&ans), frame + OTA_NET_HEADER_SIZE, len);
  ota_net_header_encode (&ans, frame);
  return (gsize) OTA_NET_HEADER_SIZE + len;
}

void
ota_net_stop_build (guint8 out[OTA_NET_HEADER_SIZE], guint8 percent)
{
  OtaNetHeader stop = { 0 };

  g_return_if_fail (out != NULL);

  stop.status = OTA_NET_STATUS_STOP;
  stop.download_percent = percent;
  stop.sum_check = ota_net_header_sum (&stop);
  ota_net_header_encode (&stop, out);
}

gboolean
ota_net_frame_sum_ok (const guint8 *frame, gsize len)
{
  g_return_val_if_fail (frame != NULL || len == 0, FALSE);

  if (len < OTA_NET_HEADER_SIZE)
    return FALSE;
  return ota_net_sum (0, frame + 4, len - 4) == ota_le32_get (frame);
}

const gchar *
ota_net_status_to_string (guint8 status)
{
  switch (status)
    {
    case OTA_NET_STATUS_DOING:
      return "DOING";
    case OTA_NET_STATUS_OK:
      return "OK";
    case OTA_NET_STATUS_ERR:
      return "ERR";
    case OTA_NET_STATUS_READ:
      return "READ";
    case OTA_NET_STATUS_STOP:
      return "STOP";
    case OTA_NET_STATUS_SAME:
      return "SAME";
    default:
      return "UNKNOWN";
    }
}
