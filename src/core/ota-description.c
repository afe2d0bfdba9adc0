/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-description.h"

#include <string.h>
#include "ota-json.h"

#include "ota-error.h"

/* as in ota-ctp-frame.h, which this file does not need otherwise */

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

OtaDescription *
ota_description_parse (const gchar *json, gsize len, GError **error)
{
  g_autoptr(OtaDescription) desc = NULL;
  g_autoptr(cJSON) root = NULL;
  const char *end = NULL;

  g_return_val_if_fail (json != NULL || len == 0, NULL);

  if (len == 0)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           "the device description is empty");
      return NULL;
    }
  if (memchr (json, '\0', len) != NULL)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           "the device description holds a NUL byte: it is not JSON text");
      return NULL;
    }
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
                           "the device description is not a JSON object");
      return NULL;
    }

  desc = g_new0 (OtaDescription, 1);
  desc->ota_type = field_text (root, "ota_type");
  desc->ota_step = field_text (root, "ota_step");
  desc->firmware_version = field_text (root, "firmware_version");
  desc->product_type = field_text (root, "product_type");
  desc->uuid = field_text (root, "uuid");
  desc->match_app_type = field_text (root, "match_app_type");
  desc->raw_json = g_strndup (json, len);
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
  return copy;
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
