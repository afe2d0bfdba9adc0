/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The PC's Wi-Fi, as far as a flash needs it: scan, join a device network
 * with a temporary profile, wait for a network to come back, read the
 * current connection, and put the PC's previous connection back.
 *
 * Every call is synchronous, takes a GCancellable and an absolute deadline
 * (g_get_monotonic_time() microseconds) and may be made from any thread —
 * one call at a time per object (calls from two threads are serialised). The
 * flash engine calls it from its GTask worker. Backends (chosen at run time,
 * ota_wifi_new()): "nm" (NetworkManager through libnm), "wlan" (the Windows
 * WLAN API), "none" (the technician joins by hand). */

#include <gio/gio.h>
#include "ota-wifi-network.h"
#include "ota-wifi-filter.h"

G_BEGIN_DECLS

#define OTA_TYPE_WIFI (ota_wifi_get_type ())
G_DECLARE_DERIVABLE_TYPE (OtaWifi, ota_wifi, OTA, WIFI, GObject)

struct _OtaWifiClass {
  GObjectClass parent_class;

  const gchar *backend_name; /* "nm", "wlan", "none" */
  gboolean can_join;

  /* all access points the adapter sees, after asking for a fresh scan */
  GPtrArray *(*scan) (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error);
  /* joins @network with a temporary profile (replacing a previous one) */
  gboolean (*join) (OtaWifi *self, const OtaWifiNetwork *network, const gchar *password,
                    gint64 deadline, GCancellable *cancellable, GError **error);
  gboolean (*get_current) (OtaWifi *self, gchar **out_ssid, gchar **out_gateway,
                           GCancellable *cancellable, GError **error);
  gboolean (*check) (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error);
  gboolean (*remember) (OtaWifi *self, GCancellable *cancellable, GError **error);
  gboolean (*restore) (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error);
  gpointer padding[7];
};

/* @backend: "nm", "wlan", "none", or NULL/"auto" for $OTA_WIFI_BACKEND, else
 * the best one this build has ("nm" with libnm, "wlan" on Windows, "none").
 * @interface: the Wi-Fi interface to use (NetworkManager's interface name,
 * the adapter's GUID or description on Windows), NULL for the first one.
 * Makes no system call yet: the backend connects at its first call.
 * OTA_ERROR_WIFI for a backend this build does not have. */
OtaWifi *ota_wifi_new (const gchar *backend, const gchar *interface, GError **error);
/* The names ota_wifi_new() accepts in this build, e.g. {"nm", "none"}. */
const gchar *const *ota_wifi_list_backends (void);

const gchar *ota_wifi_get_backend_name (OtaWifi *self);
const gchar *ota_wifi_get_interface (OtaWifi *self);
/* FALSE for "none": the front-end tells the technician to join by hand. */
gboolean ota_wifi_can_join (OtaWifi *self);

/* TRUE when the backend can scan and join now: its service runs, the
 * adapter is there and its radio is on; else OTA_ERROR_WIFI saying which
 * (the window shows "join it by hand" then). Changes nothing. */
gboolean ota_wifi_check (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error);

/* Asks for a fresh scan and lists every access point (OtaWifiNetwork),
 * strongest first. Filter with ota_wifi_filter_devices(). */
GPtrArray *ota_wifi_scan (OtaWifi *self, gint64 deadline, GCancellable *cancellable,
                          GError **error);

/* Joins @ssid with a temporary profile that is removed by
 * ota_wifi_restore() (the user's saved profiles are never changed). The
 * security is the one the access point announces; @password is used for
 * WPA2-PSK (NULL: OTA_WIFI_DEFAULT_PASSWORD) and never logged. Scans first
 * unless a scan of the last 10 s saw @ssid. Errors (OTA_ERROR_WIFI): not in range,
 * wrong password, neither open nor WPA2-PSK, no adapter, Wi-Fi off,
 * NetworkManager not running, deadline. */
gboolean ota_wifi_join (OtaWifi *self, const gchar *ssid, const gchar *password, gint64 deadline,
                        GCancellable *cancellable, GError **error);

/* Scans actively until a network comes in range whose SSID is @ssid, or (with
 * @or_recovery, or when @ssid is NULL) a recovery network (WIFI_OTA_*), and
 * returns it. Used after each restart of the device; the OS's own
 * auto-connect is far too slow for that. OTA_ERROR_WIFI when the deadline
 * passes first. */
OtaWifiNetwork *ota_wifi_wait_for_network (OtaWifi *self, const gchar *ssid, gboolean or_recovery,
                                           gint64 deadline, GCancellable *cancellable,
                                           GError **error);

/* After a restart of the device: waits until the PC is off @leaving (at
 * most 10 s: the device drops its stations just before it restarts; NULL:
 * no wait), then until a network to rejoin is in range — @ssid; else, with
 * @or_recovery (or @ssid NULL), a recovery network; else, with @new_device,
 * a device network of that filter (not a recovery one) that was not in the
 * last scan before this call (the product's network of a device that left
 * its updater, when its name is not known) — and joins it (@password for
 * WPA2-PSK, as ota_wifi_join()). A join that fails is tried again (a device
 * still booting) until @deadline; the last error then. Returns the network
 * joined. */
OtaWifiNetwork *ota_wifi_rejoin (OtaWifi *self, const gchar *leaving, const gchar *ssid,
                                 gboolean or_recovery, OtaWifiFilter *new_device,
                                 const gchar *password, gint64 deadline, GCancellable *cancellable,
                                 GError **error);

/* The interface's current network: @out_ssid NULL when it is not connected,
 * @out_gateway (may be NULL) its IPv4 gateway, the device's address. */
gboolean ota_wifi_get_current (OtaWifi *self, gchar **out_ssid, gchar **out_gateway,
                               GCancellable *cancellable, GError **error);

/* Remembers the PC's connection on the interface (also when it is a device
 * network the technician joined by hand), for ota_wifi_restore(). A
 * temporary profile of ours is never remembered. */
gboolean ota_wifi_remember (OtaWifi *self, GCancellable *cancellable, GError **error);

/* Removes the temporary profile and re-activates the remembered connection,
 * waiting until it is up. Call it after success, failure and cancel alike
 * (with a cancellable that is not the flash's, already cancelled one). The
 * profile is removed even when the reactivation fails. */
gboolean ota_wifi_restore (OtaWifi *self, gint64 deadline, GCancellable *cancellable,
                           GError **error);

/* A deadline @ms milliseconds from now. */
gint64 ota_wifi_deadline_in (guint ms);

G_END_DECLS
