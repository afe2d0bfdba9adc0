/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-ctp-frame.h"
#include "ota-i18n.h"

#include <stdarg.h>
#include <string.h>

#include "ota-error.h"
#include "ota-text.h"
#include "ota-le.h"

OtaCtpFrame *
ota_ctp_frame_new (const gchar *topic, const gchar *content, gsize content_len)
{
  OtaCtpFrame *frame;

  g_return_val_if_fail (topic != NULL, NULL);
  g_return_val_if_fail (content != NULL || content_len == 0, NULL);

  frame = g_new0 (OtaCtpFrame, 1);
  frame->topic = g_strdup (topic);
  frame->content = g_malloc (content_len + 1);
  if (content_len > 0)
    memcpy (frame->content, content, content_len);
  frame->content[content_len] = '\0';
  frame->content_len = content_len;
  return frame;
}

void
ota_ctp_frame_free (OtaCtpFrame *frame)
{
  if (frame == NULL)
    return;
  g_free (frame->topic);
  g_free (frame->content);
  g_free (frame);
}

GBytes *
ota_ctp_frame_encode (const gchar *topic, const gchar *content, gsize content_len)
{
  gsize topic_len;
  gsize total;
  guint8 *buf;
  guint8 *p;

  g_return_val_if_fail (topic != NULL, NULL);
  g_return_val_if_fail (content != NULL || content_len == 0, NULL);
  topic_len = strlen (topic);
  g_return_val_if_fail (topic_len > 0 && topic_len <= OTA_CTP_MAX_TOPIC, NULL);
  g_return_val_if_fail (content_len <= G_MAXUINT32, NULL);

  total = OTA_CTP_PREFIX_LEN + topic_len + 4 + content_len;
  buf = g_malloc (total);
  p = buf;
  memcpy (p, OTA_CTP_MAGIC, OTA_CTP_MAGIC_LEN);
  p += OTA_CTP_MAGIC_LEN;
  ota_le16_put (p, (guint16) topic_len);
  p += 2;
  memcpy (p, topic, topic_len);
  p += topic_len;
  ota_le32_put (p, (guint32) content_len);
  p += 4;
  if (content_len > 0)
    memcpy (p, content, content_len);
  return g_bytes_new_take (buf, total);
}

gchar *
ota_ctp_request_build (const gchar *op, const gchar *first_key, ...)
{
  g_autoptr (cJSON) root = NULL;
  cJSON *param;
  const gchar *key;
  va_list args;
  char *printed;
  gchar *result;

  g_return_val_if_fail (op != NULL, NULL);

  root = cJSON_CreateObject ();
  cJSON_AddStringToObject (root, "op", op);
  /* always a param object: the device drops frames without a body */
  param = cJSON_AddObjectToObject (root, "param");

  va_start (args, first_key);
  for (key = first_key; key != NULL; key = va_arg (args, const gchar *))
    {
      const gchar *value = va_arg (args, const gchar *);

      if (value == NULL)
        {
          va_end (args);
          g_critical ("%s: key '%s' has no value", G_STRFUNC, key);
          return NULL;
        }
      cJSON_AddStringToObject (param, key, value);
    }
  va_end (args);

  printed = cJSON_PrintUnformatted (root);
  if (printed == NULL) /* only when out of memory */
    return NULL;
  result = g_strdup (printed);
  cJSON_free (printed);
  return result;
}

static gboolean
ctp_errno_from_json (const cJSON *item, gint *out, GError **error)
{
  if (cJSON_IsNumber (item))
    {
      double d = item->valuedouble;

      if (d >= G_MININT && d <= G_MAXINT && d == (double) (gint) d)
        {
          *out = (gint) d;
          return TRUE;
        }
    }
  else if (cJSON_IsString (item))
    {
      gint64 v;
      g_autofree gchar *s = g_strstrip (g_strdup (item->valuestring));

      if (g_ascii_string_to_signed (s, 10, G_MININT, G_MAXINT, &v, NULL))
        {
          *out = (gint) v;
          return TRUE;
        }
    }
  g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                       _ ("the device sent a CTP reply whose \"errno\" is not a number"));
  return FALSE;
}

OtaCtpMessage *
ota_ctp_message_parse (const gchar *content, gsize len, GError **error)
{
  g_autoptr (cJSON) root = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;
  const char *end = NULL;
  const cJSON *op;
  const cJSON *err_no;
  cJSON *param;

  g_return_val_if_fail (content != NULL || len == 0, NULL);

  if (len == 0)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device sent a CTP frame with no content"));
      return NULL;
    }
  if (memchr (content, '\0', len) != NULL)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device sent a CTP frame whose content holds a NUL byte"));
      return NULL;
    }
  root = cJSON_ParseWithLengthOpts (content, len, &end, FALSE);
  if (root == NULL)
    {
      gsize at = (end != NULL && end >= content) ? (gsize) (end - content) : 0;

      g_set_error (
          error, OTA_ERROR, OTA_ERROR_PROTOCOL,
          "the device sent a CTP frame that is not valid JSON (error near byte %" G_GSIZE_FORMAT
          " of %" G_GSIZE_FORMAT ")",
          at, len);
      return NULL;
    }
  for (const char *p = end; p < content + len; p++)
    {
      if (!g_ascii_isspace (*p))
        {
          g_set_error (
              error, OTA_ERROR, OTA_ERROR_PROTOCOL,
              "the device sent a CTP frame with data after the JSON (at byte %" G_GSIZE_FORMAT
              " of %" G_GSIZE_FORMAT ")",
              (gsize) (p - content), len);
          return NULL;
        }
    }
  if (!cJSON_IsObject (root))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device sent a CTP frame whose content is not a JSON object"));
      return NULL;
    }
  op = cJSON_GetObjectItemCaseSensitive (root, "op");
  if (!cJSON_IsString (op))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device sent a CTP message without an \"op\""));
      return NULL;
    }

  msg = g_new0 (OtaCtpMessage, 1);
  msg->op = g_strdup (op->valuestring);
  msg->err_no = -1;
  err_no = cJSON_GetObjectItemCaseSensitive (root, "errno");
  if (err_no != NULL && !cJSON_IsNull (err_no))
    {
      if (!ctp_errno_from_json (err_no, &msg->err_no, error))
        return NULL;
      msg->has_errno = TRUE;
    }
  param = cJSON_DetachItemFromObjectCaseSensitive (root, "param");
  if (param != NULL && !cJSON_IsObject (param))
    g_clear_pointer (&param, cJSON_Delete);
  msg->param = param;
  return g_steal_pointer (&msg);
}

void
ota_ctp_message_free (OtaCtpMessage *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->op);
  if (msg->param != NULL)
    cJSON_Delete (msg->param);
  g_free (msg);
}

const gchar *
ota_ctp_message_get_param (const OtaCtpMessage *msg, const gchar *key)
{
  const cJSON *item;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (msg->param == NULL)
    return NULL;
  item = cJSON_GetObjectItemCaseSensitive (msg->param, key);
  return cJSON_IsString (item) ? item->valuestring : NULL;
}

#define DESCRIBE_MAX 64

gchar *
ota_ctp_message_describe_param (const OtaCtpMessage *msg, const gchar *key)
{
  const cJSON *item;
  g_autofree gchar *text = NULL;
  const gchar *what;
  char *printed;

  g_return_val_if_fail (msg != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  item = msg->param != NULL ? cJSON_GetObjectItemCaseSensitive (msg->param, key) : NULL;
  if (item == NULL)
    return g_strdup ("missing");
  if (cJSON_IsString (item))
    return ota_text_sanitize (item->valuestring,
                              (gssize) MIN (strlen (item->valuestring), DESCRIBE_MAX));
  printed = cJSON_PrintUnformatted (item);
  if (printed == NULL)
    return g_strdup ("unreadable");
  text = ota_text_sanitize (printed, (gssize) MIN (strlen (printed), DESCRIBE_MAX));
  cJSON_free (printed);
  if (cJSON_IsNumber (item))
    what = "a number";
  else if (cJSON_IsBool (item) || cJSON_IsNull (item))
    what = "not a string";
  else if (cJSON_IsArray (item))
    what = "a list";
  else
    what = "an object";
  return g_strdup_printf ("%s (%s)", text, what);
}

const gchar *
ota_ctp_errno_to_string (gint err_no)
{
  switch (err_no)
    {
    case OTA_CTP_ERRNO_ACCESS_REFUSED:
      return "access refused: another app is connected to the device; close it and try again";
    case OTA_CTP_ERRNO_VERSION:
      return "version mismatch: the device does not accept this app version";
    case OTA_CTP_ERRNO_UNKNOWN:
      return "the device does not know this command (unknown topic or operation)";
    case OTA_CTP_ERRNO_USB_MODE:
      return "the device is in USB mode: unplug the USB cable and try again";
    case OTA_CTP_ERRNO_SYSTEM:
      return "system exception on the device: power-cycle it and try again";
    default:
      return "the device reported an unknown error";
    }
}
