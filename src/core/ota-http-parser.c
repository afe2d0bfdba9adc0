/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-http-parser.h"

#include <stdarg.h>
#include <string.h>

#include "ota-error.h"

#define HTTP_VERSION_PREFIX "HTTP/1."

typedef enum {
  STATE_STATUS_LINE,
  STATE_HEADERS,
  STATE_BODY,
  STATE_DONE,
  STATE_FAILED,
} ParserState;

struct _OtaHttpParser {
  ParserState state;
  gsize max_body;
  GString *line;      /* the line being read, without its end */
  gsize header_bytes; /* status line and headers so far, line ends included */
  guint status;
  GHashTable *headers; /* lowercase name -> trimmed value; the first one wins */
  gboolean have_length;
  gsize content_length;
  gchar *body; /* content_length + 1 */
  gsize body_fill;
  guint interim; /* 1xx responses skipped before the real one */
  gchar *failure;
};

OtaHttpParser *
ota_http_parser_new (gsize max_body)
{
  OtaHttpParser *self = g_new0 (OtaHttpParser, 1);

  self->state = STATE_STATUS_LINE;
  self->max_body = max_body;
  self->line = g_string_new (NULL);
  self->headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
ota_http_parser_free (OtaHttpParser *self)
{
  if (self == NULL)
    return;
  g_string_free (self->line, TRUE);
  g_hash_table_unref (self->headers);
  g_free (self->body);
  g_free (self->failure);
  g_free (self);
}

static gboolean parser_fail (OtaHttpParser *self, GError **error, const gchar *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
parser_fail (OtaHttpParser *self, GError **error, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  self->failure = g_strdup_vprintf (format, args);
  va_end (args);
  self->state = STATE_FAILED;
  g_clear_pointer (&self->body, g_free);
  g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL, self->failure);
  return FALSE;
}

/* A line from the device, fit for a message: escaped and cut short. */
static gchar *
line_for_message (const gchar *line)
{
  g_autofree gchar *cut = g_strndup (line, 60);

  return g_strescape (cut, NULL);
}

static gboolean
parse_status_line (OtaHttpParser *self, const gchar *line, GError **error)
{
  const gchar *p = line + strlen (HTTP_VERSION_PREFIX);

  /* "HTTP/1.x NNN[ reason]" */
  if (!g_str_has_prefix (line, HTTP_VERSION_PREFIX) || !g_ascii_isdigit (p[0]) || p[1] != ' '
      || !g_ascii_isdigit (p[2]) || !g_ascii_isdigit (p[3]) || !g_ascii_isdigit (p[4])
      || (p[5] != '\0' && p[5] != ' '))
    {
      g_autofree gchar *shown = line_for_message (line);
      return parser_fail (self, error, "the device did not send an HTTP status line: '%s'", shown);
    }
  self->status = (guint) ((p[2] - '0') * 100 + (p[3] - '0') * 10 + (p[4] - '0'));
  if (self->status < 100)
    {
      g_autofree gchar *shown = line_for_message (line);
      return parser_fail (self, error, "the device sent a bad HTTP status: '%s'", shown);
    }
  return TRUE;
}

/* Decimal digits only; FALSE when it is not a number or above @max. */
static gboolean
parse_length (const gchar *s, gsize max, gsize *out, gboolean *too_big)
{
  gsize v = 0;

  *too_big = FALSE;
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    {
      gsize d;

      if (!g_ascii_isdigit (*s))
        return FALSE;
      d = (gsize) (*s - '0');
      /* v * 10 + d > max, without wrapping (max may be below 9) */
      if (d > max || v > (max - d) / 10)
        {
          *too_big = TRUE;
          return FALSE;
        }
      v = v * 10 + d;
    }
  *out = v;
  return TRUE;
}

static gboolean
parse_header_line (OtaHttpParser *self, const gchar *line, GError **error)
{
  const gchar *colon = strchr (line, ':');
  g_autofree gchar *name = NULL;
  g_autofree gchar *value = NULL;

  if (colon == NULL || colon == line)
    {
      g_autofree gchar *shown = line_for_message (line);
      return parser_fail (self, error, "the device sent a malformed HTTP header line: '%s'", shown);
    }
  for (const gchar *p = line; p < colon; p++)
    {
      if (!g_ascii_isgraph (*p))
        {
          g_autofree gchar *shown = line_for_message (line);
          return parser_fail (self, error, "the device sent a malformed HTTP header name: '%s'",
                              shown);
        }
    }
  name = g_ascii_strdown (line, colon - line);
  value = g_strstrip (g_strdup (colon + 1));

  if (g_str_equal (name, "content-length"))
    {
      gsize length = 0;
      gboolean too_big;

      if (!parse_length (value, self->max_body, &length, &too_big))
        {
          g_autofree gchar *shown = line_for_message (value);

          if (too_big)
            return parser_fail (
                self, error,
                "the device announces a body of %s bytes, more than the %" G_GSIZE_FORMAT
                " bytes allowed",
                shown, self->max_body);
          return parser_fail (self, error, "the device sent a bad Content-Length: '%s'", shown);
        }
      if (self->have_length && length != self->content_length)
        return parser_fail (self, error,
                            "the device sent two different Content-Length headers (%" G_GSIZE_FORMAT
                            " and %" G_GSIZE_FORMAT ")",
                            self->content_length, length);
      self->have_length = TRUE;
      self->content_length = length;
    }
  if (!g_hash_table_contains (self->headers, name))
    g_hash_table_insert (self->headers, g_steal_pointer (&name), g_steal_pointer (&value));
  return TRUE;
}

static gboolean
headers_complete (OtaHttpParser *self, GError **error)
{
  /* an interim response (100 Continue, 102 Processing, 103 Early Hints)
   * has no body and is followed by the real one: read on. 101 is final
   * (switching protocols) and is reported as it is. The header limit
   * counts every interim response too, so a stream of them is bounded. */
  if (self->status >= 100 && self->status < 200 && self->status != 101)
    {
      g_debug ("HTTP: interim response %u skipped", self->status);
      self->interim++;
      self->status = 0;
      self->have_length = FALSE;
      self->content_length = 0;
      g_hash_table_remove_all (self->headers);
      self->state = STATE_STATUS_LINE;
      return TRUE;
    }
  if (!self->have_length)
    {
      /* an error status may come without a body: let the caller report the
       * status; a success must say how long its body is, since the loader
       * never closes the connection */
      if (self->status >= 200 && self->status < 300)
        return parser_fail (self, error,
                            "the device sent an HTTP %u response with no Content-Length",
                            self->status);
      self->content_length = 0;
    }
  self->body = g_malloc (self->content_length + 1);
  self->body[0] = '\0';
  self->body_fill = 0;
  self->state = self->content_length == 0 ? STATE_DONE : STATE_BODY;
  return TRUE;
}

static gboolean
process_line (OtaHttpParser *self, GError **error)
{
  gchar *line = self->line->str;
  gboolean ok;

  if (self->line->len > 0 && line[self->line->len - 1] == '\r')
    g_string_truncate (self->line, self->line->len - 1);
  if (strlen (line) != self->line->len)
    return parser_fail (self, error, "the device sent a NUL byte in the HTTP headers");

  if (self->state == STATE_STATUS_LINE)
    {
      ok = parse_status_line (self, line, error);
      if (ok)
        self->state = STATE_HEADERS;
    }
  else if (self->line->len == 0)
    ok = headers_complete (self, error);
  else
    ok = parse_header_line (self, line, error);
  g_string_truncate (self->line, 0);
  return ok;
}

guint
ota_http_parser_get_interim (OtaHttpParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->interim;
}

gboolean
ota_http_parser_feed (OtaHttpParser *self, const guint8 *data, gsize len, gboolean *done,
                      GError **error)
{
  gsize i = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  if (done != NULL)
    *done = FALSE;
  if (self->state == STATE_FAILED)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL, self->failure);
      return FALSE;
    }

  while (i < len && (self->state == STATE_STATUS_LINE || self->state == STATE_HEADERS))
    {
      const guint8 *nl = memchr (data + i, '\n', len - i);
      gsize n = (nl != NULL ? (gsize) (nl - (data + i)) + 1 : len - i);

      self->header_bytes += n;
      if (self->header_bytes > OTA_HTTP_MAX_HEADER)
        return parser_fail (self, error, "the device sent more than %u bytes of HTTP headers",
                            (guint) OTA_HTTP_MAX_HEADER);
      g_string_append_len (self->line, (const gchar *) data + i, (gssize) (nl != NULL ? n - 1 : n));
      i += n;

      /* fail early on a stream that is not HTTP at all */
      if (self->state == STATE_STATUS_LINE
          && strncmp (self->line->str, HTTP_VERSION_PREFIX,
                      MIN (self->line->len, strlen (HTTP_VERSION_PREFIX)))
                 != 0)
        {
          g_autofree gchar *shown = line_for_message (self->line->str);
          return parser_fail (self, error, "the device did not answer with HTTP: '%s'", shown);
        }
      if (nl != NULL && !process_line (self, error))
        return FALSE;
    }

  if (i < len && self->state == STATE_BODY)
    {
      gsize n = MIN (len - i, self->content_length - self->body_fill);

      memcpy (self->body + self->body_fill, data + i, n);
      self->body_fill += n;
      if (self->body_fill == self->content_length)
        {
          self->body[self->content_length] = '\0';
          self->state = STATE_DONE;
        }
      /* whatever follows the body is not ours: ignored */
    }

  if (done != NULL)
    *done = self->state == STATE_DONE;
  return TRUE;
}

guint
ota_http_parser_get_status (OtaHttpParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->status;
}

const gchar *
ota_http_parser_get_body (OtaHttpParser *self, gsize *len)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->state != STATE_DONE)
    {
      if (len != NULL)
        *len = 0;
      return NULL;
    }
  if (len != NULL)
    *len = self->content_length;
  return self->body;
}

const gchar *
ota_http_parser_get_header (OtaHttpParser *self, const gchar *name)
{
  g_autofree gchar *key = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  key = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (self->headers, key);
}
