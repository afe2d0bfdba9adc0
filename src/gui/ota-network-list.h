/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The device networks in range, in the window's device panel: a scan on
 * demand (Refresh) and when the window gets its Wi-Fi, run in a GTask thread
 * (ota_wifi_check, ota_wifi_scan, ota_wifi_filter_devices); recovery networks
 * (WIFI_OTA_*) marked and first. The network chosen is the one a flash joins
 * ("Automatic" = ota_session_set_wifi()'s "auto"). "Join the device's Wi-Fi
 * automatically" is on by default when the backend can join; without a
 * backend that can (none, or ota_wifi_check failed) the list says, once,
 * why the technician joins by hand.
 *
 * Signals:
 *   "changed" ()   the networks, the choice or the option changed
 */

#include <gtk/gtk.h>
#include "ota-wifi.h"

G_BEGIN_DECLS

#define OTA_TYPE_NETWORK_LIST (ota_network_list_get_type ())
G_DECLARE_FINAL_TYPE (OtaNetworkList, ota_network_list, OTA, NETWORK_LIST, GtkBox)

GtkWidget *ota_network_list_new (void);

/* The PC's Wi-Fi (NULL: none at all; @why says why, e.g. the backend
 * cannot be created) and the device networks' patterns; scans at once when
 * the backend can join. */
void ota_network_list_set_wifi (OtaNetworkList *self, OtaWifi *wifi, OtaWifiFilter *filter,
                                const gchar *why);
/* Scans again (nothing while busy or without a backend that can join). */
void ota_network_list_refresh (OtaNetworkList *self);
/* A flash runs: no scan, no change of choice. */
void ota_network_list_set_busy (OtaNetworkList *self, gboolean busy);

/* The backend can join and its check passed. */
gboolean ota_network_list_get_usable (OtaNetworkList *self);
/* Usable and "Join the device's Wi-Fi automatically" is on. */
gboolean ota_network_list_get_auto_join (OtaNetworkList *self);
void ota_network_list_set_auto_join (OtaNetworkList *self, gboolean on);
/* The network chosen; NULL for "Automatic". */
const gchar *ota_network_list_get_selected (OtaNetworkList *self);
/* Selects @ssid (NULL: "Automatic"); FALSE when it is not listed. */
gboolean ota_network_list_select (OtaNetworkList *self, const gchar *ssid);
/* The network a flash would join is a recovery network (chosen, or the
 * first of the list with "Automatic"). */
gboolean ota_network_list_get_recovery (OtaNetworkList *self);
/* The device networks in range, as listed (element-type OtaWifiNetwork). */
GPtrArray *ota_network_list_get_networks (OtaNetworkList *self);
OtaWifi *ota_network_list_get_wifi (OtaNetworkList *self);
OtaWifiFilter *ota_network_list_get_filter (OtaNetworkList *self);
/* A scan runs. */
gboolean ota_network_list_get_scanning (OtaNetworkList *self);

/* Recovery networks first, then the strongest (then by name), in place. */
void ota_network_list_sort (GPtrArray *networks);

G_END_DECLS
