/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The 20-byte net_ota header of the OTA data channel (TCP 3335),
 * protocol.md section 4. Little-endian on the wire. */

#include <gio/gio.h>

G_BEGIN_DECLS

#define OTA_NET_HEADER_SIZE 20
/* The device never asks for more than this in one READ. */
#define OTA_NET_MAX_READ (42 * 1024)
/* Windows the real device asks for. */
#define OTA_NET_STAGE1_WINDOW 20436
#define OTA_NET_STAGE2_WINDOW 40916

typedef enum {
  OTA_NET_STATUS_DOING = 0,
  OTA_NET_STATUS_OK = 1,
  OTA_NET_STATUS_ERR = 2,
  OTA_NET_STATUS_READ = 4,
  OTA_NET_STATUS_STOP = 8,
  OTA_NET_STATUS_SAME = 16,
} OtaNetStatus;

typedef struct {
  guint32 sum_check;
  guint32 seek_addr;
  guint32 read_size;
  guint32 all_size;
  guint8 status;
  guint8 download_percent;
  guint16 resv;
} OtaNetHeader;

/* Plain wrapping byte sum of @data added to @sum. Vectorised-friendly. */
guint32 ota_net_sum (guint32 sum, const guint8 *data, gsize len);

/* Writes all fields as they are (sum_check included) to @out. */
void ota_net_header_encode (const OtaNetHeader *hdr, guint8 out[OTA_NET_HEADER_SIZE]);
/* Reads all fields; checks nothing. */
void ota_net_header_decode (const guint8 in[OTA_NET_HEADER_SIZE], OtaNetHeader *hdr);

/* Sum of the encoded header bytes 4..19 (the device's own frames). */
guint32 ota_net_header_sum (const OtaNetHeader *hdr);

/* Decodes a header the device sent and checks its sum. On a bad sum returns
 * FALSE with OTA_ERROR_PROTOCOL ("bad checksum"): the vendor client ignores
 * such a frame; the caller decides. */
gboolean ota_net_header_parse_device (const guint8 in[OTA_NET_HEADER_SIZE], OtaNetHeader *hdr,
                                      GError **error);

/* Checks a READ request against a file of @file_size bytes and returns the
 * number of bytes to answer with (clamped at the end of the file).
 * OTA_ERROR_PROTOCOL when read_size is 0 or larger than OTA_NET_MAX_READ, or
 * seek_addr is at or beyond the end of the file. */
gboolean ota_net_read_request_check (const OtaNetHeader *req, guint64 file_size, guint32 *out_len,
                                     GError **error);

/* Builds the answer to READ @req in place: @frame holds @len data bytes at
 * frame + OTA_NET_HEADER_SIZE (already read from the file); this writes the
 * header in front (seek echoed, read_size = len, all_size 0, status READ,
 * percent echoed, resv 0, sum over header 4..19 and the data).
 * Returns the frame length (20 + len), to be sent in one write. */
gsize ota_net_answer_build (const OtaNetHeader *req, guint8 *frame, guint32 len);

/* The 20-byte STOP frame (status 8, zeros, valid sum). @percent is echoed. */
void ota_net_stop_build (guint8 out[OTA_NET_HEADER_SIZE], guint8 percent);

/* Verifies a frame the app sent (header + data): sum over header 4..19 and
 * the data equals sum_check. */
gboolean ota_net_frame_sum_ok (const guint8 *frame, gsize len);

const gchar *ota_net_status_to_string (guint8 status);

G_END_DECLS
