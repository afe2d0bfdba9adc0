/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* For tests only: the list's children, and networks set without a scan. */

#include "ota-network-list.h"

G_BEGIN_DECLS

GtkWidget *ota_network_list_get_combo (OtaNetworkList *self);
GtkWidget *ota_network_list_get_refresh_button (OtaNetworkList *self);
GtkWidget *ota_network_list_get_auto_check (OtaNetworkList *self);
GtkWidget *ota_network_list_get_status_label (OtaNetworkList *self);
/* As a scan that found @networks (all access points; filtered here). */
void ota_network_list_set_scan_result (OtaNetworkList *self, GPtrArray *networks);

G_END_DECLS
