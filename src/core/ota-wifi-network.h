/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One access point seen by a Wi-Fi scan, as a plain value. Whether it is a
 * device network is decided by OtaWifiFilter (ota-wifi-filter.h). */

#include <gio/gio.h>
#include "ota-json.h"

G_BEGIN_DECLS

typedef enum {
  OTA_WIFI_SECURITY_OPEN,     /* no encryption (the updater's WIFI_OTA_... network) */
  OTA_WIFI_SECURITY_WPA2_PSK, /* WPA/WPA2 personal: joined with a password */
  OTA_WIFI_SECURITY_OTHER,    /* WEP, enterprise, WPA3-only...: otaflash cannot join it */
} OtaWifiSecurity;

/* "open", "wpa2-psk", "other" (the JSON spelling of docs/cli.md) */
const gchar *ota_wifi_security_to_string (OtaWifiSecurity security);

typedef struct {
  gchar *ssid;  /* UTF-8; invalid bytes replaced (never a device network) */
  gchar *bssid; /* "AA:BB:CC:DD:EE:FF", upper case; may be "" when unknown */
  guint signal; /* 0..100 % */
  OtaWifiSecurity security;
} OtaWifiNetwork;

OtaWifiNetwork *ota_wifi_network_new (const gchar *ssid, const gchar *bssid, guint signal,
                                      OtaWifiSecurity security);
OtaWifiNetwork *ota_wifi_network_copy (const OtaWifiNetwork *network);
void ota_wifi_network_free (OtaWifiNetwork *network);
GType ota_wifi_network_get_type (void);
#define OTA_TYPE_WIFI_NETWORK (ota_wifi_network_get_type ())
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaWifiNetwork, ota_wifi_network_free)

/* Sorts an array of OtaWifiNetwork by signal, strongest first (then SSID). */
void ota_wifi_network_sort (GPtrArray *networks);

/* {"event":"network","ssid":…,"bssid":…,"signal":…,"security":…,"recovery":…}
 * (docs/cli.md). @recovery comes from ota_wifi_ssid_is_recovery(). */
cJSON *ota_wifi_network_to_json (const OtaWifiNetwork *network, gboolean recovery);

G_END_DECLS
