/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Windows Wi-Fi backend, through the WLAN API (wlanapi.h). Built on
 * Windows only. Joins with a temporary per-PC profile named
 * "otaflash temporary SSID" (ota-wifi-profile.c; connection mode manual, so
 * Windows never joins it by itself), deleted by restore; the user's profiles
 * are never written. The service's notifications (scan and connection done
 * or failed) arrive on a system thread and are handed over under a mutex. */

#include "ota-wifi.h"

G_BEGIN_DECLS

#define OTA_TYPE_WIFI_WLAN (ota_wifi_wlan_get_type ())
G_DECLARE_FINAL_TYPE (OtaWifiWlan, ota_wifi_wlan, OTA, WIFI_WLAN, OtaWifi)

G_END_DECLS
