/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The NetworkManager Wi-Fi backend (OtaWifiNm) against python-dbusmock's
 * NetworkManager template on a private system bus this program starts
 * (wifi/nm-mock.py). It refuses to run on any other bus: wifi_test_bus_check()
 * before each test. The mock's gaps are filled by wifi/nm_gaps.py. */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>

#include "ota-error.h"
#include "ota-json.h"
#include "ota-wifi.h"
#include "wifi-test-bus.h"

#define DEV_STATE_DISCONNECTED 30
#define SEC_NONE 0x0
#define SEC_PSK 0x100 /* KEY_MGMT_PSK (the one value the template's AddWiFiConnection takes) */
#define SEC_EAP 0x208 /* KEY_MGMT_802_1X | PAIR_CCMP */
#define SETTINGS_PATH "/org/freedesktop/NetworkManager/Settings"
#define DEVICE_IFACE "org.freedesktop.NetworkManager.Device"
#define ACTIVE_IFACE "org.freedesktop.NetworkManager.Connection.Active"
#define CONN_IFACE "org.freedesktop.NetworkManager.Settings.Connection"
/* what the mock logs for the backend's round trip (a property read) */
#define NM_ROUND_TRIP "GetAll /org/freedesktop/NetworkManager org.freedesktop.NetworkManager\n"

static WifiTestBus *bus;

typedef struct {
  gchar *dev;  /* the mock's Wi-Fi device */
  gchar *home; /* the user's saved profile, active at the start */
  OtaWifi *wifi;
} Fixture;

static gchar *
mock_string (const gchar *method, GVariant *args)
{
  g_autoptr (GVariant) reply = wifi_test_mock_call (bus, method, args, "(s)");
  gchar *s = NULL;

  g_variant_get (reply, "(s)", &s);
  return s;
}

static gchar *
add_ap (Fixture *f, const gchar *name, const gchar *ssid, const gchar *bssid, guint8 strength,
        guint32 security)
{
  return mock_string ("AddAccessPoint", g_variant_new ("(ssssuuuyu)", f->dev, name, ssid, bssid, 2u,
                                                       2437u, 54000u, strength, security));
}

static void
mock_void (const gchar *method, GVariant *args)
{
  g_autoptr (GVariant) reply = wifi_test_mock_call (bus, method, args, NULL);
}

/* The saved profiles, as NetworkManager shows them: path and settings. */
static gchar *
saved_profiles (void)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  const gchar *path;

  reply = wifi_test_nm_call (bus, SETTINGS_PATH, "org.freedesktop.NetworkManager.Settings",
                             "ListConnections", NULL, "(ao)");
  g_variant_get (reply, "(ao)", &iter);
  while (g_variant_iter_next (iter, "&o", &path))
    {
      g_autoptr (GVariant) settings
          = wifi_test_nm_call (bus, path, CONN_IFACE, "GetSettings", NULL, "(a{sa{sv}})");
      g_autofree gchar *text = g_variant_print (settings, FALSE);

      g_string_append_printf (out, "%s %s\n", path, text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static guint
count_profiles (void)
{
  g_autoptr (GVariant) value = wifi_test_nm_get (
      bus, SETTINGS_PATH, "org.freedesktop.NetworkManager.Settings", "Connections");

  return (guint) g_variant_n_children (value);
}

/* The profile behind the device's active connection, or "/". */
static gchar *
active_profile (Fixture *f)
{
  g_autoptr (GVariant) ac = wifi_test_nm_get (bus, f->dev, DEVICE_IFACE, "ActiveConnection");
  g_autoptr (GVariant) conn = NULL;

  if (g_strcmp0 (g_variant_get_string (ac, NULL), "/") == 0)
    return g_strdup ("/");
  conn = wifi_test_nm_get (bus, g_variant_get_string (ac, NULL), ACTIVE_IFACE, "Connection");
  return g_variant_dup_string (conn, NULL);
}

static GVariant *
profile_settings (const gchar *path)
{
  g_autoptr (GVariant) reply
      = wifi_test_nm_call (bus, path, CONN_IFACE, "GetSettings", NULL, "(a{sa{sv}})");

  return g_variant_get_child_value (reply, 0);
}

/* An "ay" as the mock sends it back ("ay", or "av" of bytes: dbus-python
 * does not keep the type of what it stored). */
static const gchar *
variant_bytes (GVariant *value, gsize *len)
{
  GByteArray *bytes = g_byte_array_new ();
  GVariantIter iter;
  GVariant *child;

  g_variant_iter_init (&iter, value);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr (GVariant) inner = g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT)
                                       ? g_variant_get_variant (child)
                                       : g_variant_ref (child);
      guint8 b = g_variant_get_byte (inner);

      g_byte_array_append (bytes, &b, 1);
      g_variant_unref (child);
    }
  *len = bytes->len;
  return (const gchar *) g_byte_array_free (bytes, FALSE);
}

static gint
log_count (const gchar *needle)
{
  g_autofree gchar *log = wifi_test_bus_read_log (bus);
  gint n = 0;

  for (const gchar *p = strstr (log, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
setup_nm (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *home_ap = NULL;
  g_autofree gchar *ac = NULL;

  wifi_test_bus_check (bus);
  if (g_test_subprocess ())
    {
      /* the parent set the mock up and waits for this child */
      f->dev = g_strdup ("/org/freedesktop/NetworkManager/Devices/wlan0");
      f->home = g_strdup (SETTINGS_PATH "/home");
      f->wifi = ota_wifi_new ("nm", NULL, &error);
      g_assert_no_error (error);
      return;
    }
  wifi_test_bus_start_nm (bus, NULL);
  f->dev = mock_string ("AddWiFiDevice",
                        g_variant_new ("(ssi)", "wlan0", "wlan0", DEV_STATE_DISCONNECTED));
  mock_void ("PatchWiFiDevice", g_variant_new ("(s)", f->dev));

  /* the PC is on the user's own network, with a saved profile */
  home_ap = add_ap (f, "home", "HomeNet", "02:11:22:33:44:55", 90, SEC_PSK);
  f->home = mock_string ("AddWiFiConnection",
                         g_variant_new ("(ssss)", f->dev, "home", "HomeNet", "wpa-psk"));
  {
    const gchar *devs[] = { f->dev, NULL };

    ac = mock_string ("AddActiveConnection",
                      g_variant_new ("(^assssu)", devs, f->home, home_ap, "home", 2u));
  }
  f->wifi = ota_wifi_new ("nm", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ota_wifi_get_backend_name (f->wifi), ==, "nm");
  g_assert_true (ota_wifi_can_join (f->wifi));
}

static void
add_device_aps (Fixture *f)
{
  g_free (add_ap (f, "ota", "WIFI_OTA_XXXXXX", "02:00:00:00:00:01", 60, SEC_NONE));
  g_free (add_ap (f, "cam", "wifi_camera_wl8x_1234", "02:00:00:00:00:02", 80, SEC_PSK));
  g_free (add_ap (f, "cafe", "Cafe", "02:00:00:00:00:03", 30, SEC_NONE));
  g_free (add_ap (f, "corp", "wifi_camera_corp", "02:00:00:00:00:04", 20, SEC_EAP));
}

static void
teardown_nm (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->wifi);
  if (!g_test_subprocess ())
    wifi_test_bus_stop_nm (bus);
  g_free (f->dev);
  g_free (f->home);
}

static void
test_scan (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) devices = NULL;
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (NULL);
  OtaWifiNetwork *n;

  add_device_aps (f);
  g_assert_true (ota_wifi_check (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (log_count ("RequestScan"), ==, 0);
  all = ota_wifi_scan (f->wifi, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (log_count ("RequestScan"), ==, 1);
  /* every access point, strongest first */
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpstr (((OtaWifiNetwork *) all->pdata[0])->ssid, ==, "HomeNet");
  g_assert_cmpstr (((OtaWifiNetwork *) all->pdata[4])->ssid, ==, "wifi_camera_corp");

  /* the device networks only: the product's and the updater's */
  devices = ota_wifi_filter_devices (filter, all);
  g_assert_cmpuint (devices->len, ==, 3);
  n = devices->pdata[0];
  g_assert_cmpstr (n->ssid, ==, "wifi_camera_wl8x_1234");
  g_assert_cmpstr (n->bssid, ==, "02:00:00:00:00:02");
  g_assert_cmpuint (n->signal, ==, 80);
  g_assert_cmpint (n->security, ==, OTA_WIFI_SECURITY_WPA2_PSK);
  g_assert_false (ota_wifi_ssid_is_recovery (n->ssid));
  n = devices->pdata[1];
  g_assert_cmpstr (n->ssid, ==, "WIFI_OTA_XXXXXX");
  g_assert_cmpint (n->security, ==, OTA_WIFI_SECURITY_OPEN);
  g_assert_true (ota_wifi_ssid_is_recovery (n->ssid));
  n = devices->pdata[2];
  g_assert_cmpstr (n->ssid, ==, "wifi_camera_corp");
  g_assert_cmpint (n->security, ==, OTA_WIFI_SECURITY_OTHER);
  {
    g_autoptr (cJSON) json = ota_wifi_network_to_json (devices->pdata[1], TRUE);
    g_autofree gchar *text = cJSON_PrintUnformatted (json);

    g_assert_cmpstr (
        text, ==,
        "{\"event\":\"network\",\"ssid\":\"WIFI_OTA_XXXXXX\",\"bssid\":"
        "\"02:00:00:00:00:01\",\"signal\":60,\"security\":\"open\",\"recovery\":true}");
  }

  /* a second scan asks again and sees an access point that went away */
  mock_void ("RemoveAccessPoint",
             g_variant_new ("(ss)", f->dev, "/org/freedesktop/NetworkManager/AccessPoint/cafe"));
  g_clear_pointer (&all, g_ptr_array_unref);
  all = ota_wifi_scan (f->wifi, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (log_count ("RequestScan"), ==, 2);
  g_assert_cmpuint (all->len, ==, 4);
}

/* Joins @ssid, checks the temporary profile while joined, restores, and
 * checks the user's profiles and connection are back as they were. */
static void
join_and_restore (Fixture *f, const gchar *ssid, const gchar *password, gboolean psk)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *before = saved_profiles ();
  g_autofree gchar *temp = NULL;
  g_autofree gchar *after = NULL;
  g_autofree gchar *current = NULL;
  g_autofree gchar *gateway = NULL;
  g_autoptr (GVariant) settings = NULL;
  g_autoptr (GVariant) unsaved = NULL;
  const gchar *id = NULL;
  const gchar *key_mgmt = NULL;
  gboolean autoconnect = TRUE;
  guint profiles = count_profiles ();

  g_assert_true (ota_wifi_remember (f->wifi, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (
      ota_wifi_join (f->wifi, ssid, password, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (log_count ("AddAndActivateConnection2"), ==, 1);

  /* one temporary profile more: unsaved, never auto-joined, on wlan0 */
  g_assert_cmpuint (count_profiles (), ==, profiles + 1);
  temp = active_profile (f);
  g_assert_cmpstr (temp, !=, f->home);
  g_assert_cmpstr (temp, !=, "/");
  unsaved = wifi_test_nm_get (bus, temp, CONN_IFACE, "Unsaved");
  g_assert_true (g_variant_get_boolean (unsaved));
  settings = profile_settings (temp);
  {
    g_autoptr (GVariant) con = g_variant_lookup_value (settings, "connection", NULL);
    g_autoptr (GVariant) wifi = g_variant_lookup_value (settings, "802-11-wireless", NULL);
    g_autoptr (GVariant) sec = g_variant_lookup_value (settings, "802-11-wireless-security", NULL);
    g_autoptr (GVariant) ssid_bytes = NULL;
    g_autofree gchar *expected_id = g_strdup_printf ("otaflash temporary %s", ssid);
    const gchar *iface = NULL;
    gsize len = 0;
    const gchar *data;

    g_assert_true (g_variant_lookup (con, "id", "&s", &id));
    g_assert_cmpstr (id, ==, expected_id);
    g_assert_true (g_variant_lookup (con, "autoconnect", "b", &autoconnect));
    g_assert_false (autoconnect);
    g_assert_true (g_variant_lookup (con, "interface-name", "&s", &iface));
    g_assert_cmpstr (iface, ==, "wlan0");
    ssid_bytes = g_variant_lookup_value (wifi, "ssid", NULL);
    data = variant_bytes (ssid_bytes, &len);
    g_assert_cmpmem (data, len, ssid, strlen (ssid));
    g_free ((gpointer) data);
    if (psk)
      {
        g_assert_nonnull (sec);
        g_assert_true (g_variant_lookup (sec, "key-mgmt", "&s", &key_mgmt));
        g_assert_cmpstr (key_mgmt, ==, "wpa-psk");
      }
    else
      g_assert_null (sec);
  }
  g_assert_true (ota_wifi_get_current (f->wifi, &current, &gateway, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (current, ==, ssid);

  g_assert_true (ota_wifi_restore (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  /* the temporary profile is gone, the user's are as they were, and the
   * user's network is up again */
  after = saved_profiles ();
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (count_profiles (), ==, profiles);
  g_clear_pointer (&current, g_free);
  current = active_profile (f);
  g_assert_cmpstr (current, ==, f->home);
  g_assert_cmpint (log_count ("ActivateConnection \"" SETTINGS_PATH "/home\""), ==, 1);
}

static void
test_join_open (Fixture *f, gconstpointer data)
{
  add_device_aps (f);
  join_and_restore (f, "WIFI_OTA_XXXXXX", NULL, FALSE);
}

static void
test_join_wpa2 (Fixture *f, gconstpointer data)
{
  add_device_aps (f);
  mock_void ("SetAccessPointPassword",
             g_variant_new ("(ss)", "wifi_camera_wl8x_1234", OTA_WIFI_DEFAULT_PASSWORD));
  /* NULL: the SDK's default password */
  join_and_restore (f, "wifi_camera_wl8x_1234", NULL, TRUE);
  /* the password went to NetworkManager (the mock logs what it gets) */
  g_assert_cmpint (log_count ("\"psk\": \"" OTA_WIFI_DEFAULT_PASSWORD "\""), >=, 1);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *before = saved_profiles ();
  g_autofree gchar *after = NULL;
  g_autofree gchar *current = NULL;

  add_device_aps (f);
  mock_void ("SetAccessPointPassword",
             g_variant_new ("(ss)", "wifi_camera_wl8x_1234", "right-one"));
  g_assert_true (ota_wifi_remember (f->wifi, NULL, &error));
  g_assert_false (ota_wifi_join (f->wifi, "wifi_camera_wl8x_1234", "wrong-one",
                                 ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "joining wifi_camera_wl8x_1234: wrong password");
  g_clear_error (&error);
  /* no temporary profile left behind */
  after = saved_profiles ();
  g_assert_cmpstr (after, ==, before);

  g_assert_true (ota_wifi_restore (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  current = active_profile (f);
  g_assert_cmpstr (current, ==, f->home);
}

static void
test_join_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  add_device_aps (f);
  /* not in range */
  g_assert_false (
      ota_wifi_join (f->wifi, "WIFI_OTA_GONE", NULL, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "the network WIFI_OTA_GONE is not in range");
  g_clear_error (&error);
  /* enterprise: nothing otaflash can join */
  g_assert_false (ota_wifi_join (f->wifi, "wifi_camera_corp", NULL, ota_wifi_deadline_in (20000),
                                 NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);
  /* a password WPA2 cannot have */
  g_assert_false (ota_wifi_join (f->wifi, "wifi_camera_wl8x_1234", "short",
                                 ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);
  g_assert_cmpint (log_count ("AddAndActivateConnection2"), ==, 0);
}

/* What the flash does around each restart of the device. */
static void
test_rejoin (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifiNetwork) back = NULL;
  g_autofree gchar *before = saved_profiles ();
  g_autofree gchar *after = NULL;
  g_autofree gchar *current = NULL;
  g_autofree gchar *gateway = NULL;
  guint profiles = count_profiles ();
  gint scans;

  add_device_aps (f);
  g_assert_true (ota_wifi_remember (f->wifi, NULL, &error));
  g_assert_true (ota_wifi_join (f->wifi, "wifi_camera_wl8x_1234", NULL,
                                ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  mock_void ("SetActiveGateway", g_variant_new ("(ss)", f->dev, "127.0.0.1"));
  g_assert_true (ota_wifi_get_current (f->wifi, &current, &gateway, NULL, &error));
  g_assert_cmpstr (current, ==, "wifi_camera_wl8x_1234");
  g_assert_cmpstr (gateway, ==, "127.0.0.1");
  g_clear_pointer (&current, g_free);
  g_clear_pointer (&gateway, g_free);

  /* the device restarts: it kicks the PC off (NetworkManager drops the
   * volatile profile with it), and comes back as the updater's network */
  mock_void ("DropActiveConnection", g_variant_new ("(s)", f->dev));
  g_assert_cmpuint (count_profiles (), ==, profiles);
  mock_void ("RemoveAccessPoint",
             g_variant_new ("(ss)", f->dev, "/org/freedesktop/NetworkManager/AccessPoint/cam"));
  g_assert_true (ota_wifi_get_current (f->wifi, &current, NULL, NULL, &error));
  g_assert_null (current);
  /* remembering again now must not forget the user's network */
  g_assert_true (ota_wifi_remember (f->wifi, NULL, &error));

  back = ota_wifi_wait_for_network (f->wifi, "wifi_camera_wl8x_1234", TRUE,
                                    ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->ssid, ==, "WIFI_OTA_XXXXXX");
  scans = log_count ("RequestScan");
  g_assert_true (
      ota_wifi_join (f->wifi, back->ssid, NULL, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  /* the scan that found it is fresh: no second one before joining */
  g_assert_cmpint (log_count ("RequestScan"), ==, scans);
  g_assert_cmpint (log_count ("AddAndActivateConnection2"), ==, 2);
  g_assert_true (ota_wifi_get_current (f->wifi, &current, NULL, NULL, &error));
  g_assert_cmpstr (current, ==, "WIFI_OTA_XXXXXX");

  g_assert_true (ota_wifi_restore (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  after = saved_profiles ();
  g_assert_cmpstr (after, ==, before);
  g_clear_pointer (&current, g_free);
  current = active_profile (f);
  g_assert_cmpstr (current, ==, f->home);
}

static void
test_no_networkmanager (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) wifi = ota_wifi_new ("nm", NULL, &error);
  g_autoptr (GPtrArray) networks = NULL;

  wifi_test_bus_check (bus);
  g_assert_no_error (error);
  g_assert_false (ota_wifi_check (wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "NetworkManager is not running");
  g_clear_error (&error);
  networks = ota_wifi_scan (wifi, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_null (networks);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "NetworkManager is not running");
  g_clear_error (&error);
  g_assert_false (
      ota_wifi_join (wifi, "WIFI_OTA_XXXXXX", NULL, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "NetworkManager is not running");
  g_clear_error (&error);
  g_assert_false (ota_wifi_remember (wifi, NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
}

static void
test_wifi_disabled (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) networks = NULL;

  add_device_aps (f);
  mock_void ("SetProperty", g_variant_new ("(sssv)", "/org/freedesktop/NetworkManager",
                                           "org.freedesktop.NetworkManager", "WirelessEnabled",
                                           g_variant_new_boolean (FALSE)));
  g_assert_false (ota_wifi_check (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "Wi-Fi is switched off");
  g_clear_error (&error);
  networks = ota_wifi_scan (f->wifi, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_null (networks);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "Wi-Fi is switched off");
  g_clear_error (&error);
  g_assert_false (
      ota_wifi_join (f->wifi, "WIFI_OTA_XXXXXX", NULL, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "Wi-Fi is switched off");
  g_assert_cmpint (log_count ("RequestScan"), ==, 0);
}

static void
test_interface (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) other = ota_wifi_new ("nm", "wlan9", &error);
  g_autoptr (OtaWifi) named = ota_wifi_new ("nm", "wlan0", &error);
  g_autoptr (GPtrArray) networks = NULL;

  g_assert_no_error (error);
  networks = ota_wifi_scan (other, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_null (networks);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "no Wi-Fi interface named wlan9");
  g_clear_error (&error);
  networks = ota_wifi_scan (named, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (networks->len, ==, 1);
}

static void
test_no_adapter (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) wifi = ota_wifi_new ("nm", NULL, &error);
  g_autoptr (GPtrArray) networks = NULL;

  wifi_test_bus_check (bus);
  wifi_test_bus_start_nm (bus, NULL);
  g_assert_false (ota_wifi_check (wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "no Wi-Fi adapter");
  g_clear_error (&error);
  networks = ota_wifi_scan (wifi, ota_wifi_deadline_in (20000), NULL, &error);
  g_assert_null (networks);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "no Wi-Fi adapter");
  g_clear_object (&wifi);
  wifi_test_bus_stop_nm (bus);
}

static void
test_wait_deadline (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifiNetwork) found = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  found = ota_wifi_wait_for_network (f->wifi, "wifi_camera_wl8x_1234", TRUE,
                                     ota_wifi_deadline_in (1500), NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_null (found);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_true (
      g_str_has_prefix (error->message, "neither wifi_camera_wl8x_1234 nor a recovery network"));
  g_assert_cmpint (elapsed, >=, 1500 * 1000);
  g_assert_cmpint (elapsed, <, 10 * G_USEC_PER_SEC);
  /* it scanned actively, more than once */
  g_assert_cmpint (log_count ("RequestScan"), >=, 2);
}

typedef struct {
  OtaWifi *wifi;
  GCancellable *cancellable;
  OtaWifiNetwork *found;
  GError *error;
} WaitJob;

static gpointer
wait_thread (gpointer data)
{
  WaitJob *job = data;

  /* from a worker thread, as the flash engine calls it */
  job->found = ota_wifi_wait_for_network (job->wifi, NULL, TRUE, ota_wifi_deadline_in (60000),
                                          job->cancellable, &job->error);
  return NULL;
}

static void
method_called_cb (GDBusConnection *conn, const gchar *sender, const gchar *path, const gchar *iface,
                  const gchar *signal, GVariant *params, gpointer data)
{
  const gchar *name = NULL;

  g_variant_get_child (params, 0, "&s", &name);
  if (g_strcmp0 (name, "RequestScan") == 0)
    (*(guint *) data)++;
}

/* Waits until the mock has been asked for @n scans in all. */
static void
wait_for_scans (guint n)
{
  GDBusConnection *conn = wifi_test_bus_get_connection (bus);
  guint scans = (guint) log_count ("RequestScan");
  guint id;

  id = g_dbus_connection_signal_subscribe (conn, NULL, "org.freedesktop.DBus.Mock", "MethodCalled",
                                           NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, method_called_cb,
                                           &scans, NULL);
  /* those before the subscription are in the log */
  scans = MAX (scans, (guint) log_count ("RequestScan"));
  while (scans < n)
    g_main_context_iteration (NULL, TRUE);
  g_dbus_connection_signal_unsubscribe (conn, id);
}

static void
test_wait_appears (Fixture *f, gconstpointer data)
{
  WaitJob job = { f->wifi, NULL, NULL, NULL };
  g_autoptr (GError) error = NULL;
  GThread *thread;

  /* the client is made in this thread, and then used in another */
  g_assert_true (ota_wifi_check (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  thread = g_thread_new ("wait", wait_thread, &job);

  /* nothing there at the first scan; the updater's network comes up */
  wait_for_scans (1);
  g_free (add_ap (f, "ota", "WIFI_OTA_XXXXXX", "02:00:00:00:00:01", 60, SEC_NONE));
  g_thread_join (thread);
  g_assert_no_error (job.error);
  g_assert_cmpstr (job.found->ssid, ==, "WIFI_OTA_XXXXXX");
  ota_wifi_network_free (job.found);
}

static void
test_wait_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  WaitJob job = { f->wifi, cancellable, NULL, NULL };
  GThread *thread = g_thread_new ("wait", wait_thread, &job);
  gint64 start;

  wait_for_scans (2);
  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);
  g_assert_null (job.found);
  g_assert_error (job.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_error_free (job.error);
}

typedef struct {
  OtaWifi *wifi;
  OtaWifiNetwork *joined;
  GError *error;
} RejoinJob;

static gpointer
rejoin_thread (gpointer data)
{
  RejoinJob *job = data;

  job->joined = ota_wifi_rejoin (job->wifi, "wifi_camera_wl8x_1234", "wifi_camera_wl8x_1234", TRUE,
                                 NULL, NULL, ota_wifi_deadline_in (60000), NULL, &job->error);
  return NULL;
}

/* Waits until the mock's log has @count lines with @needle: for calls that
 * are not mock methods (no MethodCalled signal), such as property reads.
 * The mock writes its log as it handles each call. */
static void
wait_for_log (const gchar *needle, gint count)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (log_count (needle) < count)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_usleep (10 * 1000);
    }
}

/* ota_wifi_rejoin: not before the PC is dropped; then whatever comes back. */
static void
test_rejoin_helper (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *current = NULL;
  RejoinJob job = { f->wifi, NULL, NULL };
  GThread *thread;
  gint scans_before;
  gint looks;

  add_device_aps (f);
  mock_void ("RemoveAccessPoint",
             g_variant_new ("(ss)", f->dev, "/org/freedesktop/NetworkManager/AccessPoint/ota"));
  g_assert_true (ota_wifi_remember (f->wifi, NULL, &error));
  g_assert_true (ota_wifi_join (f->wifi, "wifi_camera_wl8x_1234", NULL,
                                ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  scans_before = log_count ("RequestScan");

  /* still joined: it looks (each look a round trip to NetworkManager)
   * until the PC is dropped, and does not scan meanwhile */
  looks = log_count (NM_ROUND_TRIP);
  thread = g_thread_new ("rejoin", rejoin_thread, &job);
  wait_for_log (NM_ROUND_TRIP, looks + 3);
  g_assert_cmpint (log_count ("RequestScan"), ==, scans_before);
  /* the device restarts into the updater */
  mock_void ("DropActiveConnection", g_variant_new ("(s)", f->dev));
  mock_void ("RemoveAccessPoint",
             g_variant_new ("(ss)", f->dev, "/org/freedesktop/NetworkManager/AccessPoint/cam"));
  wait_for_scans ((guint) scans_before + 1);
  g_free (add_ap (f, "ota2", "WIFI_OTA_XXXXXX", "02:00:00:00:00:09", 50, SEC_NONE));
  g_thread_join (thread);
  g_assert_no_error (job.error);
  g_assert_cmpstr (job.joined->ssid, ==, "WIFI_OTA_XXXXXX");
  ota_wifi_network_free (job.joined);
  g_assert_cmpint (log_count ("AddAndActivateConnection2"), ==, 2);
  g_assert_true (ota_wifi_get_current (f->wifi, &current, NULL, NULL, &error));
  g_assert_cmpstr (current, ==, "WIFI_OTA_XXXXXX");
  g_assert_true (ota_wifi_restore (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&current, g_free);
  current = active_profile (f);
  g_assert_cmpstr (current, ==, f->home);
}

/* Debug output (--verbose) never shows the password. */
static void
test_password_not_logged (Fixture *f, gconstpointer data)
{
  const gchar *secret = "Zq7-secret-Wk2";

  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;

      g_log_set_debug_enabled (TRUE);
      g_assert_true (ota_wifi_remember (f->wifi, NULL, &error));
      g_assert_true (ota_wifi_join (f->wifi, "wifi_camera_wl8x_1234", secret,
                                    ota_wifi_deadline_in (20000), NULL, &error));
      g_assert_no_error (error);
      g_assert_true (ota_wifi_restore (f->wifi, ota_wifi_deadline_in (20000), NULL, &error));
      g_assert_no_error (error);
      /* and a refused one */
      g_assert_false (ota_wifi_join (f->wifi, "wifi_camera_wl8x_1234", "Zq7-wrong-Wk2",
                                     ota_wifi_deadline_in (20000), NULL, &error));
      g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
      g_printerr ("error: %s\n", error->message);
      return;
    }
  add_device_aps (f);
  mock_void ("SetAccessPointPassword", g_variant_new ("(ss)", "wifi_camera_wl8x_1234", secret));
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* the debug output is there, the password is not */
  g_test_trap_assert_stdout ("*joining wifi_camera_wl8x_1234*");
  g_test_trap_assert_stderr ("*error: joining wifi_camera_wl8x_1234: wrong password*");
  g_test_trap_assert_stdout_unmatched ("*Zq7*");
  g_test_trap_assert_stderr_unmatched ("*Zq7*");
  /* while NetworkManager did get it */
  g_assert_cmpint (log_count (secret), >=, 1);
}

/* `otaflash --cli --scan --json` on the same private bus (the child
 * inherits DBUS_SYSTEM_BUS_ADDRESS, checked by wifi_test_bus_check() in
 * this process): exactly the device networks, recovery marked, then the
 * result. */
static void
test_cli_scan (Fixture *f, gconstpointer data)
{
  const gchar *otaflash = g_getenv ("OTA_TEST_OTAFLASH");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *out = NULL;
  g_auto (GStrv) lines = NULL;
  guint n_networks = 0;
  gboolean saw_recovery = FALSE;

  g_assert_nonnull (otaflash);
  wifi_test_bus_check (bus);
  add_device_aps (f);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "OTA_WIFI_BACKEND", "nm", TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                wifi_test_bus_get_address (bus), TRUE);
  proc
      = g_subprocess_launcher_spawn (launcher, &error, otaflash, "--cli", "--scan", "--json", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (lines[i]);
      const gchar *event;

      g_assert_nonnull (obj);
      event = cJSON_GetObjectItem (obj, "event")->valuestring;
      if (g_str_equal (event, "network"))
        {
          const gchar *ssid = cJSON_GetObjectItem (obj, "ssid")->valuestring;
          gboolean recovery = cJSON_IsTrue (cJSON_GetObjectItem (obj, "recovery"));

          n_networks++;
          /* never the others in range (HomeNet, Cafe) */
          g_assert_true (g_str_has_prefix (ssid, "wifi_camera_")
                         || g_str_has_prefix (ssid, "WIFI_OTA_"));
          g_assert_true (recovery == g_str_has_prefix (ssid, "WIFI_OTA_"));
          saw_recovery |= recovery;
        }
      else
        {
          g_assert_cmpstr (event, ==, "result");
          g_assert_cmpint (cJSON_GetObjectItem (obj, "exit_code")->valueint, ==, 0);
          g_assert_null (lines[i + 1] != NULL && lines[i + 1][0] != '\0' ? "more" : NULL);
        }
    }
  g_assert_cmpuint (n_networks, ==, 3);
  g_assert_true (saw_recovery);
}

int
main (int argc, char **argv)
{
  g_autoptr (WifiTestBus) owned = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  owned = wifi_test_bus_start ();
  bus = owned;

#define ADD(path, fn) g_test_add ("/ota/wifi/nm/" path, Fixture, NULL, setup_nm, fn, teardown_nm)
  ADD ("scan", test_scan);
  ADD ("join-open", test_join_open);
  ADD ("join-wpa2", test_join_wpa2);
  ADD ("wrong-password", test_wrong_password);
  ADD ("join-refused", test_join_refused);
  ADD ("rejoin", test_rejoin);
  ADD ("rejoin-helper", test_rejoin_helper);
  ADD ("wifi-disabled", test_wifi_disabled);
  ADD ("interface", test_interface);
  ADD ("wait-deadline", test_wait_deadline);
  ADD ("wait-appears", test_wait_appears);
  ADD ("wait-cancel", test_wait_cancel);
  ADD ("password-not-logged", test_password_not_logged);
  ADD ("cli-scan", test_cli_scan);
#undef ADD
  g_test_add_func ("/ota/wifi/nm/no-networkmanager", test_no_networkmanager);
  g_test_add_func ("/ota/wifi/nm/no-adapter", test_no_adapter);
  rc = g_test_run ();
  bus = NULL;
  return rc;
}
