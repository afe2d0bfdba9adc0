/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* CTP control frames (TCP 3333), protocol.md section 2:
 * "CTP:" | u16 topic_len | topic | u32 content_len | content (JSON). */

#include <gio/gio.h>
#include "ota-json.h"

G_BEGIN_DECLS

#define OTA_CTP_MAGIC "CTP:"
#define OTA_CTP_MAGIC_LEN 4
#define OTA_CTP_PREFIX_LEN 6  /* magic + u16 topic_len */
#define OTA_CTP_MAX_TOPIC 128 /* longer topics are refused as absurd */
#define OTA_CTP_MAX_CONTENT (64 * 1024)

#define OTA_CTP_TOPIC_APP_ACCESS "APP_ACCESS"
#define OTA_CTP_TOPIC_KEEP_ALIVE "CTP_KEEP_ALIVE"
#define OTA_CTP_TOPIC_NET_OTA_SINGLE "NET_OTA_SINGLE"
#define OTA_CTP_APP_VERSION "20906"

/* device errno values */
#define OTA_CTP_ERRNO_ACCESS_REFUSED 3
#define OTA_CTP_ERRNO_VERSION 5
#define OTA_CTP_ERRNO_UNKNOWN 6
#define OTA_CTP_ERRNO_USB_MODE 7
#define OTA_CTP_ERRNO_SYSTEM 12

typedef struct {
  gchar *topic;
  gchar *content; /* NUL-terminated copy; may contain embedded NULs up to content_len */
  gsize content_len;
} OtaCtpFrame;

OtaCtpFrame *ota_ctp_frame_new (const gchar *topic, const gchar *content, gsize content_len);
void ota_ctp_frame_free (OtaCtpFrame *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaCtpFrame, ota_ctp_frame_free)

/* Encodes one frame into a new buffer (one write on the wire). */
GBytes *ota_ctp_frame_encode (const gchar *topic, const gchar *content, gsize content_len);

/* {"op":OP,"param":{k:v,...}} with string values, compact. @first_key is
 * followed by its value and more key/value pairs, NULL-terminated.
 * Example: ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL). */
gchar *ota_ctp_request_build (const gchar *op, const gchar *first_key, ...) G_GNUC_NULL_TERMINATED;

/* A parsed reply/notification. */
typedef struct {
  gchar *op;          /* "NOTIFY", "PUT", "GET" */
  gint err_no;        /* -1 when the message has no errno (see has_errno) */
  gboolean has_errno; /* an errno was present: any value but 0 is a refusal,
                       * negative ones included */
  cJSON *param;       /* owned; NULL when absent */
} OtaCtpMessage;

/* Parses the JSON content of a frame. OTA_ERROR_PROTOCOL on malformed JSON
 * (including embedded NULs) or a missing "op". */
OtaCtpMessage *ota_ctp_message_parse (const gchar *content, gsize len, GError **error);
void ota_ctp_message_free (OtaCtpMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaCtpMessage, ota_ctp_message_free)
/* param[key] if it is a string, else NULL. */
const gchar *ota_ctp_message_get_param (const OtaCtpMessage *msg, const gchar *key);
/* param[key] for a message: the string itself, the JSON text of another
 * value followed by what it is ("1 (a number)", "true (not a string)"), or
 * "missing"; cut at 64 bytes and made safe for a terminal
 * (ota_text_sanitize()). */
gchar *ota_ctp_message_describe_param (const OtaCtpMessage *msg, const gchar *key);

/* "access refused: another app is connected to the device" etc. Never NULL. */
const gchar *ota_ctp_errno_to_string (gint err_no);

G_END_DECLS
