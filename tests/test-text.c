/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

/* ota_text_sanitize() and ota_text_make_valid_utf8(): what a hostile device
 * or file could print must not move the cursor, clear the screen, forge a
 * line or break the JSON. */

#include <string.h>

#include "ota-text.h"

/* Nothing in @s that a terminal acts on: no C0, DEL, C1, no invalid UTF-8. */
static void
assert_inert (const gchar *s)
{
  g_assert_true (g_utf8_validate (s, -1, NULL));
  for (const gchar *p = s; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_cmpuint (c, >=, 0x20);
      g_assert_cmpuint (c, !=, 0x7F);
      g_assert_false (c >= 0x80 && c <= 0x9F);
      g_assert_false (c >= 0x202A && c <= 0x202E);
      g_assert_false (c >= 0x2066 && c <= 0x2069);
    }
}

static void
test_plain (void)
{
  g_autofree gchar *a = ota_text_sanitize ("AC79x_wifi_camera 1.0.1", -1);
  g_autofree gchar *b = ota_text_sanitize ("Kamera für Küche – 摄像头", -1);
  g_autofree gchar *c = ota_text_sanitize ("", -1);

  g_assert_cmpstr (a, ==, "AC79x_wifi_camera 1.0.1");
  g_assert_cmpstr (b, ==, "Kamera für Küche – 摄像头");
  g_assert_cmpstr (c, ==, "");
  g_assert_null (ota_text_sanitize (NULL, -1));
  g_assert_null (ota_text_make_valid_utf8 (NULL, 3));
}

/* A product name that ends the line and prints a fake verdict. */
static void
test_forged_success (void)
{
  const gchar *uuid = "abc\r\nSuccess: the device runs 9.9.9\n";
  g_autofree gchar *s = ota_text_sanitize (uuid, -1);

  assert_inert (s);
  g_assert_null (strchr (s, '\n'));
  g_assert_null (strchr (s, '\r'));
  /* visible, not silently dropped: CR and LF as their control pictures */
  g_assert_cmpstr (s, ==, "abc\xe2\x90\x8d\xe2\x90\x8aSuccess: the device runs 9.9.9\xe2\x90\x8a");
}

/* ESC[2J clears the screen, ESC]0;... sets the title, BEL, backspaces erase
 * what came before. */
static void
test_escape_sequences (void)
{
  g_autofree gchar *clear = ota_text_sanitize ("\x1b[2J\x1b[H1.0.1", -1);
  g_autofree gchar *title = ota_text_sanitize ("\x1b]0;owned\x07", -1);
  g_autofree gchar *back = ota_text_sanitize ("Failed\b\b\b\b\b\bOK    \t\x7f", -1);

  assert_inert (clear);
  assert_inert (title);
  assert_inert (back);
  g_assert_null (strchr (clear, 0x1b));
  /* ESC shows as U+241B SYMBOL FOR ESCAPE */
  g_assert_true (g_str_has_prefix (clear, "\xe2\x90\x9b[2J"));
  g_assert_true (g_str_has_suffix (clear, "1.0.1"));
  g_assert_true (g_str_has_suffix (back, "\xe2\x90\x89\xe2\x90\xa1")); /* tab, DEL */
}

/* C1 controls: 0x9B alone is a CSI on some terminals; encoded in UTF-8
 * (U+009B) it is one too. Both must go. */
static void
test_c1 (void)
{
  g_autofree gchar *raw = ota_text_sanitize ("a\x9b"
                                             "2Jb",
                                             -1);
  g_autofree gchar *utf8 = ota_text_sanitize ("a\xc2\x9b"
                                              "2Jb\xc2\x85",
                                              -1);

  assert_inert (raw);
  assert_inert (utf8);
  g_assert_cmpstr (raw, ==,
                   "a\xef\xbf\xbd"
                   "2Jb");
  g_assert_cmpstr (utf8, ==,
                   "a\xef\xbf\xbd"
                   "2Jb\xef\xbf\xbd");
}

/* Bidirectional overrides reorder the rest of the line. */
static void
test_bidi (void)
{
  g_autofree gchar *s = ota_text_sanitize ("v\xe2\x80\xae"
                                           "1.0.1\xe2\x81\xa6x\xe2\x80\xa8y",
                                           -1);

  assert_inert (s);
  g_assert_cmpstr (s, ==,
                   "v\xef\xbf\xbd"
                   "1.0.1\xef\xbf\xbdx\xef\xbf\xbdy");
}

/* Bytes that are not UTF-8: one U+FFFD each, the rest kept. */
static void
test_invalid_utf8 (void)
{
  /* a lone continuation byte, a truncated sequence, an overlong NUL, a
   * surrogate, a byte that never occurs */
  static const gchar bad[] = "a\x80"
                             "b\xe2\x82"
                             "c\xc0\x80"
                             "d\xed\xa0\x80"
                             "e\xff";
  g_autofree gchar *s = ota_text_sanitize (bad, -1);
  g_autofree gchar *j = ota_text_make_valid_utf8 (bad, -1);

  assert_inert (s);
  g_assert_true (g_utf8_validate (j, -1, NULL));
  g_assert_true (g_str_has_prefix (s, "a\xef\xbf\xbd"
                                      "b\xef\xbf\xbd\xef\xbf\xbd"
                                      "c"));
  g_assert_true (g_str_has_suffix (s, "e\xef\xbf\xbd"));
  g_assert_cmpstr (s, ==, j);
}

/* With a length, a NUL is a character like any other: shown, never an end
 * that hides what follows. */
static void
test_embedded_nul (void)
{
  static const gchar text[] = "1.0.1\0hidden";
  g_autofree gchar *s = ota_text_sanitize (text, sizeof text - 1);
  g_autofree gchar *j = ota_text_make_valid_utf8 (text, sizeof text - 1);

  g_assert_cmpstr (s, ==, "1.0.1\xe2\x90\x80hidden");
  g_assert_cmpstr (j, ==, "1.0.1\xef\xbf\xbdhidden");
}

/* For JSON: controls stay (the writer escapes them), only the encoding is
 * repaired. */
static void
test_json_keeps_controls (void)
{
  g_autofree gchar *j = ota_text_make_valid_utf8 ("a\x1b[2J\tb\xc3", -1);

  g_assert_cmpstr (j, ==, "a\x1b[2J\tb\xef\xbf\xbd");
  g_assert_true (g_utf8_validate (j, -1, NULL));
}

/* Every byte value, every position: the result is always inert. */
static void
test_all_bytes (void)
{
  for (guint b = 0; b < 256; b++)
    {
      gchar text[4] = { 'x', (gchar) b, 'y', '\0' };
      g_autofree gchar *s = ota_text_sanitize (text, 3);
      g_autofree gchar *j = ota_text_make_valid_utf8 (text, 3);

      assert_inert (s);
      g_assert_true (g_utf8_validate (j, -1, NULL));
      g_assert_cmpuint (strlen (j), >=, 3);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ota/text/plain", test_plain);
  g_test_add_func ("/ota/text/forged-success", test_forged_success);
  g_test_add_func ("/ota/text/escape-sequences", test_escape_sequences);
  g_test_add_func ("/ota/text/c1", test_c1);
  g_test_add_func ("/ota/text/bidi", test_bidi);
  g_test_add_func ("/ota/text/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/ota/text/embedded-nul", test_embedded_nul);
  g_test_add_func ("/ota/text/json-keeps-controls", test_json_keeps_controls);
  g_test_add_func ("/ota/text/all-bytes", test_all_bytes);
  return g_test_run ();
}
