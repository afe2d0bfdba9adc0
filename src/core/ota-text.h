/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Text from outside (the device's answers, the firmware file, a path) made
 * safe before a person or a JSON reader sees it. */

#include <glib.h>

G_BEGIN_DECLS

/* For a terminal or a label: a copy of @text (@len bytes, or up to its NUL
 * when @len is -1) in which nothing can move the cursor, clear the screen,
 * start an escape sequence or reorder the line:
 *  - C0 controls (U+0000..U+001F, tab and newline included) and DEL become
 *    their visible Unicode "control pictures" (ESC shows as U+241B, a
 *    newline as U+2424, DEL as U+2421);
 *  - C1 controls (U+0080..U+009F, e.g. the one-byte CSI 0x9B) and the
 *    bidirectional embedding, override and isolate marks, and the line and
 *    paragraph separators, become U+FFFD;
 *  - bytes that are not valid UTF-8 become U+FFFD, one per bad byte.
 * Everything else is kept. NULL gives NULL. */
gchar *ota_text_sanitize (const gchar *text, gssize len);

/* For a JSON string: a copy of @text that is valid UTF-8 with no NUL inside,
 * each bad byte (and each embedded NUL when @len is given) replaced by
 * U+FFFD. Controls are kept: the JSON writer escapes them. NULL gives NULL. */
gchar *ota_text_make_valid_utf8 (const gchar *text, gssize len);

G_END_DECLS
