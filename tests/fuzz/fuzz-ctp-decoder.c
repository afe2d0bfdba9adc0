/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "FuzzCtpDecoder"

/* The CTP stream decoder fed in random splits (the first 4 bytes seed the
 * splitter), every frame parsed as a reply. The same bytes fed in one piece
 * must give the same frames: framing must not depend on how recv() cut the
 * stream. */

#include <string.h>

#include "fuzz-common.h"
#include "ota-ctp-decoder.h"
#include "ota-ctp-frame.h"
#include "ota-le.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

/* Feeds @data in chunks; returns the frames, "topic\n" + content each. */
static GPtrArray *
decode (const guint8 *data, gsize size, guint32 seed, gsize max_chunk, gboolean *failed)
{
  g_autoptr (OtaCtpDecoder) dec = ota_ctp_decoder_new ();
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  FuzzSplit split = { seed | 1 };
  gsize pos = 0;

  *failed = FALSE;
  while (pos < size)
    {
      /* max_chunk 0: everything in one piece */
      gsize n = max_chunk == 0 ? size - pos : fuzz_split_next (&split, size - pos, max_chunk);
      g_autoptr (GError) error = NULL;

      if (!ota_ctp_decoder_feed (dec, data + pos, n, &error))
        {
          g_assert_nonnull (error);
          /* messages end up in JSON output: always valid UTF-8 */
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          *failed = TRUE;
          /* and it stays failed, whatever comes next */
          g_assert_false (ota_ctp_decoder_feed (dec, (const guint8 *) "CTP:", 4, NULL));
          break;
        }
      pos += n;
      g_assert_cmpuint (ota_ctp_decoder_get_pending (dec), <=, pos);
      for (;;)
        {
          g_autoptr (OtaCtpFrame) frame = ota_ctp_decoder_pop (dec);
          g_autoptr (OtaCtpMessage) msg = NULL;
          GString *s;

          if (frame == NULL)
            break;
          g_assert_cmpuint (frame->content_len, <=, OTA_CTP_MAX_CONTENT);
          g_assert_cmpint (frame->content[frame->content_len], ==, '\0');
          {
            g_autoptr (GError) perr = NULL;

            msg = ota_ctp_message_parse (frame->content, frame->content_len, &perr);
            if (msg != NULL)
              (void) ota_ctp_message_get_param (msg, "status");
            else
              g_assert_true (g_utf8_validate (perr->message, -1, NULL));
          }
          s = g_string_new (frame->topic);
          g_string_append_c (s, '\n');
          g_string_append_len (s, frame->content, (gssize) frame->content_len);
          g_ptr_array_add (frames, g_string_free_to_bytes (s));
        }
    }
  return frames;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) split = NULL;
  g_autoptr (GPtrArray) whole = NULL;
  gboolean split_failed, whole_failed;
  guint32 seed;

  if (size < 4)
    return 0;
  seed = ota_le32_get (data);
  data += 4;
  size -= 4;

  split = decode (data, size, seed, 1 + (seed >> 24) % 64, &split_failed);
  whole = decode (data, size, 1, 0, &whole_failed);
  g_assert_cmpint (split_failed, ==, whole_failed);
  if (!split_failed)
    {
      g_assert_cmpuint (split->len, ==, whole->len);
      for (guint i = 0; i < split->len; i++)
        g_assert_true (g_bytes_equal (split->pdata[i], whole->pdata[i]));
    }
  return 0;
}
