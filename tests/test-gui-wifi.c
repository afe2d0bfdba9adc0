/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestGuiWifi"

/* The window's Wi-Fi: the list of device networks (recovery networks marked
 * and first), and a whole two-stage flash through the window with the
 * engine's Wi-Fi steps, against the emulator whose access point
 * NetworkManager's mock follows (tests/wifi/harness.py on a private system
 * bus of its own; wifi_harness_start() refuses any other). The emulator
 * refuses every connection until the mock shows the PC joined to its
 * network, so a window that forgets a join fails here. The device address
 * stays 127.0.0.1 (given, so never taken from a gateway). */

#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "ota-application-private.h"
#include "ota-network-list-private.h"
#include "ota-settings.h"
#include "ota-test-emu.h"
#include "ota-window-private.h"
#include "wifi-harness.h"

#define READY_MS 60000
#define FLASH_MS 300000
#define STOP_MS 10000

/* ---- the list alone --------------------------------------------------------------- */

static GPtrArray *
scan_of (const gchar *const *ssids, const guint *signals)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_wifi_network_free);

  for (guint i = 0; ssids[i] != NULL; i++)
    g_ptr_array_add (all, ota_wifi_network_new (ssids[i], "", signals[i],
                                                g_str_has_prefix (ssids[i], "WIFI_OTA_")
                                                    ? OTA_WIFI_SECURITY_OPEN
                                                    : OTA_WIFI_SECURITY_WPA2_PSK));
  return all;
}

static const gchar *
listed (OtaNetworkList *list, guint i)
{
  return ((const OtaWifiNetwork *) g_ptr_array_index (ota_network_list_get_networks (list), i))
      ->ssid;
}

/* The combo's text of row @i (0: Automatic). */
static gchar *
row_text (OtaNetworkList *list, guint i)
{
  GtkComboBox *combo = GTK_COMBO_BOX (ota_network_list_get_combo (list));
  GtkTreeModel *model = gtk_combo_box_get_model (combo);
  GtkTreeIter iter;
  gchar *text = NULL;

  g_assert_true (gtk_tree_model_iter_nth_child (model, &iter, NULL, (gint) i));
  gtk_tree_model_get (model, &iter, gtk_combo_box_get_entry_text_column (combo), &text, -1);
  return text;
}

static void
test_list_recovery_first (void)
{
  const gchar *ssids[]
      = { "HomeNet", "wifi_camera_a", "WIFI_OTA_123456", "wifi_camera_a", "wifi_camera_b", NULL };
  const guint signals[] = { 95, 80, 30, 50, 85 };
  g_autoptr (GPtrArray) all = scan_of (ssids, signals);
  GtkWidget *widget = g_object_ref_sink (ota_network_list_new ());
  OtaNetworkList *list = OTA_NETWORK_LIST (widget);
  g_autofree gchar *auto_row = NULL;
  g_autofree gchar *first = NULL;
  g_autofree gchar *second = NULL;

  ota_network_list_set_scan_result (list, all);
  /* device networks only, each once, the recovery one first, then the strongest */
  g_assert_cmpuint (ota_network_list_get_networks (list)->len, ==, 3);
  g_assert_cmpstr (listed (list, 0), ==, "WIFI_OTA_123456");
  g_assert_cmpstr (listed (list, 1), ==, "wifi_camera_b");
  g_assert_cmpstr (listed (list, 2), ==, "wifi_camera_a");
  auto_row = row_text (list, 0);
  first = row_text (list, 1);
  second = row_text (list, 2);
  g_assert_true (g_str_has_prefix (auto_row, "Automatic"));
  g_assert_nonnull (strstr (first, "WIFI_OTA_123456"));
  g_assert_nonnull (strstr (first, "recovery"));
  g_assert_null (strstr (second, "recovery"));
  g_assert_nonnull (strstr (
      gtk_label_get_text (GTK_LABEL (ota_network_list_get_status_label (list))), "second stage"));

  /* Automatic takes the recovery network: Recover is what the window offers */
  g_assert_null (ota_network_list_get_selected (list));
  g_assert_true (ota_network_list_get_recovery (list));
  g_assert_true (ota_network_list_select (list, "wifi_camera_a"));
  g_assert_cmpstr (ota_network_list_get_selected (list), ==, "wifi_camera_a");
  g_assert_false (ota_network_list_get_recovery (list));

  /* a new scan keeps the choice while the network is there */
  ota_network_list_set_scan_result (list, all);
  g_assert_cmpstr (ota_network_list_get_selected (list), ==, "wifi_camera_a");
  ota_network_list_sort (all);
  g_assert_cmpstr (((const OtaWifiNetwork *) g_ptr_array_index (all, 0))->ssid, ==,
                   "WIFI_OTA_123456");

  gtk_widget_destroy (widget);
  g_object_unref (widget);
}

/* The patterns setting: a network of a custom pattern is listed, one the
 * defaults alone would list (wifi_camera_*) is not, WIFI_OTA_* still is. */
static void
test_list_custom_patterns (void)
{
  const gchar *ssids[]
      = { "factory_0042", "wifi_camera_a", "WIFI_OTA_654321", "lab-07", "HomeNet", NULL };
  const guint signals[] = { 70, 80, 40, 30, 90 };
  g_autoptr (GPtrArray) all = scan_of (ssids, signals);
  GtkWidget *widget = g_object_ref_sink (ota_network_list_new ());
  OtaNetworkList *list = OTA_NETWORK_LIST (widget);
  g_auto (GStrv) patterns = ota_settings_split_wifi_patterns ("factory_*, lab-??");
  g_autoptr (OtaWifiFilter) custom = ota_wifi_filter_new ((const gchar *const *) patterns);
  g_autoptr (OtaWifiFilter) defaults = ota_wifi_filter_new (NULL);
  g_autoptr (OtaWifi) none = ota_wifi_new ("none", NULL, NULL);

  g_assert_false (ota_wifi_filter_is_device (defaults, "factory_0042"));

  ota_network_list_set_wifi (list, none, custom, NULL);
  g_assert_true (ota_network_list_get_filter (list) == custom);
  ota_network_list_set_scan_result (list, all);
  g_assert_cmpuint (ota_network_list_get_networks (list)->len, ==, 3);
  g_assert_cmpstr (listed (list, 0), ==, "WIFI_OTA_654321");
  g_assert_cmpstr (listed (list, 1), ==, "factory_0042");
  g_assert_cmpstr (listed (list, 2), ==, "lab-07");
  g_object_unref (widget);
}

/* No backend that can join: "none" hides the list (the device panel says to
 * join by hand); no Wi-Fi at all says why, once. */
static void
test_list_by_hand (void)
{
  GtkWidget *widget = g_object_ref_sink (ota_network_list_new ());
  OtaNetworkList *list = OTA_NETWORK_LIST (widget);
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaWifi) none = ota_wifi_new ("none", NULL, &error);

  g_assert_no_error (error);
  ota_network_list_set_wifi (list, none, NULL, NULL);
  g_assert_false (gtk_widget_get_visible (widget));
  g_assert_false (ota_network_list_get_usable (list));
  g_assert_false (ota_network_list_get_auto_join (list));

  ota_network_list_set_wifi (list, NULL, NULL, "NetworkManager is not running");
  g_assert_true (gtk_widget_get_visible (widget));
  g_assert_false (ota_network_list_get_auto_join (list));
  g_assert_nonnull (
      strstr (gtk_label_get_text (GTK_LABEL (ota_network_list_get_status_label (list))),
              "by hand: this PC cannot join it (NetworkManager is not running)"));
  g_assert_false (gtk_widget_get_visible (ota_network_list_get_combo (list)));
  gtk_widget_destroy (widget);
  g_object_unref (widget);
}

/* ---- a whole flash through the window --------------------------------------------- */

typedef struct {
  WifiHarness *harness;
  gchar *dir;
  gchar *ufw;
  OtaApplication *app;
  OtaWindow *window;
  gboolean body_ran;
  GPtrArray *activity; /* every activity line, in order */
  gboolean success;
  gboolean pick;     /* choose the network, else leave "Automatic" */
  gboolean own_wifi; /* the device's network: a custom name and password, set in settings */
} Flash;

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

typedef gboolean (*CondFunc) (Flash *f);

static void
wait_until (Flash *f, CondFunc cond, guint timeout_ms, const gchar *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake = g_timeout_add (20, wake_cb, NULL);

  while (!cond (f))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

static gboolean
network_listed (Flash *f)
{
  OtaNetworkList *list = ota_window_get_network_list (f->window);
  GPtrArray *networks = ota_network_list_get_networks (list);

  for (guint i = 0; i < networks->len; i++)
    if (g_strcmp0 (((const OtaWifiNetwork *) g_ptr_array_index (networks, i))->ssid,
                   wifi_harness_ssid (f->harness))
        == 0)
      return !ota_network_list_get_scanning (list);
  return FALSE;
}

static gboolean
ready (Flash *f)
{
  return gtk_widget_get_sensitive (ota_window_get_flash_button (f->window));
}

static gboolean
finished (Flash *f)
{
  return !ota_flash_is_running (ota_application_get_engine (f->app))
         && ota_window_get_result_shown (f->window) && !ota_window_is_flashing (f->window);
}

static gboolean
app_finalized (Flash *f)
{
  return f->app == NULL;
}

static void
activity_changed_cb (GObject *label, GParamSpec *pspec, Flash *f)
{
  const gchar *text = gtk_label_get_text (GTK_LABEL (label));
  guint n = f->activity->len;

  if (n == 0 || g_strcmp0 (g_ptr_array_index (f->activity, n - 1), text) != 0)
    g_ptr_array_add (f->activity, g_strdup (text));
}

/* @expected in this order among the activity lines (others in between). */
static void
assert_activity (Flash *f, const gchar *const *expected)
{
  g_autoptr (GString) all = g_string_new (NULL);
  guint at = 0;

  for (guint i = 0; i < f->activity->len; i++)
    g_string_append_printf (all, "[%s] ", (const gchar *) g_ptr_array_index (f->activity, i));
  for (guint k = 0; expected[k] != NULL; k++)
    {
      gboolean found = FALSE;

      for (; at < f->activity->len && !found; at++)
        found = g_str_equal (g_ptr_array_index (f->activity, at), expected[k]);
      if (!found)
        g_error ("no activity \"%s\" in order; all: %s", expected[k], all->str);
    }
}

static gboolean
flash_body_cb (gpointer user_data)
{
  Flash *f = user_data;
  const gchar *ssid = wifi_harness_ssid (f->harness);
  OtaNetworkList *list;
  g_autofree gchar *joining = g_strdup_printf ("Joining %s…", ssid);
  g_autofree gchar *waiting = g_strdup_printf ("Waiting for %s to come back…", ssid);

  f->window = ota_application_get_window (f->app);
  g_assert_nonnull (f->window);
  g_object_add_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
  g_assert_cmpstr (ota_window_get_host (f->window), ==, "127.0.0.1");
  list = ota_window_get_network_list (f->window);
  g_signal_connect (ota_window_get_activity_label (f->window), "notify::label",
                    G_CALLBACK (activity_changed_cb), f);

  /* the scan when the window opens finds the device's network; nothing
   * answers yet (the PC is on HomeNet), and the window does not ask to join
   * by hand: Flash joins it */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (list)));
  g_assert_true (ota_network_list_get_auto_join (list));
  wait_until (f, network_listed, READY_MS, "the device's network in the list");
  if (f->pick)
    g_assert_true (ota_network_list_select (list, ssid));
  else
    g_assert_null (ota_network_list_get_selected (list));
  wait_until (f, ready, READY_MS, "Flash to be enabled");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (ota_window_get_flash_button (f->window))), ==,
                   "_Flash");

  gtk_button_clicked (GTK_BUTTON (ota_window_get_flash_button (f->window)));
  g_assert_true (ota_window_is_flashing (f->window));
  g_assert_false (gtk_widget_get_sensitive (ota_network_list_get_combo (list)));
  wait_until (f, finished, FLASH_MS, "the flash to end");

  f->success = ota_window_get_result_kind (f->window) == OTA_RESULT_KIND_SUCCESS;
  if (!f->success)
    g_test_message ("result: %s",
                    gtk_label_get_text (GTK_LABEL (ota_window_get_result_label (f->window))));
  g_autofree gchar *on = g_strdup_printf ("On %s", ssid);

  assert_activity (f, (const gchar *[]){ joining, on, waiting, on, waiting, on,
                                         "Putting this PC back on HomeNet…", "Back on HomeNet",
                                         NULL });
  {
    GPtrArray *lines = ota_window_get_log_lines (f->window);
    guint joined = 0;

    for (guint i = 0; i < lines->len; i++)
      joined += strstr (g_ptr_array_index (lines, i), "\"wifi_step\":\"joined\"") != NULL;
    g_assert_cmpuint (joined, ==, 3);
  }
  f->body_ran = TRUE;

  g_object_remove_weak_pointer (G_OBJECT (f->window), (gpointer *) &f->window);
  gtk_widget_destroy (GTK_WIDGET (f->window));
  f->window = NULL;
  return G_SOURCE_REMOVE;
}

static void
app_opened_cb (GApplication *app, GFile **files, gint n_files, const gchar *hint, Flash *f)
{
  g_idle_add (flash_body_cb, f);
}

enum {
  FLASH_AUTO,
  FLASH_CHOSEN,
  FLASH_OWN_WIFI, /* "Automatic", on a network of a custom pattern and password */
};

static void
test_flash_both_stages (gconstpointer data)
{
  const gchar *emu[] = { "--time-scale", "0.2", "--strict", NULL };
  const gchar *emu_own[] = { "--time-scale", "0.2", "--strict", "--ssid", "factory_unit7", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaSettings) settings = NULL;
  g_autofree gchar *app_id = NULL;
  g_autofree gchar *state = NULL;
  WifiHarnessSummary sum;
  Flash flash = { 0 };
  Flash *f = &flash;
  gchar *argv[3] = { (gchar *) "otaflash", NULL, NULL };
  gint status;

  f->dir = g_dir_make_tmp ("otaflash-gui-wifi-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("OTAFLASH_CONFIG_DIR", f->dir, TRUE);
  state = g_build_filename (f->dir, "state", NULL);
  g_setenv ("XDG_STATE_HOME", state, TRUE);
  f->ufw
      = ota_test_make_ufw (f->dir, 256 * 1024, 64 * 1024, 7, "1.0.1", OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  f->activity = g_ptr_array_new_with_free_func (g_free);
  f->pick = GPOINTER_TO_INT (data) == FLASH_CHOSEN;
  f->own_wifi = GPOINTER_TO_INT (data) == FLASH_OWN_WIFI;

  /* sets DBUS_SYSTEM_BUS_ADDRESS (its private bus) and OTA_WIFI_BACKEND=nm */
  f->harness = wifi_harness_start (f->own_wifi ? emu_own : emu, f->own_wifi ? "other-pass" : NULL);
  settings = ota_settings_new ();
  if (f->own_wifi)
    {
      /* a name the default patterns would not list, a password of its own */
      g_autoptr (OtaWifiFilter) defaults = ota_wifi_filter_new (NULL);

      g_assert_cmpstr (wifi_harness_ssid (f->harness), ==, "factory_unit7");
      g_assert_false (ota_wifi_filter_is_device (defaults, wifi_harness_ssid (f->harness)));
      ota_settings_set_wifi_patterns (settings, "lab-??, factory_*");
      ota_settings_set_wifi_password (settings, "other-pass");
    }
  ota_settings_set_host (settings, "127.0.0.1");
  ota_settings_set_ports (settings, wifi_harness_port (f->harness, "ctp"),
                          wifi_harness_port (f->harness, "http"),
                          wifi_harness_port (f->harness, "ota"));
  ota_settings_save (settings, &error);
  g_assert_no_error (error);

  f->app = ota_application_new ();
  app_id = g_strdup_printf ("%s.TestWifi.P%u", OTA_APPLICATION_ID, (guint) getpid ());
  g_application_set_application_id (G_APPLICATION (f->app), app_id);
  g_application_set_flags (G_APPLICATION (f->app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (f->app, "open", G_CALLBACK (app_opened_cb), f);
  argv[1] = f->ufw;
  status = g_application_run (G_APPLICATION (f->app), 2, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (f->body_ran);
  g_object_add_weak_pointer (G_OBJECT (f->app), (gpointer *) &f->app);
  g_object_unref (f->app);
  wait_until (f, app_finalized, STOP_MS, "the application to be finalized");

  wifi_harness_stop (f->harness, &sum);
  g_assert_true (f->success);
  /* one join before stage one, one after each restart; HomeNet back */
  g_assert_cmpuint (sum.joins, ==, 3);
  g_assert_cmpuint (wifi_harness_count (f->harness, "JOINED "), ==, 3);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
  g_assert_cmpint (sum.emu_exit, ==, 0);
  {
    g_autoptr (GPtrArray) lines = wifi_harness_dup_lines (f->harness);

    for (guint i = 0; i < lines->len; i++)
      g_assert_null (strstr (g_ptr_array_index (lines, i), "\"event\":\"violation\""));
  }
  assert_activity (f, (const gchar *[]){ "Back on HomeNet", NULL });

  wifi_harness_free (f->harness);
  g_unsetenv ("OTA_WIFI_BACKEND");
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ufw);
  g_ptr_array_unref (f->activity);
}

int
main (int argc, char **argv)
{
  /* network safety first: whatever the environment says */
  g_setenv ("OTAFLASH_HOST", "127.0.0.1", TRUE);
  g_setenv ("OTA_WIFI_BACKEND", "none", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_disable_setlocale ();

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check (NULL, NULL))
    {
      g_printerr ("test-gui-wifi: no display; skipped (ctest runs it under xvfb-run)\n");
      return 77;
    }
  g_test_add_func ("/gui/wifi/list/recovery-first", test_list_recovery_first);
  g_test_add_func ("/gui/wifi/list/by-hand", test_list_by_hand);
  g_test_add_func ("/gui/wifi/list/custom-patterns", test_list_custom_patterns);
  g_test_add_data_func ("/gui/wifi/flash/both-stages-chosen", GINT_TO_POINTER (FLASH_CHOSEN),
                        test_flash_both_stages);
  g_test_add_data_func ("/gui/wifi/flash/both-stages-auto", GINT_TO_POINTER (FLASH_AUTO),
                        test_flash_both_stages);
  g_test_add_data_func ("/gui/wifi/flash/own-network-name-and-password",
                        GINT_TO_POINTER (FLASH_OWN_WIFI), test_flash_both_stages);
  return g_test_run ();
}
