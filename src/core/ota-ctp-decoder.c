/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-ctp-decoder.h"
#include "ota-i18n.h"

#include <stdarg.h>
#include <string.h>

#include "ota-error.h"
#include "ota-le.h"

/*
 * A byte-driven state machine: each field is checked as soon as its bytes are
 * in, so a stream that is out of step fails at the first wrong byte and an
 * absurd length fails before anything of that size is allocated. Complete
 * frames wait in a queue until popped.
 */
typedef enum {
  STATE_PREFIX, /* "CTP:" + u16 topic_len */
  STATE_TOPIC,
  STATE_CONTENT_LEN, /* u32 */
  STATE_CONTENT,
  STATE_FAILED,
} DecoderState;

struct _OtaCtpDecoder {
  DecoderState state;
  guint8 field[OTA_CTP_PREFIX_LEN]; /* prefix or content length being read */
  gsize field_fill;
  gchar topic[OTA_CTP_MAX_TOPIC + 1];
  gsize topic_len;
  gsize topic_fill;
  gchar *content; /* content_len + 1 bytes */
  gsize content_len;
  gsize content_fill;
  GQueue frames;  /* of OtaCtpFrame, complete */
  gchar *failure; /* why the stream is broken */
};

OtaCtpDecoder *
ota_ctp_decoder_new (void)
{
  OtaCtpDecoder *self = g_new0 (OtaCtpDecoder, 1);

  self->state = STATE_PREFIX;
  g_queue_init (&self->frames);
  return self;
}

void
ota_ctp_decoder_free (OtaCtpDecoder *self)
{
  if (self == NULL)
    return;
  g_queue_clear_full (&self->frames, (GDestroyNotify) ota_ctp_frame_free);
  g_free (self->content);
  g_free (self->failure);
  g_free (self);
}

static gboolean decoder_fail (OtaCtpDecoder *self, GError **error, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
decoder_fail (OtaCtpDecoder *self, GError **error, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  self->failure = g_strdup_vprintf (format, args);
  va_end (args);
  self->state = STATE_FAILED;
  g_clear_pointer (&self->content, g_free);
  g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL, _ ("CTP stream out of step: %s"),
               self->failure);
  return FALSE;
}

static void
decoder_finish_frame (OtaCtpDecoder *self)
{
  OtaCtpFrame *frame = g_new0 (OtaCtpFrame, 1);

  frame->topic = g_strndup (self->topic, self->topic_len);
  if (self->content == NULL)
    self->content = g_malloc0 (1);
  frame->content = g_steal_pointer (&self->content);
  frame->content[self->content_len] = '\0';
  frame->content_len = self->content_len;
  g_queue_push_tail (&self->frames, frame);

  self->state = STATE_PREFIX;
  self->field_fill = 0;
  self->topic_len = self->topic_fill = 0;
  self->content_len = self->content_fill = 0;
}

gboolean
ota_ctp_decoder_feed (OtaCtpDecoder *self, const guint8 *data, gsize len, GError **error)
{
  gsize i = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (self->state == STATE_FAILED)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL, _ ("CTP stream out of step: %s"),
                   self->failure);
      return FALSE;
    }

  while (i < len)
    {
      switch (self->state)
        {
          case STATE_PREFIX: {
            guint8 b = data[i++];

            if (self->field_fill < OTA_CTP_MAGIC_LEN
                && b != (guint8) OTA_CTP_MAGIC[self->field_fill])
              return decoder_fail (self, error,
                                   "expected \"" OTA_CTP_MAGIC
                                   "\", got byte 0x%02X at position %" G_GSIZE_FORMAT " of a frame",
                                   b, self->field_fill);
            self->field[self->field_fill++] = b;
            if (self->field_fill == OTA_CTP_PREFIX_LEN)
              {
                self->topic_len = ota_le16_get (self->field + OTA_CTP_MAGIC_LEN);
                if (self->topic_len == 0 || self->topic_len > OTA_CTP_MAX_TOPIC)
                  return decoder_fail (self, error,
                                       "topic length %" G_GSIZE_FORMAT " (must be 1 to %u)",
                                       self->topic_len, (guint) OTA_CTP_MAX_TOPIC);
                self->topic_fill = 0;
                self->field_fill = 0;
                self->state = STATE_TOPIC;
              }
            break;
          }

          case STATE_TOPIC: {
            guint8 b = data[i++];

            if (!g_ascii_isprint (b))
              return decoder_fail (self, error,
                                   "byte 0x%02X in a topic (topics are printable ASCII)", b);
            self->topic[self->topic_fill++] = (gchar) b;
            if (self->topic_fill == self->topic_len)
              {
                self->topic[self->topic_len] = '\0';
                self->field_fill = 0;
                self->state = STATE_CONTENT_LEN;
              }
            break;
          }

        case STATE_CONTENT_LEN:
          self->field[self->field_fill++] = data[i++];
          if (self->field_fill == 4)
            {
              guint32 clen = ota_le32_get (self->field);

              if (clen > OTA_CTP_MAX_CONTENT)
                return decoder_fail (self, error,
                                     "topic '%s' announces %u bytes of content (at most %u)",
                                     self->topic, clen, (guint) OTA_CTP_MAX_CONTENT);
              self->content_len = clen;
              self->content_fill = 0;
              self->content = g_malloc (self->content_len + 1);
              if (self->content_len == 0)
                decoder_finish_frame (self);
              else
                self->state = STATE_CONTENT;
            }
          break;

          case STATE_CONTENT: {
            gsize n = MIN (len - i, self->content_len - self->content_fill);

            memcpy (self->content + self->content_fill, data + i, n);
            self->content_fill += n;
            i += n;
            if (self->content_fill == self->content_len)
              decoder_finish_frame (self);
            break;
          }

        case STATE_FAILED:
        default:
          g_assert_not_reached ();
        }
    }
  return TRUE;
}

OtaCtpFrame *
ota_ctp_decoder_pop (OtaCtpDecoder *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_queue_pop_head (&self->frames);
}

gsize
ota_ctp_decoder_get_pending (OtaCtpDecoder *self)
{
  g_return_val_if_fail (self != NULL, 0);

  switch (self->state)
    {
    case STATE_PREFIX:
      return self->field_fill;
    case STATE_TOPIC:
      return OTA_CTP_PREFIX_LEN + self->topic_fill;
    case STATE_CONTENT_LEN:
      return OTA_CTP_PREFIX_LEN + self->topic_len + self->field_fill;
    case STATE_CONTENT:
      return OTA_CTP_PREFIX_LEN + self->topic_len + 4 + self->content_fill;
    case STATE_FAILED:
    default:
      return 0;
    }
}
