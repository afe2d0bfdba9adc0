/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The temporary profile the Windows WLAN API joins a network with
 * (WlanSetProfile), as XML. Portable on purpose: built and unit-tested on
 * every platform, used by ota-wifi-wlan.c on Windows. */

#include <gio/gio.h>
#include "ota-wifi-network.h"

G_BEGIN_DECLS

/* The profile name otaflash uses for @ssid; never the name of a profile the
 * user saved (Windows names those after the SSID). */
gchar *ota_wifi_profile_name (const gchar *ssid);

/* Checks a WPA2-PSK password: 8 to 63 printable ASCII characters, or 64 hex
 * digits. The message never contains the password. OTA_ERROR_WIFI. */
gboolean ota_wifi_password_check (const gchar *password, GError **error);

/* The WLANProfile XML (profile schema v1): ESS, manual connection mode (never
 * auto-joined later), SSID as <hex> and escaped <name>; open/none or
 * WPA2PSK/AES with the passphrase (or 64-digit key) as keyMaterial.
 * OTA_ERROR_WIFI for OTA_WIFI_SECURITY_OTHER, an SSID over 32 bytes or a bad
 * password. */
gchar *ota_wifi_profile_xml (const gchar *profile_name, const gchar *ssid, OtaWifiSecurity security,
                             const gchar *password, GError **error);

G_END_DECLS
