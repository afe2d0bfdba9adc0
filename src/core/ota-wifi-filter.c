/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi-filter.h"
#include "ota-i18n.h"

#include "ota-error.h"

struct _OtaWifiFilter {
  GObject parent_instance;
  GStrv patterns;
  GPtrArray *specs; /* GPatternSpec */
};

G_DEFINE_TYPE (OtaWifiFilter, ota_wifi_filter, G_TYPE_OBJECT)

static const gchar *const default_patterns[] = { OTA_WIFI_RECOVERY_PATTERN, "wifi_camera_*", NULL };

static void
ota_wifi_filter_finalize (GObject *object)
{
  OtaWifiFilter *self = OTA_WIFI_FILTER (object);

  g_strfreev (self->patterns);
  g_ptr_array_unref (self->specs);
  G_OBJECT_CLASS (ota_wifi_filter_parent_class)->finalize (object);
}

static void
ota_wifi_filter_class_init (OtaWifiFilterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_wifi_filter_finalize;
}

static void
ota_wifi_filter_init (OtaWifiFilter *self)
{
  self->specs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
}

OtaWifiFilter *
ota_wifi_filter_new (const gchar *const *patterns)
{
  OtaWifiFilter *self = g_object_new (OTA_TYPE_WIFI_FILTER, NULL);

  if (patterns == NULL || patterns[0] == NULL)
    patterns = default_patterns;
  self->patterns = g_strdupv ((gchar **) patterns);
  for (guint i = 0; self->patterns[i] != NULL; i++)
    g_ptr_array_add (self->specs, g_pattern_spec_new (self->patterns[i]));
  return self;
}

const gchar *const *
ota_wifi_filter_get_patterns (OtaWifiFilter *self)
{
  g_return_val_if_fail (OTA_IS_WIFI_FILTER (self), NULL);
  return (const gchar *const *) self->patterns;
}

gboolean
ota_wifi_ssid_is_recovery (const gchar *ssid)
{
  return ssid != NULL && g_str_has_prefix (ssid, "WIFI_OTA_");
}

gboolean
ota_wifi_filter_is_device (OtaWifiFilter *self, const gchar *ssid)
{
  g_return_val_if_fail (OTA_IS_WIFI_FILTER (self), FALSE);
  if (ssid == NULL || *ssid == '\0')
    return FALSE;
  if (ota_wifi_ssid_is_recovery (ssid))
    return TRUE;
  for (guint i = 0; i < self->specs->len; i++)
    {
      if (g_pattern_match_string (g_ptr_array_index (self->specs, i), ssid))
        return TRUE;
    }
  return FALSE;
}

GPtrArray *
ota_wifi_filter_devices (OtaWifiFilter *self, GPtrArray *networks)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);

  g_return_val_if_fail (OTA_IS_WIFI_FILTER (self), out);
  for (guint i = 0; networks != NULL && i < networks->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (networks, i);

      if (ota_wifi_filter_is_device (self, n->ssid))
        g_ptr_array_add (out, ota_wifi_network_copy (n));
    }
  return out;
}

/* The strongest access point of each SSID in @networks, strongest first. */
static GPtrArray *
ota_wifi_filter_unique (GPtrArray *networks)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (networks->len);

  /* borrowed pointers: g_ptr_array_copy() would take the free function too */
  for (guint i = 0; i < networks->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (networks, i));
  ota_wifi_network_sort (sorted);
  for (guint i = 0; i < sorted->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (sorted, i);

      if (g_hash_table_contains (seen, n->ssid))
        continue;
      g_hash_table_add (seen, n->ssid);
      g_ptr_array_add (out, ota_wifi_network_copy (n));
    }
  return out;
}

static gchar *
ota_wifi_filter_join_ssids (GPtrArray *networks)
{
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < networks->len; i++)
    {
      const OtaWifiNetwork *n = g_ptr_array_index (networks, i);

      if (i > 0)
        g_string_append (str, ", ");
      g_string_append (str, n->ssid);
    }
  return g_string_free (str, FALSE);
}

OtaWifiNetwork *
ota_wifi_filter_pick_auto (OtaWifiFilter *self, GPtrArray *networks, GPtrArray **out_candidates,
                           GError **error)
{
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (GPtrArray) unique = NULL;
  g_autoptr (GPtrArray) recovery = g_ptr_array_new ();
  GPtrArray *pool;

  g_return_val_if_fail (OTA_IS_WIFI_FILTER (self), NULL);
  devices = ota_wifi_filter_devices (self, networks);
  unique = ota_wifi_filter_unique (devices);
  for (guint i = 0; i < unique->len; i++)
    {
      OtaWifiNetwork *n = g_ptr_array_index (unique, i);

      if (ota_wifi_ssid_is_recovery (n->ssid))
        g_ptr_array_add (recovery, n);
    }
  /* a device waiting for recovery comes first: it cannot be used otherwise */
  pool = recovery->len > 0 ? recovery : unique;
  if (out_candidates != NULL)
    *out_candidates = g_ptr_array_ref (unique);

  if (pool->len == 1)
    return ota_wifi_network_copy (g_ptr_array_index (pool, 0));
  if (pool->len == 0)
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("no device network in range"));
      return NULL;
    }
  {
    g_autofree gchar *list = ota_wifi_filter_join_ssids (pool);

    if (pool == recovery)
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%u recovery networks in range: %s"),
                   pool->len, list);
    else
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI, _ ("%u device networks in range: %s"),
                   pool->len, list);
  }
  return NULL;
}
