/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi.h"
#include "ota-i18n.h"

#include "ota-connect.h"
#include "ota-error.h"
#include "ota-wifi-none.h"
#ifdef OTA_HAVE_LIBNM
#include "ota-wifi-nm.h"
#endif
#ifdef G_OS_WIN32
#include "ota-wifi-wlan.h"
#endif

/* between two scans while waiting for a network: NetworkManager and the WLAN
 * service take 2-4 s per scan anyway */
#define OTA_WIFI_RESCAN_PAUSE_MS 1000
/* before a rejoin: how long to wait for the PC to be dropped, and how often
 * to look */
#define OTA_WIFI_DROP_WAIT_MS 10000
#define OTA_WIFI_DROP_POLL_MS 250
/* a join right after a scan (wait-for-network, then join) uses its result */
#define OTA_WIFI_SCAN_FRESH_US (10 * G_USEC_PER_SEC)

typedef struct {
  GMutex lock; /* one call at a time */
  gchar *interface;
  GPtrArray *last_scan; /* OtaWifiNetwork */
  gint64 last_scan_time;
} OtaWifiPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (OtaWifi, ota_wifi, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_INTERFACE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static const gchar *const backends[] = {
#ifdef OTA_HAVE_LIBNM
  "nm",
#endif
#ifdef G_OS_WIN32
  "wlan",
#endif
  "none", NULL
};

static void
ota_wifi_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OtaWifiPrivate *priv = ota_wifi_get_instance_private (OTA_WIFI (object));

  switch (prop_id)
    {
    case PROP_INTERFACE:
      g_value_set_string (value, priv->interface);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ota_wifi_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  OtaWifiPrivate *priv = ota_wifi_get_instance_private (OTA_WIFI (object));

  switch (prop_id)
    {
    case PROP_INTERFACE:
      g_free (priv->interface);
      priv->interface = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ota_wifi_finalize (GObject *object)
{
  OtaWifiPrivate *priv = ota_wifi_get_instance_private (OTA_WIFI (object));

  g_mutex_clear (&priv->lock);
  g_free (priv->interface);
  g_clear_pointer (&priv->last_scan, g_ptr_array_unref);
  G_OBJECT_CLASS (ota_wifi_parent_class)->finalize (object);
}

static void
ota_wifi_class_init (OtaWifiClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ota_wifi_get_property;
  object_class->set_property = ota_wifi_set_property;
  object_class->finalize = ota_wifi_finalize;

  /* the Wi-Fi interface to use; NULL for the first one */
  props[PROP_INTERFACE]
      = g_param_spec_string ("interface", NULL, NULL, NULL,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
ota_wifi_init (OtaWifi *self)
{
  OtaWifiPrivate *priv = ota_wifi_get_instance_private (self);

  g_mutex_init (&priv->lock);
}

const gchar *const *
ota_wifi_list_backends (void)
{
  return backends;
}

OtaWifi *
ota_wifi_new (const gchar *backend, const gchar *interface, GError **error)
{
  if (backend == NULL || g_strcmp0 (backend, "auto") == 0)
    backend = g_getenv ("OTA_WIFI_BACKEND");
  if (backend == NULL || *backend == '\0' || g_strcmp0 (backend, "auto") == 0)
    backend = backends[0];

#ifdef OTA_HAVE_LIBNM
  if (g_strcmp0 (backend, "nm") == 0)
    return g_object_new (OTA_TYPE_WIFI_NM, "interface", interface, NULL);
#endif
#ifdef G_OS_WIN32
  if (g_strcmp0 (backend, "wlan") == 0)
    return g_object_new (OTA_TYPE_WIFI_WLAN, "interface", interface, NULL);
#endif
  if (g_strcmp0 (backend, "none") == 0)
    return g_object_new (OTA_TYPE_WIFI_NONE, "interface", interface, NULL);

  {
    g_autofree gchar *known = g_strjoinv (", ", (gchar **) backends);

    g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                 _ ("no Wi-Fi backend \"%s\" in this build (it has: %s)"), backend, known);
  }
  return NULL;
}

const gchar *
ota_wifi_get_backend_name (OtaWifi *self)
{
  g_return_val_if_fail (OTA_IS_WIFI (self), NULL);
  return OTA_WIFI_GET_CLASS (self)->backend_name;
}

const gchar *
ota_wifi_get_interface (OtaWifi *self)
{
  OtaWifiPrivate *priv;

  g_return_val_if_fail (OTA_IS_WIFI (self), NULL);
  priv = ota_wifi_get_instance_private (self);
  return priv->interface;
}

gboolean
ota_wifi_can_join (OtaWifi *self)
{
  g_return_val_if_fail (OTA_IS_WIFI (self), FALSE);
  return OTA_WIFI_GET_CLASS (self)->can_join;
}

gint64
ota_wifi_deadline_in (guint ms)
{
  return g_get_monotonic_time () + (gint64) ms * 1000;
}

static GPtrArray *
ota_wifi_scan_locked (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv = ota_wifi_get_instance_private (self);
  GPtrArray *networks;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  networks = OTA_WIFI_GET_CLASS (self)->scan (self, deadline, cancellable, error);
  if (networks == NULL)
    return NULL;
  ota_wifi_network_sort (networks);
  g_clear_pointer (&priv->last_scan, g_ptr_array_unref);
  priv->last_scan = g_ptr_array_ref (networks);
  priv->last_scan_time = g_get_monotonic_time ();
  return networks;
}

GPtrArray *
ota_wifi_scan (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), NULL);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  return ota_wifi_scan_locked (self, deadline, cancellable, error);
}

static const OtaWifiNetwork *
ota_wifi_find (GPtrArray *networks, const gchar *ssid, gboolean or_recovery)
{
  /* strongest first: the caller sorted them */
  for (guint i = 0; i < networks->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (networks, i);

      if (ssid != NULL && g_strcmp0 (n->ssid, ssid) == 0)
        return n;
    }
  for (guint i = 0; or_recovery && i < networks->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (networks, i);

      if (ota_wifi_ssid_is_recovery (n->ssid))
        return n;
    }
  return NULL;
}

/* A device network of @filter (not a recovery one) whose SSID was not in
 * range before (@before): the product's own network of a device that left
 * its updater, when that network's name is not known. */
static const OtaWifiNetwork *
ota_wifi_find_new_device (GPtrArray *networks, OtaWifiFilter *filter, GHashTable *before)
{
  for (guint i = 0; filter != NULL && i < networks->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (networks, i);

      if (ota_wifi_filter_is_device (filter, n->ssid) && !ota_wifi_ssid_is_recovery (n->ssid)
          && !g_hash_table_contains (before, n->ssid))
        return n;
    }
  return NULL;
}

static gboolean
ota_wifi_join_locked (OtaWifi *self, const gchar *ssid, const gchar *password, gint64 deadline,
                      GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv = ota_wifi_get_instance_private (self);
  g_autoptr (GPtrArray) networks = NULL;
  const OtaWifiNetwork *network;

  if (!ota_wifi_can_join (self))
    return OTA_WIFI_GET_CLASS (self)->join (self, NULL, NULL, deadline, cancellable, error);
  /* a scan takes seconds: use the one just made, if it saw @ssid */
  if (priv->last_scan != NULL
      && g_get_monotonic_time () - priv->last_scan_time < OTA_WIFI_SCAN_FRESH_US
      && ota_wifi_find (priv->last_scan, ssid, FALSE) != NULL)
    networks = g_ptr_array_ref (priv->last_scan);
  else
    networks = ota_wifi_scan_locked (self, deadline, cancellable, error);
  if (networks == NULL)
    return FALSE;
  network = ota_wifi_find (networks, ssid, FALSE);
  if (network == NULL)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("the network %s is not in range"), ssid);
      return FALSE;
    }
  if (network->security == OTA_WIFI_SECURITY_OTHER)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("the network %s is neither open nor WPA2-PSK, which otaflash cannot join"),
                   ssid);
      return FALSE;
    }
  if (password == NULL)
    password = OTA_WIFI_DEFAULT_PASSWORD;
  g_debug ("joining %s (%s, %s)", network->ssid, network->bssid,
           ota_wifi_security_to_string (network->security));
  return OTA_WIFI_GET_CLASS (self)->join (self, network, password, deadline, cancellable, error);
}

static OtaWifiNetwork *ota_wifi_wait_locked (OtaWifi *self, const gchar *ssid, gboolean or_recovery,
                                             OtaWifiFilter *new_device, GHashTable *before,
                                             gint64 deadline, GCancellable *cancellable,
                                             GError **error);

gboolean
ota_wifi_join (OtaWifi *self, const gchar *ssid, const gchar *password, gint64 deadline,
               GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), FALSE);
  g_return_val_if_fail (ssid != NULL, FALSE);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  return ota_wifi_join_locked (self, ssid, password, deadline, cancellable, error);
}

OtaWifiNetwork *
ota_wifi_wait_for_network (OtaWifi *self, const gchar *ssid, gboolean or_recovery, gint64 deadline,
                           GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), NULL);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  return ota_wifi_wait_locked (self, ssid, or_recovery, NULL, NULL, deadline, cancellable, error);
}

static OtaWifiNetwork *
ota_wifi_wait_locked (OtaWifi *self, const gchar *ssid, gboolean or_recovery,
                      OtaWifiFilter *new_device, GHashTable *before, gint64 deadline,
                      GCancellable *cancellable, GError **error)
{
  gint64 started = g_get_monotonic_time ();
  guint scans = 0;

  if (ssid == NULL)
    or_recovery = TRUE;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (GPtrArray) networks = ota_wifi_scan_locked (self, deadline, cancellable, &local);
      const OtaWifiNetwork *found;
      gint64 now;

      if (networks == NULL)
        {
          /* a scan cut short by the deadline: the network is not there */
          if (!ota_error_is_cancelled (local) && scans > 0 && g_get_monotonic_time () >= deadline)
            break;
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      scans++;
      found = ota_wifi_find (networks, ssid, or_recovery);
      if (found == NULL && new_device != NULL)
        found = ota_wifi_find_new_device (networks, new_device, before);
      if (found != NULL)
        {
          g_debug ("%s in range after %u scan(s)", found->ssid, scans);
          return ota_wifi_network_copy (found);
        }
      now = g_get_monotonic_time ();
      if (now >= deadline)
        break;
      if (!ota_sleep ((guint) MIN ((deadline - now + 999) / 1000, OTA_WIFI_RESCAN_PAUSE_MS),
                      cancellable, error))
        return NULL;
    }

  {
    gdouble waited = (g_get_monotonic_time () - started) / 1e6;

    /* what was waited for, one whole sentence each (translations) */
    if (ssid != NULL && !or_recovery)
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%s not in range after %.0f s (%u scans)"),
                   ssid, waited, scans);
    else if (ssid != NULL)
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("neither %s nor a recovery network (%s) in range after %.0f s (%u scans)"),
                   ssid, OTA_WIFI_RECOVERY_PATTERN, waited, scans);
    else if (new_device != NULL)
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("neither a recovery network (%s) nor a new device network in range after "
                      "%.0f s (%u scans)"),
                   OTA_WIFI_RECOVERY_PATTERN, waited, scans);
    else
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("no recovery network (%s) in range after %.0f s (%u scans)"),
                   OTA_WIFI_RECOVERY_PATTERN, waited, scans);
  }
  return NULL;
}

/* TRUE while the interface is still on @ssid. */
static gboolean
ota_wifi_still_on (OtaWifi *self, const gchar *ssid, GCancellable *cancellable, GError **error,
                   gboolean *out_on)
{
  g_autofree gchar *current = NULL;
  g_autofree gchar *gateway = NULL;

  if (!OTA_WIFI_GET_CLASS (self)->get_current (self, &current, &gateway, cancellable, error))
    return FALSE;
  *out_on = g_strcmp0 (current, ssid) == 0;
  return TRUE;
}

OtaWifiNetwork *
ota_wifi_rejoin (OtaWifi *self, const gchar *leaving, const gchar *ssid, gboolean or_recovery,
                 OtaWifiFilter *new_device, const gchar *password, gint64 deadline,
                 GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;
  g_autoptr (GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 drop_deadline;
  gboolean on = TRUE;

  g_return_val_if_fail (OTA_IS_WIFI (self), NULL);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  if (!ota_wifi_can_join (self))
    {
      OTA_WIFI_GET_CLASS (self)->join (self, NULL, NULL, deadline, cancellable, error);
      return NULL;
    }
  /* what was in range before the restart, for "a new device network" */
  for (guint i = 0; new_device != NULL && priv->last_scan != NULL && i < priv->last_scan->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (priv->last_scan, i);
      g_hash_table_add (before, g_strdup (n->ssid));
    }

  /* the device drops its stations a moment before it restarts: do not
   * rejoin the access point that is about to go away */
  drop_deadline = MIN (deadline, ota_wifi_deadline_in (OTA_WIFI_DROP_WAIT_MS));
  while (leaving != NULL)
    {
      if (!ota_wifi_still_on (self, leaving, cancellable, error, &on))
        return NULL;
      if (!on || g_get_monotonic_time () >= drop_deadline)
        break;
      if (!ota_sleep (OTA_WIFI_DROP_POLL_MS, cancellable, error))
        return NULL;
    }
  if (on && leaving != NULL)
    g_debug ("still on %s after %u s; rejoining anyway", leaving, OTA_WIFI_DROP_WAIT_MS / 1000);

  for (;;)
    {
      g_autoptr (OtaWifiNetwork) back = NULL;
      g_autoptr (GError) local = NULL;
      gint64 now;

      back = ota_wifi_wait_locked (self, ssid, or_recovery, new_device, before, deadline,
                                   cancellable, error);
      if (back == NULL)
        return NULL;
      if (ota_wifi_join_locked (self, back->ssid, password, deadline, cancellable, &local))
        return g_steal_pointer (&back);
      /* a device still coming up (or an access point NetworkManager still
       * lists after it went): try again until the deadline */
      now = g_get_monotonic_time ();
      if (ota_error_is_cancelled (local) || now >= deadline)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_debug ("rejoin: %s; trying again", local->message);
      if (!ota_sleep ((guint) MIN ((deadline - now + 999) / 1000, OTA_WIFI_RESCAN_PAUSE_MS),
                      cancellable, error))
        return NULL;
    }
}

gboolean
ota_wifi_get_current (OtaWifi *self, gchar **out_ssid, gchar **out_gateway,
                      GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;
  g_autofree gchar *ssid = NULL;
  g_autofree gchar *gateway = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), FALSE);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!OTA_WIFI_GET_CLASS (self)->get_current (self, &ssid, &gateway, cancellable, error))
    return FALSE;
  if (out_ssid != NULL)
    *out_ssid = g_steal_pointer (&ssid);
  if (out_gateway != NULL)
    *out_gateway = g_steal_pointer (&gateway);
  return TRUE;
}

gboolean
ota_wifi_check (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), FALSE);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return OTA_WIFI_GET_CLASS (self)->check (self, deadline, cancellable, error);
}

gboolean
ota_wifi_remember (OtaWifi *self, GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), FALSE);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return OTA_WIFI_GET_CLASS (self)->remember (self, cancellable, error);
}

gboolean
ota_wifi_restore (OtaWifi *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  OtaWifiPrivate *priv;
  g_autoptr (GMutexLocker) locker = NULL;

  g_return_val_if_fail (OTA_IS_WIFI (self), FALSE);
  priv = ota_wifi_get_instance_private (self);
  locker = g_mutex_locker_new (&priv->lock);
  return OTA_WIFI_GET_CLASS (self)->restore (self, deadline, cancellable, error);
}
