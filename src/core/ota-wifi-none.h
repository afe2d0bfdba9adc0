/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The "none" Wi-Fi backend: no control over the PC's Wi-Fi, the technician
 * joins the device's network by hand (otaflash's behaviour before #10).
 * remember/restore/get_current succeed and do nothing; scan, join and
 * wait-for-network fail with OTA_ERROR_WIFI. Says so once per process. */

#include "ota-wifi.h"

G_BEGIN_DECLS

#define OTA_TYPE_WIFI_NONE (ota_wifi_none_get_type ())
G_DECLARE_FINAL_TYPE (OtaWifiNone, ota_wifi_none, OTA, WIFI_NONE, OtaWifi)

G_END_DECLS
