/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi-network.h"

G_DEFINE_BOXED_TYPE (OtaWifiNetwork, ota_wifi_network, ota_wifi_network_copy, ota_wifi_network_free)

const gchar *
ota_wifi_security_to_string (OtaWifiSecurity security)
{
  switch (security)
    {
    case OTA_WIFI_SECURITY_OPEN:
      return "open";
    case OTA_WIFI_SECURITY_WPA2_PSK:
      return "wpa2-psk";
    case OTA_WIFI_SECURITY_OTHER:
    default:
      return "other";
    }
}

OtaWifiNetwork *
ota_wifi_network_new (const gchar *ssid, const gchar *bssid, guint signal, OtaWifiSecurity security)
{
  OtaWifiNetwork *network = g_new0 (OtaWifiNetwork, 1);

  g_return_val_if_fail (ssid != NULL, NULL);
  network->ssid = g_utf8_make_valid (ssid, -1);
  network->bssid = g_ascii_strup (bssid != NULL ? bssid : "", -1);
  network->signal = MIN (signal, 100u);
  network->security = security;
  return network;
}

OtaWifiNetwork *
ota_wifi_network_copy (const OtaWifiNetwork *network)
{
  g_return_val_if_fail (network != NULL, NULL);
  return ota_wifi_network_new (network->ssid, network->bssid, network->signal, network->security);
}

void
ota_wifi_network_free (OtaWifiNetwork *network)
{
  if (network == NULL)
    return;
  g_free (network->ssid);
  g_free (network->bssid);
  g_free (network);
}

static gint
ota_wifi_network_compare (gconstpointer a, gconstpointer b)
{
  const OtaWifiNetwork *na = *(const OtaWifiNetwork *const *) a;
  const OtaWifiNetwork *nb = *(const OtaWifiNetwork *const *) b;

  if (na->signal != nb->signal)
    return na->signal > nb->signal ? -1 : 1;
  return g_strcmp0 (na->ssid, nb->ssid);
}

void
ota_wifi_network_sort (GPtrArray *networks)
{
  g_ptr_array_sort (networks, ota_wifi_network_compare);
}

cJSON *
ota_wifi_network_to_json (const OtaWifiNetwork *network, gboolean recovery)
{
  cJSON *obj = cJSON_CreateObject ();

  cJSON_AddStringToObject (obj, "event", "network");
  cJSON_AddStringToObject (obj, "ssid", network->ssid);
  cJSON_AddStringToObject (obj, "bssid", network->bssid);
  cJSON_AddNumberToObject (obj, "signal", network->signal);
  cJSON_AddStringToObject (obj, "security", ota_wifi_security_to_string (network->security));
  cJSON_AddBoolToObject (obj, "recovery", recovery);
  return obj;
}
