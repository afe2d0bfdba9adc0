/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the window remembers between runs: the last firmware file, the
 * device's address and ports, and its Wi-Fi (the device networks' name
 * patterns and password). A small key file, settings.ini, in
 * $OTAFLASH_CONFIG_DIR or else g_get_user_config_dir()/otaflash: nothing to
 * install, no schema. It holds a password: written readable by its owner
 * only (0600). */

#include <gio/gio.h>

G_BEGIN_DECLS

#define OTA_TYPE_SETTINGS (ota_settings_get_type ())
G_DECLARE_FINAL_TYPE (OtaSettings, ota_settings, OTA, SETTINGS, GObject)

/* Loads from the default directory; a missing or unreadable file gives the
 * defaults (and a g_debug). */
OtaSettings *ota_settings_new (void);
OtaSettings *ota_settings_new_for_dir (const gchar *dir);

const gchar *ota_settings_get_path (OtaSettings *self);
gboolean ota_settings_save (OtaSettings *self, GError **error);

/* NULL when none was chosen yet. */
const gchar *ota_settings_get_last_file (OtaSettings *self);
void ota_settings_set_last_file (OtaSettings *self, const gchar *path);

/* The saved address, or NULL when none was saved (the caller picks the
 * default: $OTAFLASH_HOST or 192.168.1.1). */
const gchar *ota_settings_get_host (OtaSettings *self);
void ota_settings_set_host (OtaSettings *self, const gchar *host);
void ota_settings_get_ports (OtaSettings *self, guint16 *ctp, guint16 *http, guint16 *ota);
void ota_settings_set_ports (OtaSettings *self, guint16 ctp, guint16 http, guint16 ota);

/* The device networks' name patterns as typed (comma- or space-separated
 * globs), or NULL when none were set (the defaults). */
const gchar *ota_settings_get_wifi_patterns (OtaSettings *self);
void ota_settings_set_wifi_patterns (OtaSettings *self, const gchar *patterns);
/* The device networks' password, or NULL for the SDK's default. Never print
 * or log it. */
const gchar *ota_settings_get_wifi_password (OtaSettings *self);
void ota_settings_set_wifi_password (OtaSettings *self, const gchar *password);

/* @text (comma- or space-separated glob patterns) as the list for
 * ota_wifi_filter_new(): NULL when it holds none (the defaults); else the
 * patterns with WIFI_OTA_* added, a recovery network always counts. */
GStrv ota_settings_split_wifi_patterns (const gchar *text);

G_END_DECLS
