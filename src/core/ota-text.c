/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-text.h"

#include <string.h>

#define REPLACEMENT 0xFFFDu
#define PICTURE_NUL 0x2400u /* U+2400..U+241F: SYMBOL FOR NULL .. UNIT SEPARATOR */
#define PICTURE_DEL 0x2421u /* SYMBOL FOR DELETE */

typedef gunichar (*MapFunc) (gunichar c);

/* Walks @text, appending each valid character through @map
 * and U+FFFD for each byte that does not start a valid UTF-8 sequence. */
static gchar *
text_rebuild (const gchar *text, gssize len, MapFunc map)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  const gchar *p = text;
  const gchar *end = text + n;
  GString *out = g_string_sized_new (n + 1);

  while (p < end)
    {
      /* a NUL is valid UTF-8 to GLib only as a terminator: handle it here */
      gunichar c = *p == '\0' ? 0 : g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_unichar (out, REPLACEMENT);
          p++;
          continue;
        }
      g_string_append_unichar (out, map (c));
      p = *p == '\0' ? p + 1 : g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

static gunichar
map_terminal (gunichar c)
{
  if (c < 0x20)
    return PICTURE_NUL + c;
  if (c == 0x7F)
    return PICTURE_DEL;
  if (c >= 0x80 && c <= 0x9F)
    return REPLACEMENT;
  /* bidirectional embeddings, overrides and isolates: they reorder what
   * follows on the line ("Trojan source") */
  if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
    return REPLACEMENT;
  /* line and paragraph separators: a new line to some terminals and labels */
  if (c == 0x2028 || c == 0x2029)
    return REPLACEMENT;
  return c;
}

static gunichar
map_json (gunichar c)
{
  return c == 0 ? REPLACEMENT : c;
}

gchar *
ota_text_sanitize (const gchar *text, gssize len)
{
  if (text == NULL)
    return NULL;
  return text_rebuild (text, len, map_terminal);
}

gchar *
ota_text_make_valid_utf8 (const gchar *text, gssize len)
{
  if (text == NULL)
    return NULL;
  return text_rebuild (text, len, map_json);
}
