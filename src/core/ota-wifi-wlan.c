/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi-wlan.h"
#include "ota-i18n.h"

#include <winsock2.h>
#include <windows.h>
#include <iphlpapi.h>
#include <wlanapi.h>

#include "ota-error.h"
#include "ota-wifi-profile.h"

/* mingw-w64's wlanapi.h lacks the reason code groups (Windows SDK values) */
#ifndef WLAN_REASON_CODE_SUCCESS
#define WLAN_REASON_CODE_SUCCESS 0
#endif
#ifndef L2_REASON_CODE_DOT11_SECURITY_BASE
#define L2_REASON_CODE_DOT11_SECURITY_BASE 0x40000
#endif
#define OTA_WIFI_WLAN_SECURITY_GROUP_END (L2_REASON_CODE_DOT11_SECURITY_BASE + 0x10000)

/* one scan takes the WLAN service about 4 s */
#define OTA_WIFI_WLAN_SCAN_MS 10000

typedef enum {
  OTA_WIFI_WLAN_WAIT_SCAN,
  OTA_WIFI_WLAN_WAIT_CONNECT,
} OtaWifiWlanWait;

struct _OtaWifiWlan {
  OtaWifi parent_instance;
  HANDLE client; /* NULL until the first call */
  GUID guid;     /* the interface */
  gchar *guid_str;
  /* written by the notification thread, under lock */
  GMutex lock;
  GCond cond;
  guint scans_done;     /* scan complete or failed */
  guint connects_done;  /* connection complete or failed */
  DWORD connect_reason; /* of the last one */
  gchar *temp_profile;  /* UTF-8; NULL when there is none */
  gchar *temp_ssid;
  gboolean remembered;
  gchar *saved_profile; /* the profile that was connected before; NULL: none */
};

G_DEFINE_TYPE (OtaWifiWlan, ota_wifi_wlan, OTA_TYPE_WIFI)

static gboolean
ota_wifi_wlan_fail (DWORD rc, const gchar *what, GError **error)
{
  g_autofree gchar *msg = g_win32_error_message ((gint) rc);

  g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: %s"), what, msg);
  return FALSE;
}

static gchar *
ota_wifi_wlan_reason (DWORD reason)
{
  WCHAR buf[512];

  if (WlanReasonCodeToString (reason, G_N_ELEMENTS (buf), buf, NULL) != ERROR_SUCCESS)
    return g_strdup_printf ("reason 0x%lx", (gulong) reason);
  return g_utf16_to_utf8 ((const gunichar2 *) buf, -1, NULL, NULL, NULL);
}

static void WINAPI
ota_wifi_wlan_notify_cb (PWLAN_NOTIFICATION_DATA data, PVOID user_data)
{
  OtaWifiWlan *self = user_data;

  if (data->NotificationSource != WLAN_NOTIFICATION_SOURCE_ACM
      || !IsEqualGUID (&data->InterfaceGuid, &self->guid))
    return;
  g_mutex_lock (&self->lock);
  switch (data->NotificationCode)
    {
    case wlan_notification_acm_scan_complete:
    case wlan_notification_acm_scan_fail:
      self->scans_done++;
      break;
    case wlan_notification_acm_connection_complete:
      case wlan_notification_acm_connection_attempt_fail: {
        const WLAN_CONNECTION_NOTIFICATION_DATA *conn = data->pData;

        self->connect_reason = conn != NULL ? conn->wlanReasonCode : WLAN_REASON_CODE_SUCCESS;
        if (data->NotificationCode == wlan_notification_acm_connection_attempt_fail
            && self->connect_reason == WLAN_REASON_CODE_SUCCESS)
          self->connect_reason = (DWORD) -1;
        self->connects_done++;
        break;
      }
    default:
      break;
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
ota_wifi_wlan_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  OtaWifiWlan *self = user_data;

  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Waits until the counter for @what passes @seen; FALSE on deadline
 * (OTA_ERROR_WIFI "timed out") or cancel. */
static gboolean
ota_wifi_wlan_wait (OtaWifiWlan *self, OtaWifiWlanWait what, guint seen, gint64 deadline,
                    GCancellable *cancellable, GError **error)
{
  gulong handler = 0;
  gboolean ok = FALSE;

  if (cancellable != NULL)
    handler
        = g_cancellable_connect (cancellable, G_CALLBACK (ota_wifi_wlan_cancelled_cb), self, NULL);
  g_mutex_lock (&self->lock);
  for (;;)
    {
      guint now_seen = what == OTA_WIFI_WLAN_WAIT_SCAN ? self->scans_done : self->connects_done;

      if (now_seen != seen)
        {
          ok = TRUE;
          break;
        }
      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (!g_cond_wait_until (&self->cond, &self->lock, deadline)
          && g_get_monotonic_time () >= deadline)
        break;
    }
  g_mutex_unlock (&self->lock);
  g_cancellable_disconnect (cancellable, handler);
  if (ok)
    return TRUE;
  if (!g_cancellable_set_error_if_cancelled (cancellable, error))
    g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("timed out"));
  return FALSE;
}

static gboolean
ota_wifi_wlan_ready (OtaWifiWlan *self, GError **error)
{
  const gchar *want = ota_wifi_get_interface (OTA_WIFI (self));
  PWLAN_INTERFACE_INFO_LIST list = NULL;
  DWORD version = 0;
  DWORD rc;
  gboolean found = FALSE;

  if (self->client != NULL)
    return TRUE;
  rc = WlanOpenHandle (2, NULL, &version, &self->client);
  if (rc != ERROR_SUCCESS)
    {
      self->client = NULL;
      /* the WLAN AutoConfig service is off, or there is no Wi-Fi at all */
      return ota_wifi_wlan_fail (rc, "cannot reach the WLAN service", error);
    }
  rc = WlanEnumInterfaces (self->client, NULL, &list);
  if (rc != ERROR_SUCCESS)
    return ota_wifi_wlan_fail (rc, "listing the Wi-Fi adapters", error);
  for (DWORD i = 0; i < list->dwNumberOfItems && !found; i++)
    {
      const WLAN_INTERFACE_INFO *info = &list->InterfaceInfo[i];
      g_autofree gchar *desc = g_utf16_to_utf8 ((const gunichar2 *) info->strInterfaceDescription,
                                                -1, NULL, NULL, NULL);
      WCHAR guid_w[64];
      g_autofree gchar *guid_str = NULL;

      StringFromGUID2 (&info->InterfaceGuid, guid_w, G_N_ELEMENTS (guid_w));
      guid_str = g_utf16_to_utf8 ((const gunichar2 *) guid_w, -1, NULL, NULL, NULL);
      if (want == NULL || g_ascii_strcasecmp (want, guid_str) == 0 || g_strcmp0 (want, desc) == 0)
        {
          self->guid = info->InterfaceGuid;
          self->guid_str = g_steal_pointer (&guid_str);
          found = TRUE;
        }
    }
  WlanFreeMemory (list);
  if (!found)
    {
      if (want != NULL)
        g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("no Wi-Fi interface named %s"), want);
      else
        g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("no Wi-Fi adapter"));
      return FALSE;
    }
  rc = WlanRegisterNotification (self->client, WLAN_NOTIFICATION_SOURCE_ACM, TRUE,
                                 ota_wifi_wlan_notify_cb, self, NULL, NULL);
  if (rc != ERROR_SUCCESS)
    return ota_wifi_wlan_fail (rc, "registering for Wi-Fi notifications", error);
  return TRUE;
}

static gboolean
ota_wifi_wlan_radio_off (OtaWifiWlan *self)
{
  PWLAN_INTERFACE_INFO_LIST list = NULL;
  gboolean off = FALSE;

  if (WlanEnumInterfaces (self->client, NULL, &list) != ERROR_SUCCESS)
    return FALSE;
  for (DWORD i = 0; i < list->dwNumberOfItems; i++)
    {
      if (IsEqualGUID (&list->InterfaceInfo[i].InterfaceGuid, &self->guid))
        off = list->InterfaceInfo[i].isState == wlan_interface_state_not_ready;
    }
  WlanFreeMemory (list);
  return off;
}

static gchar *
ota_wifi_wlan_ssid (const DOT11_SSID *ssid)
{
  if (ssid->uSSIDLength == 0 || ssid->uSSIDLength > DOT11_SSID_MAX_LENGTH)
    return NULL;
  return g_strndup ((const gchar *) ssid->ucSSID, ssid->uSSIDLength);
}

static OtaWifiSecurity
ota_wifi_wlan_security (const WLAN_AVAILABLE_NETWORK *net)
{
  if (!net->bSecurityEnabled)
    return OTA_WIFI_SECURITY_OPEN;
  switch (net->dot11DefaultAuthAlgorithm)
    {
    case DOT11_AUTH_ALGO_RSNA_PSK:
    case DOT11_AUTH_ALGO_WPA_PSK:
      return OTA_WIFI_SECURITY_WPA2_PSK;
    default:
      return OTA_WIFI_SECURITY_OTHER;
    }
}

static GPtrArray *
ota_wifi_wlan_scan (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (wifi);
  GPtrArray *networks;
  PWLAN_AVAILABLE_NETWORK_LIST avail = NULL;
  PWLAN_BSS_LIST bss = NULL;
  g_autoptr (GHashTable) security = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GError) local = NULL;
  guint seen;
  DWORD rc;

  if (!ota_wifi_wlan_ready (self, error))
    return NULL;
  if (ota_wifi_wlan_radio_off (self))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("Wi-Fi is switched off"));
      return NULL;
    }
  g_mutex_lock (&self->lock);
  seen = self->scans_done;
  g_mutex_unlock (&self->lock);
  rc = WlanScan (self->client, &self->guid, NULL, NULL, NULL);
  if (rc != ERROR_SUCCESS)
    g_debug ("scan request refused: 0x%lx", (gulong) rc);
  else if (!ota_wifi_wlan_wait (
               self, OTA_WIFI_WLAN_WAIT_SCAN, seen,
               MIN (deadline, g_get_monotonic_time () + (gint64) OTA_WIFI_WLAN_SCAN_MS * 1000),
               cancellable, &local))
    {
      if (ota_error_is_cancelled (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_debug ("the scan did not finish in time; listing what Windows has");
    }

  rc = WlanGetAvailableNetworkList (self->client, &self->guid, 0, NULL, &avail);
  if (rc != ERROR_SUCCESS)
    {
      ota_wifi_wlan_fail (rc, "listing the networks in range", error);
      return NULL;
    }
  for (DWORD i = 0; i < avail->dwNumberOfItems; i++)
    {
      gchar *ssid = ota_wifi_wlan_ssid (&avail->Network[i].dot11Ssid);

      if (ssid != NULL)
        g_hash_table_insert (security, ssid,
                             GINT_TO_POINTER (ota_wifi_wlan_security (&avail->Network[i])));
    }
  WlanFreeMemory (avail);

  networks = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);
  rc = WlanGetNetworkBssList (self->client, &self->guid, NULL, dot11_BSS_type_infrastructure, FALSE,
                              NULL, &bss);
  if (rc != ERROR_SUCCESS)
    {
      g_ptr_array_unref (networks);
      ota_wifi_wlan_fail (rc, "listing the access points in range", error);
      return NULL;
    }
  for (DWORD i = 0; i < bss->dwNumberOfItems; i++)
    {
      const WLAN_BSS_ENTRY *e = &bss->wlanBssEntries[i];
      g_autofree gchar *ssid = ota_wifi_wlan_ssid (&e->dot11Ssid);
      g_autofree gchar *bssid = NULL;
      gpointer sec;

      if (ssid == NULL || !g_hash_table_lookup_extended (security, ssid, NULL, &sec))
        continue;
      bssid = g_strdup_printf ("%02X:%02X:%02X:%02X:%02X:%02X", e->dot11Bssid[0], e->dot11Bssid[1],
                               e->dot11Bssid[2], e->dot11Bssid[3], e->dot11Bssid[4],
                               e->dot11Bssid[5]);
      g_ptr_array_add (networks, ota_wifi_network_new (ssid, bssid, (guint) e->uLinkQuality,
                                                       (OtaWifiSecurity) GPOINTER_TO_INT (sec)));
    }
  WlanFreeMemory (bss);
  return networks;
}

static gboolean
ota_wifi_wlan_connect (OtaWifiWlan *self, const gchar *profile, const gchar *what, gint64 deadline,
                       GCancellable *cancellable, GError **error)
{
  g_autofree gunichar2 *profile_w = g_utf8_to_utf16 (profile, -1, NULL, NULL, NULL);
  WLAN_CONNECTION_PARAMETERS params = { 0 };
  guint seen;
  DWORD reason;
  DWORD rc;

  params.wlanConnectionMode = wlan_connection_mode_profile;
  params.strProfile = (LPCWSTR) profile_w;
  params.dot11BssType = dot11_BSS_type_infrastructure;
  g_mutex_lock (&self->lock);
  seen = self->connects_done;
  g_mutex_unlock (&self->lock);
  rc = WlanConnect (self->client, &self->guid, &params, NULL);
  if (rc != ERROR_SUCCESS)
    return ota_wifi_wlan_fail (rc, what, error);
  if (!ota_wifi_wlan_wait (self, OTA_WIFI_WLAN_WAIT_CONNECT, seen, deadline, cancellable, error))
    {
      g_prefix_error (error, _ ("%s: "), what);
      return FALSE;
    }
  g_mutex_lock (&self->lock);
  reason = self->connect_reason;
  g_mutex_unlock (&self->lock);
  if (reason == WLAN_REASON_CODE_SUCCESS)
    return TRUE;
  if (reason >= L2_REASON_CODE_DOT11_SECURITY_BASE && reason < OTA_WIFI_WLAN_SECURITY_GROUP_END)
    {
      g_autofree gchar *text = ota_wifi_wlan_reason (reason);

      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: wrong password (%s)"), what, text);
    }
  else
    {
      g_autofree gchar *text = ota_wifi_wlan_reason (reason);

      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: %s"), what, text);
    }
  return FALSE;
}

static void
ota_wifi_wlan_delete_temp (OtaWifiWlan *self)
{
  g_autofree gunichar2 *name_w = NULL;
  DWORD rc;

  if (self->temp_profile == NULL)
    return;
  name_w = g_utf8_to_utf16 (self->temp_profile, -1, NULL, NULL, NULL);
  rc = WlanDeleteProfile (self->client, &self->guid, (LPCWSTR) name_w, NULL);
  if (rc != ERROR_SUCCESS && rc != ERROR_NOT_FOUND)
    g_warning ("cannot delete the temporary Wi-Fi profile %s: 0x%lx", self->temp_profile,
               (gulong) rc);
  else
    g_debug ("removed the temporary profile for %s", self->temp_ssid);
  g_clear_pointer (&self->temp_profile, g_free);
  g_clear_pointer (&self->temp_ssid, g_free);
}

static gboolean
ota_wifi_wlan_join (OtaWifi *wifi, const OtaWifiNetwork *network, const gchar *password,
                    gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (wifi);
  g_autofree gchar *name = ota_wifi_profile_name (network->ssid);
  g_autofree gchar *what = g_strdup_printf ("joining %s", network->ssid);
  g_autofree gchar *xml = NULL;
  g_autofree gunichar2 *xml_w = NULL;
  DWORD reason = 0;
  DWORD rc;

  if (!ota_wifi_wlan_ready (self, error))
    return FALSE;
  xml = ota_wifi_profile_xml (name, network->ssid, network->security, password, error);
  if (xml == NULL)
    return FALSE;
  ota_wifi_wlan_delete_temp (self);
  xml_w = g_utf8_to_utf16 (xml, -1, NULL, NULL, NULL);
  /* flags 0: an all-users profile (what netsh adds by default); the XML
   * holds the key in clear and is never logged */
  rc = WlanSetProfile (self->client, &self->guid, 0, (LPCWSTR) xml_w, NULL, TRUE, NULL, &reason);
  if (rc != ERROR_SUCCESS)
    {
      g_autofree gchar *text = ota_wifi_wlan_reason (reason);

      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: Windows refused the profile (%s)"),
                   what, text);
      return FALSE;
    }
  self->temp_profile = g_strdup (name);
  self->temp_ssid = g_strdup (network->ssid);
  if (!ota_wifi_wlan_connect (self, name, what, deadline, cancellable, error))
    {
      ota_wifi_wlan_delete_temp (self);
      return FALSE;
    }
  g_debug ("joined %s", network->ssid);
  return TRUE;
}

/* The connected profile and SSID, or FALSE when not connected. */
static gboolean
ota_wifi_wlan_connection (OtaWifiWlan *self, gchar **out_profile, gchar **out_ssid)
{
  PWLAN_CONNECTION_ATTRIBUTES attrs = NULL;
  DWORD size = 0;
  gboolean connected;

  if (WlanQueryInterface (self->client, &self->guid, wlan_intf_opcode_current_connection, NULL,
                          &size, (PVOID *) &attrs, NULL)
      != ERROR_SUCCESS)
    return FALSE;
  connected = attrs->isState == wlan_interface_state_connected;
  if (connected)
    {
      if (out_profile != NULL)
        *out_profile
            = g_utf16_to_utf8 ((const gunichar2 *) attrs->strProfileName, -1, NULL, NULL, NULL);
      if (out_ssid != NULL)
        *out_ssid = ota_wifi_wlan_ssid (&attrs->wlanAssociationAttributes.dot11Ssid);
    }
  WlanFreeMemory (attrs);
  return connected;
}

/* The IPv4 gateway of the adapter whose name is the interface's GUID. */
static gchar *
ota_wifi_wlan_gateway (OtaWifiWlan *self)
{
  ULONG size = 16 * 1024;
  g_autofree IP_ADAPTER_ADDRESSES *addrs = NULL;
  gchar *gateway = NULL;
  ULONG rc;

  for (guint tries = 0; tries < 3; tries++)
    {
      g_free (addrs);
      addrs = g_malloc (size);
      rc = GetAdaptersAddresses (AF_INET, GAA_FLAG_INCLUDE_GATEWAYS, NULL, addrs, &size);
      if (rc != ERROR_BUFFER_OVERFLOW)
        break;
    }
  if (rc != NO_ERROR)
    return NULL;
  for (IP_ADAPTER_ADDRESSES *a = addrs; a != NULL && gateway == NULL; a = a->Next)
    {
      if (g_ascii_strcasecmp (a->AdapterName, self->guid_str) != 0
          || a->FirstGatewayAddress == NULL)
        continue;
      {
        const struct sockaddr_in *sin
            = (const struct sockaddr_in *) a->FirstGatewayAddress->Address.lpSockaddr;
        g_autoptr (GInetAddress) inet
            = g_inet_address_new_from_bytes ((const guint8 *) &sin->sin_addr, G_SOCKET_FAMILY_IPV4);

        gateway = g_inet_address_to_string (inet);
      }
    }
  return gateway;
}

static gboolean
ota_wifi_wlan_get_current (OtaWifi *wifi, gchar **out_ssid, gchar **out_gateway,
                           GCancellable *cancellable, GError **error)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (wifi);

  if (!ota_wifi_wlan_ready (self, error))
    return FALSE;
  if (!ota_wifi_wlan_connection (self, NULL, out_ssid))
    return TRUE;
  *out_gateway = ota_wifi_wlan_gateway (self);
  return TRUE;
}

static gboolean
ota_wifi_wlan_check (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (wifi);

  if (!ota_wifi_wlan_ready (self, error))
    return FALSE;
  if (ota_wifi_wlan_radio_off (self))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("Wi-Fi is switched off"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
ota_wifi_wlan_remember (OtaWifi *wifi, GCancellable *cancellable, GError **error)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (wifi);
  g_autofree gchar *profile = NULL;
  gboolean connected;

  if (!ota_wifi_wlan_ready (self, error))
    return FALSE;
  connected = ota_wifi_wlan_connection (self, &profile, NULL);
  /* between two joins: keep what was up before the first */
  if (self->remembered && (!connected || g_strcmp0 (profile, self->temp_profile) == 0))
    return TRUE;
  g_free (self->saved_profile);
  self->saved_profile = connected ? g_steal_pointer (&profile) : NULL;
  self->remembered = TRUE;
  g_debug ("remembered %s", self->saved_profile != NULL ? self->saved_profile : "no connection");
  return TRUE;
}

static gboolean
ota_wifi_wlan_restore (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (wifi);
  g_autofree gchar *what = NULL;
  g_autofree gchar *profile = NULL;

  if (self->temp_profile == NULL && !self->remembered)
    return TRUE;
  if (!ota_wifi_wlan_ready (self, error))
    return FALSE;
  ota_wifi_wlan_delete_temp (self);
  if (!self->remembered || self->saved_profile == NULL)
    return TRUE;
  if (ota_wifi_wlan_connection (self, &profile, NULL)
      && g_strcmp0 (profile, self->saved_profile) == 0)
    return TRUE;
  what = g_strdup_printf ("re-activating %s", self->saved_profile);
  return ota_wifi_wlan_connect (self, self->saved_profile, what, deadline, cancellable, error);
}

static void
ota_wifi_wlan_finalize (GObject *object)
{
  OtaWifiWlan *self = OTA_WIFI_WLAN (object);

  if (self->client != NULL)
    {
      /* WlanCloseHandle waits for a running notification callback */
      WlanRegisterNotification (self->client, WLAN_NOTIFICATION_SOURCE_NONE, TRUE, NULL, NULL, NULL,
                                NULL);
      WlanCloseHandle (self->client, NULL);
    }
  g_free (self->guid_str);
  g_free (self->temp_profile);
  g_free (self->temp_ssid);
  g_free (self->saved_profile);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (ota_wifi_wlan_parent_class)->finalize (object);
}

static void
ota_wifi_wlan_class_init (OtaWifiWlanClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OtaWifiClass *wifi_class = OTA_WIFI_CLASS (klass);

  object_class->finalize = ota_wifi_wlan_finalize;
  wifi_class->backend_name = "wlan";
  wifi_class->can_join = TRUE;
  wifi_class->scan = ota_wifi_wlan_scan;
  wifi_class->join = ota_wifi_wlan_join;
  wifi_class->get_current = ota_wifi_wlan_get_current;
  wifi_class->check = ota_wifi_wlan_check;
  wifi_class->remember = ota_wifi_wlan_remember;
  wifi_class->restore = ota_wifi_wlan_restore;
}

static void
ota_wifi_wlan_init (OtaWifiWlan *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}
