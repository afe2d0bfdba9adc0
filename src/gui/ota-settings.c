/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-settings.h"
#include "ota-i18n.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "ota-session.h"
#include "ota-wifi-filter.h"

#define GROUP_FIRMWARE "firmware"
#define GROUP_DEVICE "device"
#define GROUP_WIFI "wifi"

struct _OtaSettings {
  GObject parent_instance;

  gchar *path;
  gchar *last_file;
  gchar *host;
  guint16 ctp_port, http_port, ota_port;
  gchar *wifi_patterns;
  gchar *wifi_password; /* never printed or logged */
};

G_DEFINE_TYPE (OtaSettings, ota_settings, G_TYPE_OBJECT)

static void
clear_secret (gchar **secret)
{
  if (*secret != NULL)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

static void
ota_settings_finalize (GObject *object)
{
  OtaSettings *self = OTA_SETTINGS (object);

  g_free (self->path);
  g_free (self->last_file);
  g_free (self->host);
  g_free (self->wifi_patterns);
  clear_secret (&self->wifi_password);
  G_OBJECT_CLASS (ota_settings_parent_class)->finalize (object);
}

static void
ota_settings_class_init (OtaSettingsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_settings_finalize;
}

static void
ota_settings_init (OtaSettings *self)
{
  self->ctp_port = OTA_DEFAULT_CTP_PORT;
  self->http_port = OTA_DEFAULT_HTTP_PORT;
  self->ota_port = OTA_DEFAULT_OTA_PORT;
}

static guint16
read_port (GKeyFile *kf, const gchar *key, guint16 fallback)
{
  g_autoptr (GError) error = NULL;
  gint value = g_key_file_get_integer (kf, GROUP_DEVICE, key, &error);

  if (error != NULL || value < 1 || value > G_MAXUINT16)
    return fallback;
  return (guint16) value;
}

static gchar *
read_string (GKeyFile *kf, const gchar *group, const gchar *key)
{
  g_autofree gchar *value = g_key_file_get_string (kf, group, key, NULL);

  if (value == NULL || *g_strstrip (value) == '\0')
    return NULL;
  return g_steal_pointer (&value);
}

static void
load (OtaSettings *self)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  if (!g_key_file_load_from_file (kf, self->path, G_KEY_FILE_NONE, &error))
    {
      g_debug ("no settings read from %s: %s", self->path, error->message);
      return;
    }
  self->last_file = read_string (kf, GROUP_FIRMWARE, "last-file");
  self->host = read_string (kf, GROUP_DEVICE, "host");
  self->ctp_port = read_port (kf, "ctp-port", OTA_DEFAULT_CTP_PORT);
  self->http_port = read_port (kf, "http-port", OTA_DEFAULT_HTTP_PORT);
  self->ota_port = read_port (kf, "ota-port", OTA_DEFAULT_OTA_PORT);
  self->wifi_patterns = read_string (kf, GROUP_WIFI, "patterns");
  /* a password is taken as typed: spaces may be part of it */
  self->wifi_password = g_key_file_get_string (kf, GROUP_WIFI, "password", NULL);
  if (self->wifi_password != NULL && *self->wifi_password == '\0')
    clear_secret (&self->wifi_password);
}

OtaSettings *
ota_settings_new_for_dir (const gchar *dir)
{
  OtaSettings *self;

  g_return_val_if_fail (dir != NULL, NULL);
  self = g_object_new (OTA_TYPE_SETTINGS, NULL);
  self->path = g_build_filename (dir, "settings.ini", NULL);
  load (self);
  return self;
}

OtaSettings *
ota_settings_new (void)
{
  const gchar *env = g_getenv ("OTAFLASH_CONFIG_DIR");
  g_autofree gchar *dir = NULL;

  if (env != NULL && *env != '\0')
    dir = g_strdup (env);
  else
    dir = g_build_filename (g_get_user_config_dir (), "otaflash", NULL);
  return ota_settings_new_for_dir (dir);
}

const gchar *
ota_settings_get_path (OtaSettings *self)
{
  g_return_val_if_fail (OTA_IS_SETTINGS (self), NULL);
  return self->path;
}

gboolean
ota_settings_save (OtaSettings *self, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree gchar *dir = NULL;
  g_autofree gchar *data = NULL;
  gsize length = 0;
  gboolean ok;

  g_return_val_if_fail (OTA_IS_SETTINGS (self), FALSE);

  /* keep what a newer version may have added */
  g_key_file_load_from_file (kf, self->path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  if (self->last_file != NULL)
    g_key_file_set_string (kf, GROUP_FIRMWARE, "last-file", self->last_file);
  else
    g_key_file_remove_key (kf, GROUP_FIRMWARE, "last-file", NULL);
  if (self->host != NULL)
    g_key_file_set_string (kf, GROUP_DEVICE, "host", self->host);
  else
    g_key_file_remove_key (kf, GROUP_DEVICE, "host", NULL);
  g_key_file_set_integer (kf, GROUP_DEVICE, "ctp-port", self->ctp_port);
  g_key_file_set_integer (kf, GROUP_DEVICE, "http-port", self->http_port);
  g_key_file_set_integer (kf, GROUP_DEVICE, "ota-port", self->ota_port);
  if (self->wifi_patterns != NULL)
    g_key_file_set_string (kf, GROUP_WIFI, "patterns", self->wifi_patterns);
  else
    g_key_file_remove_key (kf, GROUP_WIFI, "patterns", NULL);
  if (self->wifi_password != NULL)
    g_key_file_set_string (kf, GROUP_WIFI, "password", self->wifi_password);
  else
    g_key_file_remove_key (kf, GROUP_WIFI, "password", NULL);

  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _ ("cannot create the settings folder %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  data = g_key_file_to_data (kf, &length, NULL);
  /* it holds the device networks' password: its owner's only, from the
   * first byte written (a new file replaces the old one) */
  ok = g_file_set_contents_full (self->path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0600, error);
  memset (data, 0, length);
  return ok;
}

const gchar *
ota_settings_get_last_file (OtaSettings *self)
{
  g_return_val_if_fail (OTA_IS_SETTINGS (self), NULL);
  return self->last_file;
}

void
ota_settings_set_last_file (OtaSettings *self, const gchar *path)
{
  gchar *old;

  g_return_if_fail (OTA_IS_SETTINGS (self));
  /* @path may be the string we hold: copy first */
  old = self->last_file;
  self->last_file = g_strdup (path);
  g_free (old);
}

const gchar *
ota_settings_get_host (OtaSettings *self)
{
  g_return_val_if_fail (OTA_IS_SETTINGS (self), NULL);
  return self->host;
}

void
ota_settings_set_host (OtaSettings *self, const gchar *host)
{
  gchar *old;

  g_return_if_fail (OTA_IS_SETTINGS (self));
  old = self->host;
  self->host = host != NULL && *host != '\0' ? g_strdup (host) : NULL;
  g_free (old);
}

void
ota_settings_get_ports (OtaSettings *self, guint16 *ctp, guint16 *http, guint16 *ota)
{
  g_return_if_fail (OTA_IS_SETTINGS (self));
  if (ctp != NULL)
    *ctp = self->ctp_port;
  if (http != NULL)
    *http = self->http_port;
  if (ota != NULL)
    *ota = self->ota_port;
}

void
ota_settings_set_ports (OtaSettings *self, guint16 ctp, guint16 http, guint16 ota)
{
  g_return_if_fail (OTA_IS_SETTINGS (self));
  self->ctp_port = ctp != 0 ? ctp : OTA_DEFAULT_CTP_PORT;
  self->http_port = http != 0 ? http : OTA_DEFAULT_HTTP_PORT;
  self->ota_port = ota != 0 ? ota : OTA_DEFAULT_OTA_PORT;
}

const gchar *
ota_settings_get_wifi_patterns (OtaSettings *self)
{
  g_return_val_if_fail (OTA_IS_SETTINGS (self), NULL);
  return self->wifi_patterns;
}

void
ota_settings_set_wifi_patterns (OtaSettings *self, const gchar *patterns)
{
  g_autofree gchar *copy = g_strstrip (g_strdup (patterns != NULL ? patterns : ""));

  g_return_if_fail (OTA_IS_SETTINGS (self));
  g_free (self->wifi_patterns);
  self->wifi_patterns = *copy != '\0' ? g_steal_pointer (&copy) : NULL;
}

const gchar *
ota_settings_get_wifi_password (OtaSettings *self)
{
  g_return_val_if_fail (OTA_IS_SETTINGS (self), NULL);
  return self->wifi_password;
}

void
ota_settings_set_wifi_password (OtaSettings *self, const gchar *password)
{
  gchar *copy;

  g_return_if_fail (OTA_IS_SETTINGS (self));
  copy = password != NULL && *password != '\0' ? g_strdup (password) : NULL;
  clear_secret (&self->wifi_password);
  self->wifi_password = copy;
}

GStrv
ota_settings_split_wifi_patterns (const gchar *text)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) parts = g_strsplit_set (text != NULL ? text : "", ", \t\n", -1);
  gboolean any = FALSE, recovery = FALSE;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (*parts[i] == '\0')
        continue;
      any = TRUE;
      recovery = recovery || g_str_equal (parts[i], OTA_WIFI_RECOVERY_PATTERN);
      g_strv_builder_add (builder, parts[i]);
    }
  if (!any)
    return NULL;
  if (!recovery)
    g_strv_builder_add (builder, OTA_WIFI_RECOVERY_PATTERN);
  return g_strv_builder_end (builder);
}
