/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "FuzzHttpParser"

/* The HTTP response parser fed in random splits (the first 4 bytes seed the
 * splitter and pick the body limit), then the description parser on the
 * body, as ota_http_fetch_description() does. */

#include <string.h>

#include "fuzz-common.h"
#include "ota-description.h"
#include "ota-http-parser.h"
#include "ota-le.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (OtaHttpParser) parser = NULL;
  FuzzSplit split;
  gboolean done = FALSE;
  gsize max_body, pos = 0;
  guint32 seed;

  if (size < 4)
    return 0;
  seed = ota_le32_get (data);
  data += 4;
  size -= 4;
  split.state = seed | 1;
  max_body = (seed & 0x8000) != 0 ? OTA_HTTP_MAX_BODY : (seed >> 16) % 512;
  parser = ota_http_parser_new (max_body);

  while (pos < size && !done)
    {
      gsize n = fuzz_split_next (&split, size - pos, 1 + (seed >> 8) % 128);
      g_autoptr (GError) error = NULL;

      if (!ota_http_parser_feed (parser, data + pos, n, &done, &error))
        {
          g_assert_nonnull (error);
          /* messages end up in JSON output: always valid UTF-8 */
          g_assert_true (g_utf8_validate (error->message, -1, NULL));
          /* and it stays failed */
          g_assert_false (ota_http_parser_feed (parser, (const guint8 *) "\r\n", 2, &done, NULL));
          g_assert_false (done);
          return 0;
        }
      pos += n;
    }
  (void) ota_http_parser_get_header (parser, "Content-Type");
  if (done)
    {
      gsize len = 0;
      const gchar *body = ota_http_parser_get_body (parser, &len);
      const gchar *clen = ota_http_parser_get_header (parser, "content-length");
      g_autoptr (OtaDescription) desc = NULL;

      g_assert_nonnull (body);
      g_assert_cmpuint (len, <=, max_body);
      g_assert_cmpint (body[len], ==, '\0');
      if (clen != NULL)
        g_assert_cmpuint (g_ascii_strtoull (clen, NULL, 10), ==, len);
      g_assert_cmpuint (ota_http_parser_get_status (parser), >=, 100);
      {
        g_autoptr (GError) derr = NULL;

        desc = ota_description_parse (body, len, &derr);
        if (desc != NULL)
          (void) ota_description_is_single_backup (desc);
        else
          g_assert_true (g_utf8_validate (derr->message, -1, NULL));
      }
    }
  else
    g_assert_null (ota_http_parser_get_body (parser, NULL));
  return 0;
}
