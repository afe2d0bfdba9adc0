/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the window remembers between runs: the last firmware file and the
 * device's address and ports. A small key file, settings.ini, in
 * $OTAFLASH_CONFIG_DIR or else g_get_user_config_dir()/otaflash: nothing to
 * install, no schema. */

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

G_END_DECLS
