/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The NetworkManager Wi-Fi backend, through libnm. The NMClient lives in a
 * private GMainContext that each call pushes as its thread's default and
 * iterates while it waits, so the calls are synchronous and work from any
 * thread. Joins use an unsaved, "volatile" profile (NetworkManager deletes it
 * when it goes down; otaflash deletes it in restore as well) with autoconnect
 * off, bound to the interface: the user's saved profiles are never changed. */

#include "ota-wifi.h"

G_BEGIN_DECLS

#define OTA_TYPE_WIFI_NM (ota_wifi_nm_get_type ())
G_DECLARE_FINAL_TYPE (OtaWifiNm, ota_wifi_nm, OTA, WIFI_NM, OtaWifi)

G_END_DECLS
