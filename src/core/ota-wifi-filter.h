/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which networks are the device's: an SSID matching one of the configured
 * glob patterns is a device network; WIFI_OTA_* is a recovery network (the
 * updater's own open network, a device waiting for stage two). */

#include <gio/gio.h>
#include "ota-wifi-network.h"

G_BEGIN_DECLS

/* The SDK's default password of the product's access point. Never print it. */
#define OTA_WIFI_DEFAULT_PASSWORD "12345678"
/* What the updater calls its open network when it has no saved settings. */
#define OTA_WIFI_RECOVERY_PATTERN "WIFI_OTA_*"

#define OTA_TYPE_WIFI_FILTER (ota_wifi_filter_get_type ())
G_DECLARE_FINAL_TYPE (OtaWifiFilter, ota_wifi_filter, OTA, WIFI_FILTER, GObject)

/* @patterns: NULL-terminated glob patterns (GPatternSpec: * and ?), NULL or
 * empty for the defaults WIFI_OTA_* and wifi_camera_*. */
OtaWifiFilter *ota_wifi_filter_new (const gchar *const *patterns);
const gchar *const *ota_wifi_filter_get_patterns (OtaWifiFilter *self);

gboolean ota_wifi_filter_is_device (OtaWifiFilter *self, const gchar *ssid);
/* TRUE for WIFI_OTA_*, whatever the configured patterns. */
gboolean ota_wifi_ssid_is_recovery (const gchar *ssid);

/* The device networks of @networks (a new array of copies, same order). */
GPtrArray *ota_wifi_filter_devices (OtaWifiFilter *self, GPtrArray *networks);

/* The network for "--wifi auto": the only recovery network in range if there
 * is one, else the only device network. Several access points with one SSID
 * count once (the strongest is returned). Errors (OTA_ERROR_WIFI): none in
 * range; several, with their SSIDs in the message and in @out_candidates
 * (may be NULL; the device networks considered, strongest first). */
OtaWifiNetwork *ota_wifi_filter_pick_auto (OtaWifiFilter *self, GPtrArray *networks,
                                           GPtrArray **out_candidates, GError **error);

G_END_DECLS
