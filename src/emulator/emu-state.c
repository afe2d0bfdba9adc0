/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-state.h"

#include <cjson/cJSON.h>
#include <glib/gstdio.h>

#include "ota-ctp-frame.h" /* autoptr for cJSON */

#define STATE_FILE "state.json"

static const gchar *
json_string (const cJSON *obj, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItemCaseSensitive (obj, key);

  return cJSON_IsString (item) ? item->valuestring : NULL;
}

/* The last six hex digits of the uuid, upper case. */
static gchar *
uuid_hex6 (const EmuState *self)
{
  GString *hex = g_string_new (NULL);
  const gchar *u = self->uuid != NULL ? self->uuid : "000000";

  for (const gchar *p = u; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (hex, g_ascii_toupper (*p));
  while (hex->len < 6)
    g_string_append_c (hex, '0');
  g_string_erase (hex, 0, hex->len - 6);
  return g_string_free (hex, FALSE);
}

gchar *
emu_state_product_ssid (const EmuState *self)
{
  g_autofree gchar *hex = uuid_hex6 (self);

  return g_strdup_printf ("wifi_camera_%s", hex);
}

gchar *
emu_state_recovery_ssid (const EmuState *self)
{
  g_autofree gchar *hex = uuid_hex6 (self);

  return g_strdup_printf ("WIFI_OTA_%s", hex);
}

EmuState *
emu_state_load (const gchar *dir, const gchar *fresh_version, GError **error)
{
  g_autoptr (EmuState) self = g_new0 (EmuState, 1);
  g_autofree gchar *text = NULL;
  g_autoptr (cJSON) root = NULL;
  const cJSON *item;

  if (dir != NULL)
    {
      if (g_mkdir_with_parents (dir, 0755) != 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create the state dir %s",
                       dir);
          return NULL;
        }
      self->path = g_build_filename (dir, STATE_FILE, NULL);
    }

  if (self->path == NULL || !g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      self->installed_version = g_strdup (fresh_version != NULL ? fresh_version : "1.0.0");
      self->uuid = g_uuid_string_random ();
      self->ssid = emu_state_product_ssid (self);
      self->fresh = TRUE;
      if (!emu_state_save (self, error))
        return NULL;
      return g_steal_pointer (&self);
    }

  if (!g_file_get_contents (self->path, &text, NULL, error))
    return NULL;
  root = cJSON_Parse (text);
  if (!cJSON_IsObject (root) || json_string (root, "installed_version") == NULL
      || json_string (root, "uuid") == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "%s is not an emulator state file; remove it or use another --state-dir",
                   self->path);
      return NULL;
    }
  self->installed_version = g_strdup (json_string (root, "installed_version"));
  self->uuid = g_strdup (json_string (root, "uuid"));
  self->ssid = g_strdup (json_string (root, "ssid"));
  if (self->ssid == NULL)
    self->ssid = emu_state_product_ssid (self);
  self->stage2_pending = cJSON_IsTrue (cJSON_GetObjectItemCaseSensitive (root, "stage2_pending"));
  item = cJSON_GetObjectItemCaseSensitive (root, "flash_crc");
  if (cJSON_IsNumber (item))
    {
      self->has_identity = TRUE;
      self->flash_crc = (guint32) item->valuedouble;
      item = cJSON_GetObjectItemCaseSensitive (root, "flash_size");
      self->flash_size = cJSON_IsNumber (item) ? (guint32) item->valuedouble : 0;
    }
  return g_steal_pointer (&self);
}

gboolean
emu_state_save (EmuState *self, GError **error)
{
  g_autoptr (cJSON) root = cJSON_CreateObject ();
  g_autofree gchar *text = NULL;

  if (self->path == NULL)
    return TRUE;

  cJSON_AddStringToObject (root, "installed_version", self->installed_version);
  if (self->has_identity)
    {
      cJSON_AddNumberToObject (root, "flash_crc", self->flash_crc);
      cJSON_AddNumberToObject (root, "flash_size", self->flash_size);
    }
  else
    {
      cJSON_AddNullToObject (root, "flash_crc");
      cJSON_AddNullToObject (root, "flash_size");
    }
  cJSON_AddBoolToObject (root, "stage2_pending", self->stage2_pending);
  cJSON_AddStringToObject (root, "ssid", self->ssid);
  cJSON_AddStringToObject (root, "uuid", self->uuid);
  text = cJSON_Print (root);
  /* g_file_set_contents writes a temp file and renames it: a power cut
   * (kill -9) never leaves half a state file. */
  return g_file_set_contents (self->path, text, -1, error);
}

void
emu_state_reset (EmuState *self, const gchar *fresh_version)
{
  g_free (self->installed_version);
  self->installed_version = g_strdup (fresh_version != NULL ? fresh_version : "1.0.0");
  g_free (self->uuid);
  self->uuid = g_uuid_string_random ();
  g_free (self->ssid);
  self->ssid = emu_state_product_ssid (self);
  self->has_identity = FALSE;
  self->flash_crc = 0;
  self->flash_size = 0;
  self->stage2_pending = FALSE;
  self->fresh = TRUE;
}

void
emu_state_free (EmuState *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self->installed_version);
  g_free (self->ssid);
  g_free (self->uuid);
  g_free (self);
}
