/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi-nm.h"
#include "ota-i18n.h"

#include <NetworkManager.h>

#include "ota-error.h"
#include "ota-wifi-profile.h"

/* how long one scan may take before we list what NetworkManager has */
#define OTA_WIFI_NM_SCAN_MS 15000
/* tearing the client down: libnm's own pending calls, cancelled */
#define OTA_WIFI_NM_DISPOSE_MS 5000

struct _OtaWifiNm {
  OtaWifi parent_instance;
  GMainContext *context; /* NMClient's; pushed by every call */
  NMClient *client;      /* created by the first call */
  gchar *temp_uuid;      /* our temporary profile, until it is deleted */
  gchar *temp_ssid;
  gboolean remembered;
  gchar *saved_uuid; /* the connection that was up before; NULL: none */
  gchar *saved_id;
};

G_DEFINE_TYPE (OtaWifiNm, ota_wifi_nm, OTA_TYPE_WIFI)

/* ---- the private main context ---------------------------------------- */

typedef GMainContext OtaWifiNmPush;

static void
ota_wifi_nm_pop (OtaWifiNmPush *context)
{
  g_main_context_pop_thread_default (context);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OtaWifiNmPush, ota_wifi_nm_pop)

/* libnm's async calls attach to the thread-default context: ours */
static OtaWifiNmPush *
ota_wifi_nm_push (OtaWifiNm *self)
{
  g_main_context_push_thread_default (self->context);
  return self->context;
}

static gboolean
ota_wifi_nm_wake_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs ota_wifi_nm_wake_funcs
    = { NULL, NULL, ota_wifi_nm_wake_dispatch, NULL, NULL, NULL };

static gboolean
ota_wifi_nm_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*OtaWifiNmDoneFunc) (gpointer data);

/* Iterates the private context until @done (TRUE), @deadline or
 * @cancellable (FALSE: OTA_ERROR_WIFI "timed out" or cancelled). */
static gboolean
ota_wifi_nm_iterate_until (OtaWifiNm *self, OtaWifiNmDoneFunc done, gpointer data, gint64 deadline,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr (GSource) wake = g_source_new (&ota_wifi_nm_wake_funcs, sizeof (GSource));
  g_autoptr (GSource) cancel = NULL;
  gboolean ok = FALSE;

  g_source_set_ready_time (wake, deadline);
  g_source_attach (wake, self->context);
  if (cancellable != NULL)
    {
      cancel = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancel, G_SOURCE_FUNC (ota_wifi_nm_cancelled_cb), NULL, NULL);
      g_source_attach (cancel, self->context);
    }
  for (;;)
    {
      if (done (data))
        {
          ok = TRUE;
          break;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("timed out"));
          break;
        }
      g_source_set_ready_time (wake, deadline);
      g_main_context_iteration (self->context, TRUE);
    }
  g_source_destroy (wake);
  if (cancel != NULL)
    g_source_destroy (cancel);
  return ok;
}

static void
ota_wifi_nm_result_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

static gboolean
ota_wifi_nm_has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* Waits for the async call started with @op_cancel and ota_wifi_nm_result_cb
 * to finish. On deadline or cancel, cancels the call and waits for its
 * callback (which writes to *@res) before returning FALSE. */
static gboolean
ota_wifi_nm_wait_result (OtaWifiNm *self, GAsyncResult **res, GCancellable *op_cancel,
                         gint64 deadline, GCancellable *cancellable, GError **error)
{
  if (ota_wifi_nm_iterate_until (self, ota_wifi_nm_has_result, res, deadline, cancellable, error))
    return TRUE;
  g_cancellable_cancel (op_cancel);
  while (*res == NULL)
    g_main_context_iteration (self->context, TRUE);
  return FALSE;
}

/* ---- client, device -------------------------------------------------- */

static void
ota_wifi_nm_convert_error (GError **error)
{
  GError *converted;

  if (error == NULL || *error == NULL || ota_error_is_cancelled (*error))
    return;
  /* a new error, never one edited in place */
  converted = g_error_new_literal (OTA_ERROR, OTA_ERROR_WIFI, (*error)->message);
  g_error_free (*error);
  *error = converted;
}

/* A round trip to NetworkManager: what it announced before the answer has
 * been seen by libnm when this returns. */
static gboolean
ota_wifi_nm_sync (OtaWifiNm *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  g_autoptr (GCancellable) op_cancel = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local = NULL;

  g_dbus_connection_call (nm_client_get_dbus_connection (self->client), NM_DBUS_SERVICE,
                          NM_DBUS_PATH, "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", NM_DBUS_INTERFACE, "Version"), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, op_cancel, ota_wifi_nm_result_cb, &res);
  if (!ota_wifi_nm_wait_result (self, &res, op_cancel, deadline, cancellable, error))
    return FALSE;
  reply = g_dbus_connection_call_finish (nm_client_get_dbus_connection (self->client), res, &local);
  if (reply == NULL)
    g_debug ("NetworkManager round trip: %s", local->message);
  return TRUE;
}

/* Creates the client at the first call; checks NetworkManager runs. */
static gboolean
ota_wifi_nm_ready (OtaWifiNm *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  if (self->client == NULL)
    {
      g_autoptr (GCancellable) op_cancel = g_cancellable_new ();
      g_autoptr (GAsyncResult) res = NULL;
      g_autoptr (GError) local = NULL;

      nm_client_new_async (op_cancel, ota_wifi_nm_result_cb, &res);
      if (!ota_wifi_nm_wait_result (self, &res, op_cancel, deadline, cancellable, error))
        {
          g_prefix_error (error, _ ("connecting to NetworkManager: "));
          return FALSE;
        }
      self->client = nm_client_new_finish (res, &local);
      if (self->client == NULL)
        {
          ota_wifi_nm_convert_error (&local);
          g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                      _ ("cannot reach NetworkManager on the system bus: "));
          return FALSE;
        }
    }
  if (!nm_client_get_nm_running (self->client))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("NetworkManager is not running"));
      return FALSE;
    }
  return ota_wifi_nm_sync (self, deadline, cancellable, error);
}

static NMDeviceWifi *
ota_wifi_nm_device (OtaWifiNm *self, GError **error)
{
  const gchar *iface = ota_wifi_get_interface (OTA_WIFI (self));
  const GPtrArray *devices = nm_client_get_devices (self->client);
  NMDeviceWifi *found = NULL;

  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      NMDevice *dev = g_ptr_array_index (devices, i);

      if (!NM_IS_DEVICE_WIFI (dev))
        continue;
      if (iface == NULL || g_strcmp0 (nm_device_get_iface (dev), iface) == 0)
        {
          found = NM_DEVICE_WIFI (dev);
          break;
        }
    }
  if (found == NULL)
    {
      if (iface != NULL)
        g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("no Wi-Fi interface named %s"), iface);
      else
        g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("no Wi-Fi adapter"));
      return NULL;
    }
  if (!nm_client_wireless_get_enabled (self->client)
      || !nm_client_wireless_hardware_get_enabled (self->client))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("Wi-Fi is switched off"));
      return NULL;
    }
  if (nm_device_get_state (NM_DEVICE (found)) == NM_DEVICE_STATE_UNMANAGED)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("NetworkManager does not manage the Wi-Fi interface %s"),
                   nm_device_get_iface (NM_DEVICE (found)));
      return NULL;
    }
  return found;
}

/* ---- scan ------------------------------------------------------------ */

typedef struct {
  NMDeviceWifi *device;
  gint64 last_scan;
} OtaWifiNmScan;

static gboolean
ota_wifi_nm_scan_done (gpointer data)
{
  OtaWifiNmScan *scan = data;

  return nm_device_wifi_get_last_scan (scan->device) != scan->last_scan;
}

static OtaWifiSecurity
ota_wifi_nm_security (NMAccessPoint *ap)
{
  NM80211ApFlags flags = nm_access_point_get_flags (ap);
  NM80211ApSecurityFlags sec
      = nm_access_point_get_wpa_flags (ap) | nm_access_point_get_rsn_flags (ap);

  if ((flags & NM_802_11_AP_FLAGS_PRIVACY) == 0 && sec == NM_802_11_AP_SEC_NONE)
    return OTA_WIFI_SECURITY_OPEN;
  if ((sec & NM_802_11_AP_SEC_KEY_MGMT_PSK) != 0)
    return OTA_WIFI_SECURITY_WPA2_PSK;
  return OTA_WIFI_SECURITY_OTHER;
}

static gchar *
ota_wifi_nm_ssid (GBytes *ssid)
{
  gsize len = 0;
  const gchar *data;

  if (ssid == NULL)
    return NULL;
  data = g_bytes_get_data (ssid, &len);
  if (len == 0)
    return NULL;
  return g_strndup (data, len);
}

static GPtrArray *
ota_wifi_nm_list (NMDeviceWifi *device)
{
  GPtrArray *networks = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);
  const GPtrArray *aps = nm_device_wifi_get_access_points (device);

  for (guint i = 0; aps != NULL && i < aps->len; i++)
    {
      NMAccessPoint *ap = g_ptr_array_index (aps, i);
      g_autofree gchar *ssid = ota_wifi_nm_ssid (nm_access_point_get_ssid (ap));

      if (ssid == NULL)
        continue; /* a hidden network */
      g_ptr_array_add (networks, ota_wifi_network_new (ssid, nm_access_point_get_bssid (ap),
                                                       nm_access_point_get_strength (ap),
                                                       ota_wifi_nm_security (ap)));
    }
  return networks;
}

static GPtrArray *
ota_wifi_nm_scan (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiNm *self = OTA_WIFI_NM (wifi);
  g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);
  g_autoptr (GCancellable) op_cancel = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) local = NULL;
  OtaWifiNmScan scan = { NULL, 0 };

  if (!ota_wifi_nm_ready (self, deadline, cancellable, error))
    return NULL;
  scan.device = ota_wifi_nm_device (self, error);
  if (scan.device == NULL)
    return NULL;

  scan.last_scan = nm_device_wifi_get_last_scan (scan.device);
  nm_device_wifi_request_scan_async (scan.device, op_cancel, ota_wifi_nm_result_cb, &res);
  if (!ota_wifi_nm_wait_result (self, &res, op_cancel, deadline, cancellable, error))
    {
      g_prefix_error (error, _ ("asking for a scan: "));
      return NULL;
    }
  if (nm_device_wifi_request_scan_finish (scan.device, res, &local))
    {
      gint64 scan_deadline = MIN (deadline, ota_wifi_deadline_in (OTA_WIFI_NM_SCAN_MS));

      if (!ota_wifi_nm_iterate_until (self, ota_wifi_nm_scan_done, &scan, scan_deadline,
                                      cancellable, &local))
        {
          if (ota_error_is_cancelled (local))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          g_debug ("the scan did not finish in time; listing what NetworkManager has");
        }
    }
  else
    {
      /* typically "already scanning": what it finds shows up anyway */
      g_debug ("scan request refused: %s", local->message);
    }
  return ota_wifi_nm_list (scan.device);
}

/* ---- join ------------------------------------------------------------ */

static gboolean
ota_wifi_nm_active_settled (gpointer data)
{
  NMActiveConnectionState state = nm_active_connection_get_state (NM_ACTIVE_CONNECTION (data));

  return state == NM_ACTIVE_CONNECTION_STATE_ACTIVATED
         || state == NM_ACTIVE_CONNECTION_STATE_DEACTIVATED;
}

/* Waits until @ac is up; explains why when it is not. */
static gboolean
ota_wifi_nm_wait_active (OtaWifiNm *self, NMActiveConnection *ac, const gchar *what,
                         gint64 deadline, GCancellable *cancellable, GError **error)
{
  NMActiveConnectionStateReason reason;

  if (!ota_wifi_nm_iterate_until (self, ota_wifi_nm_active_settled, ac, deadline, cancellable,
                                  error))
    {
      g_prefix_error (error, _ ("%s: "), what);
      return FALSE;
    }
  if (nm_active_connection_get_state (ac) == NM_ACTIVE_CONNECTION_STATE_ACTIVATED)
    return TRUE;
  /* the reason comes in the StateChanged signal, which may follow the State
   * property: let libnm see what NetworkManager sent until now */
  if (!ota_wifi_nm_sync (self, deadline, cancellable, error))
    return FALSE;
  reason = nm_active_connection_get_state_reason (ac);
  if (reason == NM_ACTIVE_CONNECTION_STATE_REASON_NO_SECRETS
      || reason == NM_ACTIVE_CONNECTION_STATE_REASON_LOGIN_FAILED)
    g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: wrong password"), what);
  else
    g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: failed (NetworkManager's reason %u)"),
                 what, (guint) reason);
  return FALSE;
}

/* Deletes our temporary profile if it still exists (NetworkManager deletes
 * a volatile profile by itself once it is down). */
static gboolean
ota_wifi_nm_delete_temp (OtaWifiNm *self, gint64 deadline, GCancellable *cancellable,
                         GError **error)
{
  g_autoptr (GCancellable) op_cancel = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree gchar *uuid = g_steal_pointer (&self->temp_uuid);
  g_autofree gchar *ssid = g_steal_pointer (&self->temp_ssid);
  NMRemoteConnection *rc;

  if (uuid == NULL)
    return TRUE;
  rc = nm_client_get_connection_by_uuid (self->client, uuid);
  if (rc == NULL)
    {
      g_debug ("the temporary profile for %s is gone already", ssid);
      return TRUE;
    }
  nm_remote_connection_delete_async (rc, op_cancel, ota_wifi_nm_result_cb, &res);
  if (!ota_wifi_nm_wait_result (self, &res, op_cancel, deadline, cancellable, error)
      || !nm_remote_connection_delete_finish (rc, res, &local))
    {
      /* deleted by NetworkManager in the meantime */
      if (g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)
          || g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
        return TRUE;
      if (local != NULL)
        {
          ota_wifi_nm_convert_error (&local);
          g_propagate_error (error, g_steal_pointer (&local));
        }
      /* keep it, to try again in restore */
      self->temp_uuid = g_steal_pointer (&uuid);
      self->temp_ssid = g_steal_pointer (&ssid);
      g_prefix_error (error, _ ("removing the temporary profile: "));
      return FALSE;
    }
  g_debug ("removed the temporary profile for %s", ssid);
  return TRUE;
}

static NMConnection *
ota_wifi_nm_profile (OtaWifiNm *self, const OtaWifiNetwork *network, const gchar *password,
                     const gchar *uuid, const gchar *iface)
{
  NMConnection *conn = nm_simple_connection_new ();
  NMSetting *s_con = nm_setting_connection_new ();
  NMSetting *s_wifi = nm_setting_wireless_new ();
  NMSetting *s_ip4 = nm_setting_ip4_config_new ();
  g_autoptr (GBytes) ssid = g_bytes_new (network->ssid, strlen (network->ssid));
  g_autofree gchar *id = ota_wifi_profile_name (network->ssid);

  g_object_set (s_con, NM_SETTING_CONNECTION_ID, id, NM_SETTING_CONNECTION_UUID, uuid,
                NM_SETTING_CONNECTION_TYPE, NM_SETTING_WIRELESS_SETTING_NAME,
                NM_SETTING_CONNECTION_AUTOCONNECT, FALSE, NM_SETTING_CONNECTION_INTERFACE_NAME,
                iface, NULL);
  nm_connection_add_setting (conn, s_con);
  g_object_set (s_wifi, NM_SETTING_WIRELESS_SSID, ssid, NM_SETTING_WIRELESS_MODE,
                NM_SETTING_WIRELESS_MODE_INFRA, NULL);
  nm_connection_add_setting (conn, s_wifi);
  if (network->security == OTA_WIFI_SECURITY_WPA2_PSK)
    {
      NMSetting *s_sec = nm_setting_wireless_security_new ();

      g_object_set (s_sec, NM_SETTING_WIRELESS_SECURITY_KEY_MGMT, "wpa-psk",
                    NM_SETTING_WIRELESS_SECURITY_PSK, password, NULL);
      nm_connection_add_setting (conn, s_sec);
    }
  g_object_set (s_ip4, NM_SETTING_IP_CONFIG_METHOD, NM_SETTING_IP4_CONFIG_METHOD_AUTO, NULL);
  nm_connection_add_setting (conn, s_ip4);
  return conn;
}

static NMAccessPoint *
ota_wifi_nm_find_ap (NMDeviceWifi *device, const OtaWifiNetwork *network)
{
  const GPtrArray *aps = nm_device_wifi_get_access_points (device);

  for (guint i = 0; aps != NULL && i < aps->len; i++)
    {
      NMAccessPoint *ap = g_ptr_array_index (aps, i);
      g_autofree gchar *ssid = ota_wifi_nm_ssid (nm_access_point_get_ssid (ap));

      if (g_strcmp0 (ssid, network->ssid) == 0
          && g_ascii_strcasecmp (nm_access_point_get_bssid (ap), network->bssid) == 0)
        return ap;
    }
  return NULL;
}

static gboolean
ota_wifi_nm_join (OtaWifi *wifi, const OtaWifiNetwork *network, const gchar *password,
                  gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiNm *self = OTA_WIFI_NM (wifi);
  g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);
  g_autoptr (GCancellable) op_cancel = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (NMConnection) profile = NULL;
  g_autoptr (NMActiveConnection) ac = NULL;
  g_autofree gchar *uuid = NULL;
  g_autofree gchar *what = g_strdup_printf ("joining %s", network->ssid);
  GVariantBuilder options;
  NMDeviceWifi *device;
  NMAccessPoint *ap;

  if (network->security == OTA_WIFI_SECURITY_WPA2_PSK && !ota_wifi_password_check (password, error))
    return FALSE;
  if (!ota_wifi_nm_ready (self, deadline, cancellable, error))
    return FALSE;
  device = ota_wifi_nm_device (self, error);
  if (device == NULL)
    return FALSE;
  /* one temporary profile at a time: a rejoin replaces the last one */
  if (!ota_wifi_nm_delete_temp (self, deadline, cancellable, error))
    return FALSE;

  uuid = nm_utils_uuid_generate ();
  profile = ota_wifi_nm_profile (self, network, password, uuid,
                                 nm_device_get_iface (NM_DEVICE (device)));
  ap = ota_wifi_nm_find_ap (device, network);
  /* volatile: in memory only, and NetworkManager deletes it once it is down */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "persist", g_variant_new_string ("volatile"));
  nm_client_add_and_activate_connection2 (self->client, profile, NM_DEVICE (device),
                                          ap != NULL ? nm_object_get_path (NM_OBJECT (ap)) : NULL,
                                          g_variant_builder_end (&options), op_cancel,
                                          ota_wifi_nm_result_cb, &res);
  if (!ota_wifi_nm_wait_result (self, &res, op_cancel, deadline, cancellable, error))
    {
      g_prefix_error (error, _ ("%s: "), what);
      return FALSE;
    }
  ac = nm_client_add_and_activate_connection2_finish (self->client, res, NULL, &local);
  if (ac == NULL)
    {
      ota_wifi_nm_convert_error (&local);
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _ ("%s: "), what);
      return FALSE;
    }
  self->temp_uuid = g_steal_pointer (&uuid);
  self->temp_ssid = g_strdup (network->ssid);
  g_debug ("added the temporary profile %s for %s", self->temp_uuid, network->ssid);

  if (!ota_wifi_nm_wait_active (self, ac, what, deadline, cancellable, error))
    {
      /* do not leave it behind: the caller may never call restore */
      ota_wifi_nm_delete_temp (self, ota_wifi_deadline_in (OTA_WIFI_NM_DISPOSE_MS), NULL, NULL);
      return FALSE;
    }
  g_debug ("joined %s", network->ssid);
  return TRUE;
}

/* ---- current, remember, restore -------------------------------------- */

static NMActiveConnection *
ota_wifi_nm_active (NMDeviceWifi *device)
{
  NMActiveConnection *ac = nm_device_get_active_connection (NM_DEVICE (device));

  if (ac == NULL)
    return NULL;
  switch (nm_active_connection_get_state (ac))
    {
    case NM_ACTIVE_CONNECTION_STATE_ACTIVATING:
    case NM_ACTIVE_CONNECTION_STATE_ACTIVATED:
      return ac;
    default:
      return NULL;
    }
}

static gboolean
ota_wifi_nm_get_current (OtaWifi *wifi, gchar **out_ssid, gchar **out_gateway,
                         GCancellable *cancellable, GError **error)
{
  OtaWifiNm *self = OTA_WIFI_NM (wifi);
  g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);
  gint64 deadline = ota_wifi_deadline_in (OTA_WIFI_NM_DISPOSE_MS);
  NMDeviceWifi *device;
  NMActiveConnection *ac;
  NMRemoteConnection *rc;
  NMAccessPoint *ap;
  NMIPConfig *ip4;

  if (!ota_wifi_nm_ready (self, deadline, cancellable, error))
    return FALSE;
  device = ota_wifi_nm_device (self, error);
  if (device == NULL)
    return FALSE;
  ac = ota_wifi_nm_active (device);
  if (ac == NULL || nm_active_connection_get_state (ac) != NM_ACTIVE_CONNECTION_STATE_ACTIVATED)
    return TRUE;

  rc = nm_active_connection_get_connection (ac);
  ap = nm_device_wifi_get_active_access_point (device);
  if (rc != NULL && nm_connection_get_setting_wireless (NM_CONNECTION (rc)) != NULL)
    *out_ssid = ota_wifi_nm_ssid (
        nm_setting_wireless_get_ssid (nm_connection_get_setting_wireless (NM_CONNECTION (rc))));
  if (*out_ssid == NULL && ap != NULL)
    *out_ssid = ota_wifi_nm_ssid (nm_access_point_get_ssid (ap));
  if (*out_ssid == NULL)
    *out_ssid = g_strdup (nm_active_connection_get_id (ac));
  ip4 = nm_active_connection_get_ip4_config (ac);
  if (ip4 != NULL && nm_ip_config_get_gateway (ip4) != NULL)
    *out_gateway = g_strdup (nm_ip_config_get_gateway (ip4));
  return TRUE;
}

static gboolean
ota_wifi_nm_check (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiNm *self = OTA_WIFI_NM (wifi);
  g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);

  if (!ota_wifi_nm_ready (self, deadline, cancellable, error))
    return FALSE;
  return ota_wifi_nm_device (self, error) != NULL;
}

static gboolean
ota_wifi_nm_remember (OtaWifi *wifi, GCancellable *cancellable, GError **error)
{
  OtaWifiNm *self = OTA_WIFI_NM (wifi);
  g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);
  NMDeviceWifi *device;
  NMActiveConnection *ac;

  if (!ota_wifi_nm_ready (self, ota_wifi_deadline_in (OTA_WIFI_NM_DISPOSE_MS), cancellable, error))
    return FALSE;
  device = ota_wifi_nm_device (self, error);
  if (device == NULL)
    return FALSE;
  ac = ota_wifi_nm_active (device);
  /* between two joins (the device restarting) there is nothing or our own
   * profile up: keep what was up before the first join */
  if (self->remembered
      && (ac == NULL || g_strcmp0 (nm_active_connection_get_uuid (ac), self->temp_uuid) == 0))
    {
      g_debug ("still remembering %s", self->saved_id != NULL ? self->saved_id : "no connection");
      return TRUE;
    }
  g_clear_pointer (&self->saved_uuid, g_free);
  g_clear_pointer (&self->saved_id, g_free);
  if (ac != NULL)
    {
      self->saved_uuid = g_strdup (nm_active_connection_get_uuid (ac));
      self->saved_id = g_strdup (nm_active_connection_get_id (ac));
    }
  self->remembered = TRUE;
  g_debug ("remembered %s", self->saved_id != NULL ? self->saved_id : "no connection");
  return TRUE;
}

static gboolean
ota_wifi_nm_restore (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiNm *self = OTA_WIFI_NM (wifi);
  g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);
  g_autoptr (GCancellable) op_cancel = g_cancellable_new ();
  g_autoptr (GAsyncResult) res = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (NMActiveConnection) ac = NULL;
  g_autofree gchar *what = NULL;
  NMRemoteConnection *rc;
  NMActiveConnection *up;
  NMDeviceWifi *device;

  if (self->temp_uuid == NULL && !self->remembered)
    return TRUE;
  if (!ota_wifi_nm_ready (self, deadline, cancellable, error))
    return FALSE;
  if (!ota_wifi_nm_delete_temp (self, deadline, cancellable, error))
    return FALSE;
  if (!self->remembered || self->saved_uuid == NULL)
    return TRUE;

  device = ota_wifi_nm_device (self, error);
  if (device == NULL)
    return FALSE;
  what = g_strdup_printf ("re-activating %s", self->saved_id);
  up = ota_wifi_nm_active (device);
  if (up != NULL && g_strcmp0 (nm_active_connection_get_uuid (up), self->saved_uuid) == 0)
    {
      g_debug ("%s is up already", self->saved_id);
      return TRUE;
    }
  rc = nm_client_get_connection_by_uuid (self->client, self->saved_uuid);
  if (rc == NULL)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s: it no longer exists"), what);
      return FALSE;
    }
  nm_client_activate_connection_async (self->client, NM_CONNECTION (rc), NM_DEVICE (device), NULL,
                                       op_cancel, ota_wifi_nm_result_cb, &res);
  if (!ota_wifi_nm_wait_result (self, &res, op_cancel, deadline, cancellable, error))
    {
      g_prefix_error (error, _ ("%s: "), what);
      return FALSE;
    }
  ac = nm_client_activate_connection_finish (self->client, res, &local);
  if (ac == NULL)
    {
      ota_wifi_nm_convert_error (&local);
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _ ("%s: "), what);
      return FALSE;
    }
  if (!ota_wifi_nm_wait_active (self, ac, what, deadline, cancellable, error))
    return FALSE;
  g_debug ("%s is up again", self->saved_id);
  return TRUE;
}

/* ---- object ---------------------------------------------------------- */

static void
ota_wifi_nm_busy_gone_cb (gpointer data, GObject *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

static gboolean
ota_wifi_nm_is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
ota_wifi_nm_dispose (GObject *object)
{
  OtaWifiNm *self = OTA_WIFI_NM (object);

  if (self->client != NULL)
    {
      g_autoptr (OtaWifiNmPush) pushed = ota_wifi_nm_push (self);
      gboolean gone = FALSE;

      /* libnm's rule: iterate its context until the busy watcher is gone */
      g_object_weak_ref (nm_client_get_context_busy_watcher (self->client),
                         ota_wifi_nm_busy_gone_cb, &gone);
      g_clear_object (&self->client);
      if (!ota_wifi_nm_iterate_until (self, ota_wifi_nm_is_true, &gone,
                                      ota_wifi_deadline_in (OTA_WIFI_NM_DISPOSE_MS), NULL, NULL))
        g_warning ("libnm did not finish its pending calls");
    }
  G_OBJECT_CLASS (ota_wifi_nm_parent_class)->dispose (object);
}

static void
ota_wifi_nm_finalize (GObject *object)
{
  OtaWifiNm *self = OTA_WIFI_NM (object);

  g_free (self->temp_uuid);
  g_free (self->temp_ssid);
  g_free (self->saved_uuid);
  g_free (self->saved_id);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (ota_wifi_nm_parent_class)->finalize (object);
}

static void
ota_wifi_nm_class_init (OtaWifiNmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  OtaWifiClass *wifi_class = OTA_WIFI_CLASS (klass);

  object_class->dispose = ota_wifi_nm_dispose;
  object_class->finalize = ota_wifi_nm_finalize;
  wifi_class->backend_name = "nm";
  wifi_class->can_join = TRUE;
  wifi_class->scan = ota_wifi_nm_scan;
  wifi_class->join = ota_wifi_nm_join;
  wifi_class->get_current = ota_wifi_nm_get_current;
  wifi_class->check = ota_wifi_nm_check;
  wifi_class->remember = ota_wifi_nm_remember;
  wifi_class->restore = ota_wifi_nm_restore;
}

static void
ota_wifi_nm_init (OtaWifiNm *self)
{
  self->context = g_main_context_new ();
}
