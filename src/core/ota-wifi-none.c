/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi-none.h"
#include "ota-i18n.h"

#include "ota-error.h"

struct _OtaWifiNone {
  OtaWifi parent_instance;
};

G_DEFINE_TYPE (OtaWifiNone, ota_wifi_none, OTA_TYPE_WIFI)

static gboolean
ota_wifi_none_fail (GError **error)
{
  static gsize said = 0;

  if (g_once_init_enter (&said))
    {
      g_message ("otaflash cannot control this PC's Wi-Fi: join the device's network by hand");
      g_once_init_leave (&said, 1);
    }
  g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI,
                       _ ("no Wi-Fi control in this build or on this system"));
  return FALSE;
}

static GPtrArray *
ota_wifi_none_scan (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  ota_wifi_none_fail (error);
  return NULL;
}

static gboolean
ota_wifi_none_join (OtaWifi *wifi, const OtaWifiNetwork *network, const gchar *password,
                    gint64 deadline, GCancellable *cancellable, GError **error)
{
  return ota_wifi_none_fail (error);
}

static gboolean
ota_wifi_none_get_current (OtaWifi *wifi, gchar **out_ssid, gchar **out_gateway,
                           GCancellable *cancellable, GError **error)
{
  /* not known: the caller uses its own device address */
  return TRUE;
}

static gboolean
ota_wifi_none_check (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  return ota_wifi_none_fail (error);
}

static gboolean
ota_wifi_none_remember (OtaWifi *wifi, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static gboolean
ota_wifi_none_restore (OtaWifi *wifi, gint64 deadline, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static void
ota_wifi_none_class_init (OtaWifiNoneClass *klass)
{
  OtaWifiClass *wifi_class = OTA_WIFI_CLASS (klass);

  wifi_class->backend_name = "none";
  wifi_class->can_join = FALSE;
  wifi_class->scan = ota_wifi_none_scan;
  wifi_class->join = ota_wifi_none_join;
  wifi_class->get_current = ota_wifi_none_get_current;
  wifi_class->check = ota_wifi_none_check;
  wifi_class->remember = ota_wifi_none_remember;
  wifi_class->restore = ota_wifi_none_restore;
}

static void
ota_wifi_none_init (OtaWifiNone *self)
{
}
