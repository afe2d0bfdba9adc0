/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-wifi-profile.h"
#include "ota-i18n.h"

#include <string.h>

#include "ota-error.h"

gchar *
ota_wifi_profile_name (const gchar *ssid)
{
  return g_strdup_printf ("otaflash temporary %s", ssid);
}

static gboolean
ota_wifi_password_is_hex_key (const gchar *password, gsize len)
{
  if (len != 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isxdigit (password[i]))
        return FALSE;
    }
  return TRUE;
}

gboolean
ota_wifi_password_check (const gchar *password, GError **error)
{
  gsize len = password != NULL ? strlen (password) : 0;

  if (ota_wifi_password_is_hex_key (password, len))
    return TRUE;
  if (len < 8 || len > 63)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("a WPA2 password has 8 to 63 characters, this one has %u"), (guint) len);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (password[i] < 0x20 || password[i] > 0x7e)
        {
          g_set_error_literal (error, OTA_ERROR, OTA_ERROR_WIFI,
                               _ ("a WPA2 password has printable ASCII characters only"));
          return FALSE;
        }
    }
  return TRUE;
}

gchar *
ota_wifi_profile_xml (const gchar *profile_name, const gchar *ssid, OtaWifiSecurity security,
                      const gchar *password, GError **error)
{
  g_autoptr (GString) xml = g_string_new (NULL);
  g_autofree gchar *name_esc = NULL;
  g_autofree gchar *ssid_esc = NULL;
  gsize ssid_len;

  g_return_val_if_fail (profile_name != NULL && ssid != NULL, NULL);
  ssid_len = strlen (ssid);
  if (ssid_len == 0 || ssid_len > 32)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("an SSID has 1 to 32 bytes, this one has %u"), (guint) ssid_len);
      return NULL;
    }
  if (security == OTA_WIFI_SECURITY_OTHER)
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_WIFI,
                   _ ("%s is neither open nor WPA2-PSK, which otaflash cannot join"), ssid);
      return NULL;
    }
  if (security == OTA_WIFI_SECURITY_WPA2_PSK && !ota_wifi_password_check (password, error))
    return NULL;

  name_esc = g_markup_escape_text (profile_name, -1);
  ssid_esc = g_markup_escape_text (ssid, -1);
  g_string_append (xml,
                   "<?xml version=\"1.0\"?>\n"
                   "<WLANProfile xmlns=\"http://www.microsoft.com/networking/WLAN/profile/v1\">\n");
  g_string_append_printf (xml, "\t<name>%s</name>\n", name_esc);
  g_string_append (xml, "\t<SSIDConfig>\n\t\t<SSID>\n\t\t\t<hex>");
  for (gsize i = 0; i < ssid_len; i++)
    g_string_append_printf (xml, "%02X", (guint) (guint8) ssid[i]);
  g_string_append_printf (xml, "</hex>\n\t\t\t<name>%s</name>\n\t\t</SSID>\n\t</SSIDConfig>\n",
                          ssid_esc);
  /* manual: Windows never joins this profile by itself later */
  g_string_append (xml, "\t<connectionType>ESS</connectionType>\n"
                        "\t<connectionMode>manual</connectionMode>\n"
                        "\t<MSM>\n\t\t<security>\n\t\t\t<authEncryption>\n");
  if (security == OTA_WIFI_SECURITY_OPEN)
    {
      g_string_append (xml, "\t\t\t\t<authentication>open</authentication>\n"
                            "\t\t\t\t<encryption>none</encryption>\n"
                            "\t\t\t\t<useOneX>false</useOneX>\n"
                            "\t\t\t</authEncryption>\n");
    }
  else
    {
      g_autofree gchar *key_esc = g_markup_escape_text (password, -1);
      gboolean hex = ota_wifi_password_is_hex_key (password, strlen (password));

      g_string_append (xml, "\t\t\t\t<authentication>WPA2PSK</authentication>\n"
                            "\t\t\t\t<encryption>AES</encryption>\n"
                            "\t\t\t\t<useOneX>false</useOneX>\n"
                            "\t\t\t</authEncryption>\n"
                            "\t\t\t<sharedKey>\n");
      g_string_append_printf (xml,
                              "\t\t\t\t<keyType>%s</keyType>\n"
                              "\t\t\t\t<protected>false</protected>\n"
                              "\t\t\t\t<keyMaterial>%s</keyMaterial>\n"
                              "\t\t\t</sharedKey>\n",
                              hex ? "networkKey" : "passPhrase", key_esc);
    }
  g_string_append (xml, "\t\t</security>\n\t</MSM>\n</WLANProfile>\n");
  return g_string_free (g_steal_pointer (&xml), FALSE);
}
