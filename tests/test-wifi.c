/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The portable part of the Wi-Fi layer: device and recovery networks, the
 * pick for --wifi auto, the "network" JSON event, the Windows profile XML,
 * the backends of this build, and the "none" backend. */
#define G_LOG_DOMAIN "OtaTest"

#include <string.h>

#include "ota-error.h"
#include "ota-wifi.h"
#include "ota-wifi-profile.h"

static GPtrArray *
networks_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);
}

static void
add (GPtrArray *networks, const gchar *ssid, guint signal, OtaWifiSecurity security)
{
  g_autofree gchar *bssid = g_strdup_printf ("02:00:00:00:%02X:%02X", networks->len, signal);

  g_ptr_array_add (networks, ota_wifi_network_new (ssid, bssid, signal, security));
}

static void
test_filter_defaults (void)
{
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (NULL);

  g_assert_true (ota_wifi_filter_is_device (filter, "WIFI_OTA_XXXXXX"));
  g_assert_true (ota_wifi_filter_is_device (filter, "WIFI_OTA_4F2A11"));
  g_assert_true (ota_wifi_filter_is_device (filter, "wifi_camera_wl8x_1234"));
  g_assert_false (ota_wifi_filter_is_device (filter, "HomeNet"));
  g_assert_false (ota_wifi_filter_is_device (filter, "wifi_cam"));
  g_assert_false (ota_wifi_filter_is_device (filter, "xWIFI_OTA_1"));
  g_assert_false (ota_wifi_filter_is_device (filter, "wifi_ota_1"));
  g_assert_false (ota_wifi_filter_is_device (filter, ""));
  g_assert_true (ota_wifi_ssid_is_recovery ("WIFI_OTA_XXXXXX"));
  g_assert_false (ota_wifi_ssid_is_recovery ("wifi_camera_wl8x_1234"));
  g_assert_false (ota_wifi_ssid_is_recovery (NULL));
}

static void
test_filter_patterns (void)
{
  const gchar *patterns[] = { "CAM-??", "Dash*", NULL };
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (patterns);
  g_autoptr (GPtrArray) networks = networks_new ();
  g_autoptr (GPtrArray) devices = NULL;

  g_assert_true (ota_wifi_filter_is_device (filter, "CAM-01"));
  g_assert_false (ota_wifi_filter_is_device (filter, "CAM-001"));
  g_assert_true (ota_wifi_filter_is_device (filter, "Dashcam"));
  /* configured patterns replace wifi_camera_*; the updater's network stays */
  g_assert_false (ota_wifi_filter_is_device (filter, "wifi_camera_wl8x_1"));
  g_assert_true (ota_wifi_filter_is_device (filter, "WIFI_OTA_XXXXXX"));
  g_assert_cmpstr (ota_wifi_filter_get_patterns (filter)[1], ==, "Dash*");

  add (networks, "HomeNet", 90, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "CAM-07", 40, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "WIFI_OTA_XXXXXX", 30, OTA_WIFI_SECURITY_OPEN);
  devices = ota_wifi_filter_devices (filter, networks);
  g_assert_cmpuint (devices->len, ==, 2);
  g_assert_cmpstr (((OtaWifiNetwork *) devices->pdata[0])->ssid, ==, "CAM-07");
  g_assert_cmpstr (((OtaWifiNetwork *) devices->pdata[1])->ssid, ==, "WIFI_OTA_XXXXXX");
}

static void
test_pick_one (void)
{
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (NULL);
  g_autoptr (GPtrArray) networks = networks_new ();
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (OtaWifiNetwork) pick = NULL;
  g_autoptr (GError) error = NULL;

  add (networks, "HomeNet", 90, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "wifi_camera_wl8x_77", 40, OTA_WIFI_SECURITY_WPA2_PSK);
  /* the same network seen through a second access point counts once */
  add (networks, "wifi_camera_wl8x_77", 55, OTA_WIFI_SECURITY_WPA2_PSK);
  pick = ota_wifi_filter_pick_auto (filter, networks, &candidates, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pick->ssid, ==, "wifi_camera_wl8x_77");
  g_assert_cmpuint (pick->signal, ==, 55);
  g_assert_cmpuint (candidates->len, ==, 1);
}

static void
test_pick_recovery_first (void)
{
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (NULL);
  g_autoptr (GPtrArray) networks = networks_new ();
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (OtaWifiNetwork) pick = NULL;
  g_autoptr (GError) error = NULL;

  add (networks, "wifi_camera_wl8x_1", 90, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "wifi_camera_wl8x_2", 80, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "WIFI_OTA_XXXXXX", 20, OTA_WIFI_SECURITY_OPEN);
  pick = ota_wifi_filter_pick_auto (filter, networks, &candidates, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pick->ssid, ==, "WIFI_OTA_XXXXXX");
  g_assert_cmpuint (candidates->len, ==, 3);
}

static void
test_pick_none (void)
{
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (NULL);
  g_autoptr (GPtrArray) networks = networks_new ();
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;
  OtaWifiNetwork *pick;

  add (networks, "HomeNet", 90, OTA_WIFI_SECURITY_WPA2_PSK);
  pick = ota_wifi_filter_pick_auto (filter, networks, &candidates, &error);
  g_assert_null (pick);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==, "no device network in range");
  g_assert_cmpuint (candidates->len, ==, 0);
}

static void
test_pick_several (void)
{
  g_autoptr (OtaWifiFilter) filter = ota_wifi_filter_new (NULL);
  g_autoptr (GPtrArray) networks = networks_new ();
  g_autoptr (GPtrArray) candidates = NULL;
  g_autoptr (GError) error = NULL;
  OtaWifiNetwork *pick;

  add (networks, "wifi_camera_wl8x_1", 30, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "HomeNet", 90, OTA_WIFI_SECURITY_WPA2_PSK);
  add (networks, "wifi_camera_wl8x_2", 80, OTA_WIFI_SECURITY_WPA2_PSK);
  pick = ota_wifi_filter_pick_auto (filter, networks, &candidates, &error);
  g_assert_null (pick);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==,
                   "2 device networks in range: wifi_camera_wl8x_2, wifi_camera_wl8x_1");
  g_assert_cmpuint (candidates->len, ==, 2);
  g_clear_error (&error);

  /* two devices waiting for recovery: no guess either */
  add (networks, "WIFI_OTA_AAAAAA", 10, OTA_WIFI_SECURITY_OPEN);
  add (networks, "WIFI_OTA_BBBBBB", 20, OTA_WIFI_SECURITY_OPEN);
  pick = ota_wifi_filter_pick_auto (filter, networks, NULL, &error);
  g_assert_null (pick);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_assert_cmpstr (error->message, ==,
                   "2 recovery networks in range: WIFI_OTA_BBBBBB, WIFI_OTA_AAAAAA");
}

static void
test_network_json (void)
{
  g_autoptr (OtaWifiNetwork) n
      = ota_wifi_network_new ("WIFI_OTA_\"x\"", "02:aa:bb:cc:dd:ee", 140, OTA_WIFI_SECURITY_OPEN);
  g_autoptr (cJSON) json = ota_wifi_network_to_json (n, ota_wifi_ssid_is_recovery (n->ssid));
  g_autofree gchar *text = cJSON_PrintUnformatted (json);

  g_assert_cmpstr (text, ==,
                   "{\"event\":\"network\",\"ssid\":\"WIFI_OTA_\\\"x\\\"\",\"bssid\":"
                   "\"02:AA:BB:CC:DD:EE\",\"signal\":100,\"security\":\"open\",\"recovery\":true}");
  g_assert_cmpstr (ota_wifi_security_to_string (OTA_WIFI_SECURITY_WPA2_PSK), ==, "wpa2-psk");
  g_assert_cmpstr (ota_wifi_security_to_string (OTA_WIFI_SECURITY_OTHER), ==, "other");
}

static void
test_network_sort (void)
{
  g_autoptr (GPtrArray) networks = networks_new ();

  add (networks, "b", 10, OTA_WIFI_SECURITY_OPEN);
  add (networks, "c", 70, OTA_WIFI_SECURITY_OPEN);
  add (networks, "a", 10, OTA_WIFI_SECURITY_OPEN);
  ota_wifi_network_sort (networks);
  g_assert_cmpstr (((OtaWifiNetwork *) networks->pdata[0])->ssid, ==, "c");
  g_assert_cmpstr (((OtaWifiNetwork *) networks->pdata[1])->ssid, ==, "a");
  g_assert_cmpstr (((OtaWifiNetwork *) networks->pdata[2])->ssid, ==, "b");
}

static void
test_profile_open (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *name = ota_wifi_profile_name ("WIFI_OTA_XXXXXX");
  g_autofree gchar *xml
      = ota_wifi_profile_xml (name, "WIFI_OTA_XXXXXX", OTA_WIFI_SECURITY_OPEN, "ignored1", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (xml, ==,
                   "<?xml version=\"1.0\"?>\n"
                   "<WLANProfile xmlns=\"http://www.microsoft.com/networking/WLAN/profile/v1\">\n"
                   "\t<name>otaflash temporary WIFI_OTA_XXXXXX</name>\n"
                   "\t<SSIDConfig>\n"
                   "\t\t<SSID>\n"
                   "\t\t\t<hex>574946495F4F54415F585858585858</hex>\n"
                   "\t\t\t<name>WIFI_OTA_XXXXXX</name>\n"
                   "\t\t</SSID>\n"
                   "\t</SSIDConfig>\n"
                   "\t<connectionType>ESS</connectionType>\n"
                   "\t<connectionMode>manual</connectionMode>\n"
                   "\t<MSM>\n"
                   "\t\t<security>\n"
                   "\t\t\t<authEncryption>\n"
                   "\t\t\t\t<authentication>open</authentication>\n"
                   "\t\t\t\t<encryption>none</encryption>\n"
                   "\t\t\t\t<useOneX>false</useOneX>\n"
                   "\t\t\t</authEncryption>\n"
                   "\t\t</security>\n"
                   "\t</MSM>\n"
                   "</WLANProfile>\n");
  /* an open profile carries no key */
  g_assert_null (strstr (xml, "ignored1"));
}

static void
test_profile_wpa2 (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *ssid = "cam <&> \"'\xc3\xa9";
  g_autofree gchar *xml = ota_wifi_profile_xml ("otaflash temporary x", ssid,
                                                OTA_WIFI_SECURITY_WPA2_PSK, "p<w>&\"d'12", &error);

  g_assert_no_error (error);
  /* hex: the SSID's bytes, UTF-8 included; name: escaped */
  g_assert_nonnull (strstr (xml, "<hex>63616D203C263E202227C3A9</hex>"));
  g_assert_nonnull (strstr (xml, "<name>cam &lt;&amp;&gt; &quot;&apos;\xc3\xa9</name>"));
  g_assert_nonnull (strstr (xml, "<authentication>WPA2PSK</authentication>\n"
                                 "\t\t\t\t<encryption>AES</encryption>"));
  g_assert_nonnull (strstr (xml,
                            "<keyType>passPhrase</keyType>\n"
                            "\t\t\t\t<protected>false</protected>\n"
                            "\t\t\t\t<keyMaterial>p&lt;w&gt;&amp;&quot;d&apos;12</keyMaterial>"));
  g_clear_pointer (&xml, g_free);

  /* 64 hex digits: the key itself */
  xml = ota_wifi_profile_xml ("n", "s", OTA_WIFI_SECURITY_WPA2_PSK,
                              "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF",
                              &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (xml, "<keyType>networkKey</keyType>"));
}

static void
test_profile_refused (void)
{
  g_autoptr (GError) error = NULL;
  gchar *xml;

  xml = ota_wifi_profile_xml ("n", "s", OTA_WIFI_SECURITY_WPA2_PSK, "short12", &error);
  g_assert_null (xml);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  /* never the password itself */
  g_assert_null (strstr (error->message, "short12"));
  g_clear_error (&error);

  xml = ota_wifi_profile_xml ("n", "s", OTA_WIFI_SECURITY_WPA2_PSK, "tab\there1", &error);
  g_assert_null (xml);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);

  xml = ota_wifi_profile_xml ("n", "s", OTA_WIFI_SECURITY_WPA2_PSK, NULL, &error);
  g_assert_null (xml);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);

  xml = ota_wifi_profile_xml ("n", "s", OTA_WIFI_SECURITY_OTHER, "12345678", &error);
  g_assert_null (xml);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);

  xml = ota_wifi_profile_xml ("n", "0123456789abcdef0123456789abcdefX", OTA_WIFI_SECURITY_OPEN,
                              NULL, &error);
  g_assert_null (xml);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);

  g_assert_true (ota_wifi_password_check (OTA_WIFI_DEFAULT_PASSWORD, &error));
  g_assert_no_error (error);
}

static void
test_backends (void)
{
  const gchar *const *names = ota_wifi_list_backends ();
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) wifi = NULL;

  g_assert_true (g_strv_contains (names, "none"));
#ifdef OTA_TEST_HAVE_LIBNM
  g_assert_cmpstr (names[0], ==, "nm");
#endif
  wifi = ota_wifi_new ("bogus", NULL, &error);
  g_assert_null (wifi);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
  g_clear_error (&error);

  /* the environment picks when the caller does not */
  g_setenv ("OTA_WIFI_BACKEND", "none", TRUE);
  wifi = ota_wifi_new (NULL, "wlan7", &error);
  g_unsetenv ("OTA_WIFI_BACKEND");
  g_assert_no_error (error);
  g_assert_cmpstr (ota_wifi_get_backend_name (wifi), ==, "none");
  g_assert_cmpstr (ota_wifi_get_interface (wifi), ==, "wlan7");
}

static void
test_none (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) wifi = ota_wifi_new ("none", NULL, &error);
  g_autoptr (GPtrArray) networks = NULL;
  g_autoptr (OtaWifiNetwork) found = NULL;
  g_autofree gchar *ssid = NULL;
  g_autofree gchar *gateway = NULL;

  g_assert_no_error (error);
  g_assert_false (ota_wifi_can_join (wifi));
  if (g_test_subprocess ())
    {
      g_assert_false (ota_wifi_check (wifi, ota_wifi_deadline_in (1000), NULL, &error));
      g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
      g_clear_error (&error);
      networks = ota_wifi_scan (wifi, ota_wifi_deadline_in (1000), NULL, &error);
      g_assert_null (networks);
      g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
      g_clear_error (&error);
      g_assert_false (
          ota_wifi_join (wifi, "WIFI_OTA_X", NULL, ota_wifi_deadline_in (1000), NULL, &error));
      g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
      g_clear_error (&error);
      found
          = ota_wifi_wait_for_network (wifi, NULL, TRUE, ota_wifi_deadline_in (1000), NULL, &error);
      g_assert_null (found);
      g_assert_error (error, OTA_ERROR, OTA_ERROR_WIFI);
      g_clear_error (&error);
      /* nothing to remember or restore; the current network is not known */
      g_assert_true (ota_wifi_remember (wifi, NULL, &error));
      g_assert_true (ota_wifi_get_current (wifi, &ssid, &gateway, NULL, &error));
      g_assert_null (ssid);
      g_assert_null (gateway);
      g_assert_true (ota_wifi_restore (wifi, ota_wifi_deadline_in (1000), NULL, &error));
      g_assert_no_error (error);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* says so, once */
  g_test_trap_assert_stderr ("*join the device's network by hand*");
  g_test_trap_assert_stderr_unmatched ("*by hand*by hand*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ota/wifi/filter/defaults", test_filter_defaults);
  g_test_add_func ("/ota/wifi/filter/patterns", test_filter_patterns);
  g_test_add_func ("/ota/wifi/pick/one", test_pick_one);
  g_test_add_func ("/ota/wifi/pick/recovery-first", test_pick_recovery_first);
  g_test_add_func ("/ota/wifi/pick/none", test_pick_none);
  g_test_add_func ("/ota/wifi/pick/several", test_pick_several);
  g_test_add_func ("/ota/wifi/network/json", test_network_json);
  g_test_add_func ("/ota/wifi/network/sort", test_network_sort);
  g_test_add_func ("/ota/wifi/profile/open", test_profile_open);
  g_test_add_func ("/ota/wifi/profile/wpa2", test_profile_wpa2);
  g_test_add_func ("/ota/wifi/profile/refused", test_profile_refused);
  g_test_add_func ("/ota/wifi/backends", test_backends);
  g_test_add_func ("/ota/wifi/none", test_none);
  return g_test_run ();
}
