/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-description.h"
#include "ota-i18n.h"

#include <string.h>
#include "ota-json.h"

#include "ota-error.h"
#include "ota-text.h"

#define DESCRIBE_MAX 64

/* A known field as text: strings as they are (trimmed), numbers as their
 * decimal form (products edit this file by hand: "ota_type": 1), anything
 * else is treated as absent. */
static gchar *
field_text (const cJSON *root, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (root, key);

  if (cJSON_IsString (item))
    return g_strstrip (g_strdup (item->valuestring));
  if (cJSON_IsNumber (item))
    {
      gdouble d = item->valuedouble;
      gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (d >= -1e15 && d <= 1e15 && d == (gdouble) (gint64) d)
        return g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) d);
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, d));
    }
  return NULL;
}

/* cJSON decodes \u0000 into a NUL that ends the C string: the rest of the
 * value would vanish without a trace. Replaces each such escape inside a
 * string (same length: \uFFFD) in place and returns how many there were. */
static guint
mark_nul_escapes (gchar *text, gsize len)
{
  gboolean in_string = FALSE;
  guint n = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (!in_string)
        {
          in_string = text[i] == '"';
          continue;
        }
      if (text[i] == '"')
        {
          in_string = FALSE;
          continue;
        }
      if (text[i] != '\\' || i + 1 >= len)
        continue;
      /* an escape: \uXXXX or one character */
      if (text[i + 1] == 'u' && i + 5 < len && memcmp (text + i + 2, "0000", 4) == 0)
        {
          memcpy (text + i + 2, "FFFD", 4);
          n++;
        }
      i++;
    }
  return n;
}

OtaDescription *
ota_description_parse (const gchar *json, gsize len, GError **error)
{
  g_autofree gchar *text = NULL;
  guint nul_escapes;
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (cJSON) root = NULL;
  const char *end = NULL;

  g_return_val_if_fail (json != NULL || len == 0, NULL);

  if (len == 0)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device description is empty"));
      return NULL;
    }
  if (memchr (json, '\0', len) != NULL)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device description holds a NUL byte: it is not JSON text"));
      return NULL;
    }
  text = g_strndup (json, len);
  nul_escapes = mark_nul_escapes (text, len);
  json = text;
  root = cJSON_ParseWithLengthOpts (json, len, &end, FALSE);
  if (root == NULL)
    {
      gsize at = (end != NULL && end >= json) ? (gsize) (end - json) : 0;

      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   "the device description is not valid JSON (error near byte %" G_GSIZE_FORMAT
                   " of %" G_GSIZE_FORMAT ")",
                   at, len);
      return NULL;
    }
  for (const char *p = end; p < json + len; p++)
    {
      if (!g_ascii_isspace (*p))
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                       "the device description has data after the JSON (at byte %" G_GSIZE_FORMAT
                       " of %" G_GSIZE_FORMAT ")",
                       (gsize) (p - json), len);
          return NULL;
        }
    }
  if (!cJSON_IsObject (root))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           _ ("the device description is not a JSON object"));
      return NULL;
    }

  desc = g_new0 (OtaDescription, 1);
  desc->ota_type = field_text (root, "ota_type");
  desc->ota_step = field_text (root, "ota_step");
  desc->firmware_version = field_text (root, "firmware_version");
  desc->product_type = field_text (root, "product_type");
  desc->uuid = field_text (root, "uuid");
  desc->match_app_type = field_text (root, "match_app_type");
  desc->raw_json = g_steal_pointer (&text);
  desc->nul_escapes = nul_escapes;
  if (nul_escapes > 0)
    g_debug ("the description holds %u \\u0000 escape%s, shown as U+FFFD", nul_escapes,
             nul_escapes == 1 ? "" : "s");
  return g_steal_pointer (&desc);
}

void
ota_description_free (OtaDescription *desc)
{
  if (desc == NULL)
    return;
  g_free (desc->ota_type);
  g_free (desc->ota_step);
  g_free (desc->firmware_version);
  g_free (desc->product_type);
  g_free (desc->uuid);
  g_free (desc->match_app_type);
  g_free (desc->raw_json);
  g_free (desc);
}

OtaDescription *
ota_description_copy (const OtaDescription *desc)
{
  OtaDescription *copy;

  g_return_val_if_fail (desc != NULL, NULL);

  copy = g_new0 (OtaDescription, 1);
  copy->ota_type = g_strdup (desc->ota_type);
  copy->ota_step = g_strdup (desc->ota_step);
  copy->firmware_version = g_strdup (desc->firmware_version);
  copy->product_type = g_strdup (desc->product_type);
  copy->uuid = g_strdup (desc->uuid);
  copy->match_app_type = g_strdup (desc->match_app_type);
  copy->raw_json = g_strdup (desc->raw_json);
  copy->nul_escapes = desc->nul_escapes;
  return copy;
}

/* A copy of @item at @depth (1 for the top), containers below @max_depth
 * replaced by a note. The recursion is bounded by @max_depth. */
static cJSON *
copy_bounded (const cJSON *item, guint depth, guint max_depth)
{
  cJSON *copy;

  if (!cJSON_IsArray (item) && !cJSON_IsObject (item))
    return cJSON_Duplicate (item, FALSE);
  if (depth > max_depth)
    {
      g_autofree gchar *note = g_strdup_printf ("(nested deeper than %u levels)", max_depth);

      return cJSON_CreateString (note);
    }
  copy = cJSON_IsArray (item) ? cJSON_CreateArray () : cJSON_CreateObject ();
  for (const cJSON *child = item->child; child != NULL; child = child->next)
    {
      cJSON *c = copy_bounded (child, depth + 1, max_depth);

      if (c == NULL)
        continue; /* out of memory: leave it out */
      if (cJSON_IsObject (item))
        cJSON_AddItemToObject (copy, child->string != NULL ? child->string : "", c);
      else
        cJSON_AddItemToArray (copy, c);
    }
  return copy;
}

static cJSON *
parse_raw (const OtaDescription *desc)
{
  if (desc->raw_json == NULL)
    return NULL;
  return cJSON_ParseWithLength (desc->raw_json, strlen (desc->raw_json));
}

cJSON *
ota_description_dup_json (const OtaDescription *desc, guint max_depth)
{
  g_autoptr (cJSON) root = NULL;

  g_return_val_if_fail (desc != NULL, NULL);

  root = parse_raw (desc);
  if (root == NULL)
    return NULL;
  return copy_bounded (root, 1, MAX (max_depth, 1u));
}

gchar *
ota_description_describe_field (const OtaDescription *desc, const gchar *key)
{
  g_autoptr (cJSON) root = NULL;
  g_autofree gchar *text = NULL;
  const cJSON *item;
  const gchar *what;
  char *printed;

  g_return_val_if_fail (desc != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  root = parse_raw (desc);
  item = root != NULL ? cJSON_GetObjectItemCaseSensitive (root, key) : NULL;
  if (item == NULL)
    return g_strdup ("missing");
  if (cJSON_IsString (item) || cJSON_IsNumber (item))
    {
      g_autofree gchar *value = field_text (root, key);

      return ota_text_sanitize (value, (gssize) MIN (strlen (value), DESCRIBE_MAX));
    }
  /* the bounded copy: a deep value is not printed in full */
  {
    g_autoptr (cJSON) shown = copy_bounded (item, 1, 2);

    printed = shown != NULL ? cJSON_PrintUnformatted (shown) : NULL;
  }
  text = printed != NULL
             ? ota_text_sanitize (printed, (gssize) MIN (strlen (printed), DESCRIBE_MAX))
             : g_strdup ("?");
  cJSON_free (printed);
  if (cJSON_IsArray (item))
    what = "a list";
  else if (cJSON_IsObject (item))
    what = "an object";
  else
    what = "not a string";
  return g_strdup_printf ("%s (%s)", text, what);
}

gboolean
ota_description_is_single_backup (const OtaDescription *desc)
{
  g_return_val_if_fail (desc != NULL, FALSE);

  return g_strcmp0 (desc->ota_type, "1") == 0;
}

gboolean
ota_description_needs_stage_two (const OtaDescription *desc)
{
  g_return_val_if_fail (desc != NULL, FALSE);

  return g_strcmp0 (desc->ota_step, "1") == 0;
}
