/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A whole flash with the Wi-Fi steps, end to end: otaflash --cli --wifi
 * against the emulator whose access point NetworkManager's mock follows
 * (tests/wifi/harness.py on a private system bus). The emulator refuses
 * every connection until the mock shows the PC joined to its current
 * network (--wifi-gate), so a flash that forgets a rejoin fails here. The
 * device address stays 127.0.0.1. */

#include <string.h>

#include "ota-json.h"
#include "ota-test-cli.h"
#include "ota-test-emu.h"
#include "wifi-harness.h"

typedef struct {
  gchar *dir;
  gchar *file;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-wifi-flash-XXXXXX", &error);
  g_assert_no_error (error);
  f->file
      = ota_test_make_ufw (f->dir, 256 * 1024, 64 * 1024, 7, "1.0.1", OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->file);
}

/* The emulator's options of every test: fast restarts, safety rules fatal. */
#define EMU_BASE "--time-scale", "0.2", "--strict"

/* otaflash --cli --json --host 127.0.0.1 (the harness's ports, test
 * timeouts) @extra FILE, schema checked. */
static OtaTestCliRun *
flash (Fixture *f, WifiHarness *h, const gchar *const *extra)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;
  g_auto (GStrv) argv = NULL;
  OtaTestCliRun *run;

  g_strv_builder_add_many (b, "--json", "--timeout", "5", "--reboot-timeout", "30", NULL);
  g_strv_builder_addv (b, (const char **) extra);
  g_strv_builder_add (b, f->file);
  more = g_strv_builder_end (b);
  argv = ota_test_cli_argv_ports (wifi_harness_port (h, "ctp"), wifi_harness_port (h, "http"),
                                  wifi_harness_port (h, "ota"), (const gchar *const *) more);
  run = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 300);
  ota_test_cli_check_json (run);
  return run;
}

/* The run's steps as words: "wifi:remember:HomeNet", "wifi:joined:S",
 * "stage:1:start", "stage:2:end", "result", in order. */
static GPtrArray *
steps (OtaTestCliRun *run)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < run->lines->len; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (run->lines, i));
      const gchar *event = cJSON_GetObjectItem (obj, "event")->valuestring;

      if (g_str_equal (event, "log")
          && g_str_equal (cJSON_GetObjectItem (obj, "code")->valuestring, "wifi"))
        {
          const cJSON *network = cJSON_GetObjectItem (obj, "network");

          g_ptr_array_add (out,
                           g_strdup_printf ("wifi:%s:%s",
                                            cJSON_GetObjectItem (obj, "wifi_step")->valuestring,
                                            cJSON_IsString (network) ? network->valuestring : "-"));
        }
      else if (g_str_equal (event, "stage"))
        g_ptr_array_add (out, g_strdup_printf ("stage:%d:%s",
                                               cJSON_GetObjectItem (obj, "stage")->valueint,
                                               cJSON_GetObjectItem (obj, "state")->valuestring));
      else if (g_str_equal (event, "result"))
        g_ptr_array_add (out, g_strdup ("result"));
    }
  return out;
}

/* Asserts that @got holds @expected (NULL-terminated) in this order, each
 * entry a prefix of a step; other steps may come in between (the harness's
 * join count says there were no others). */
static void
assert_steps (GPtrArray *got, const gchar *const *expected)
{
  g_autoptr (GString) all = g_string_new (NULL);
  guint at = 0;

  for (guint i = 0; i < got->len; i++)
    g_string_append_printf (all, "%s ", (const gchar *) g_ptr_array_index (got, i));
  for (guint k = 0; expected[k] != NULL; k++)
    {
      gboolean found = FALSE;

      for (; at < got->len && !found; at++)
        found = g_str_has_prefix (g_ptr_array_index (got, at), expected[k]);
      if (!found)
        g_error ("no %s in order; all: %s", expected[k], all->str);
    }
}

static void
assert_no_violation (WifiHarness *h)
{
  g_autoptr (GPtrArray) lines = wifi_harness_dup_lines (h);

  for (guint i = 0; i < lines->len; i++)
    g_assert_null (strstr (g_ptr_array_index (lines, i), "\"event\":\"violation\""));
}

static const gchar *
result_string (OtaTestCliRun *run, const gchar *key)
{
  const cJSON *item = cJSON_GetObjectItem (run->result, key);

  return cJSON_IsString (item) ? item->valuestring : NULL;
}

/* Both stages on the product's own network: one join before stage one, one
 * rejoin after each restart, the PC's network back at the end. */
static void
test_both_stages (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, NULL);
  g_autoptr (OtaTestCliRun) run = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autofree gchar *ssid = g_strdup (wifi_harness_ssid (h));
  g_autofree gchar *joined = g_strdup_printf ("wifi:joined:%s", ssid);
  g_autofree gchar *join = g_strdup_printf ("wifi:join:%s", ssid);
  WifiHarnessSummary sum;

  g_autofree gchar *db = g_build_filename (f->dir, "history.db", NULL);
  g_autoptr (OtaTestCliRun) listed = NULL;
  g_autoptr (cJSON) record = NULL;

  run = flash (f, h, (const gchar *[]){ "--wifi", ssid, "--history-db", db, NULL });
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (result_string (run, "firmware_version"), ==, "1.0.1");
  /* the history keeps the network the unit was flashed on */
  {
    g_auto (GStrv) argv = ota_test_cli_argv_ports (
        0, 0, 0, (const gchar *[]){ "--history", "--json", "--history-db", db, NULL });

    listed = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);
    g_assert_cmpint (listed->status, ==, 0);
    record = cJSON_Parse (g_ptr_array_index (listed->lines, 0));
    g_assert_cmpstr (cJSON_GetObjectItem (record, "event")->valuestring, ==, "history");
    g_assert_cmpstr (cJSON_GetObjectItem (record, "ssid")->valuestring, ==, ssid);
  }
  got = steps (run);
  assert_steps (got, (const gchar *[]){ "wifi:remember:HomeNet", join, joined, "stage:1:start",
                                        "stage:1:end", "wifi:wait", joined, "stage:2:start",
                                        "stage:2:end", "wifi:wait", joined, "wifi:restore:HomeNet",
                                        "wifi:restored:HomeNet", "result", NULL });
  /* the password is never printed */
  for (guint i = 0; i < run->lines->len; i++)
    g_assert_null (strstr (g_ptr_array_index (run->lines, i), "12345678"));
  g_assert_null (strstr (run->err, "12345678"));

  wifi_harness_stop (h, &sum);
  g_assert_cmpuint (sum.joins, ==, 3);
  g_assert_cmpuint (wifi_harness_count (h, "JOINED "), ==, 3);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
  g_assert_cmpint (sum.emu_exit, ==, 0);
  assert_no_violation (h);
}

/* The updater comes back as the open WIFI_OTA_XXXXXX; the new firmware as
 * the product's network again. The device address is the network's gateway
 * (no --host, no $OTAFLASH_HOST; the mock's gateway is 127.0.0.1). */
static void
test_updater_open_gateway (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, "--updater-wifi", "open", NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, NULL);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaTestCliRun) run = g_new0 (OtaTestCliRun, 1);
  g_autoptr (GPtrArray) got = NULL;
  g_autofree gchar *out = NULL;
  g_autofree gchar *ssid = g_strdup (wifi_harness_ssid (h));
  g_autofree gchar *joined = g_strdup_printf ("wifi:joined:%s", ssid);
  g_autofree gchar *ctp = g_strdup_printf ("%u", wifi_harness_port (h, "ctp"));
  g_autofree gchar *http = g_strdup_printf ("%u", wifi_harness_port (h, "http"));
  g_autofree gchar *ota = g_strdup_printf ("%u", wifi_harness_port (h, "ota"));
  g_auto (GStrv) lines = NULL;
  WifiHarnessSummary sum;

  launcher
      = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "OTAFLASH_HOST");
  proc = g_subprocess_launcher_spawn (launcher, &error, ota_test_cli_otaflash_path (), "--cli",
                                      "--json", "--wifi", ssid, "--ctp-port", ctp, "--http-port",
                                      http, "--ota-port", ota, "--timeout", "5", "--reboot-timeout",
                                      "30", f->file, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (proc);
  run->lines = g_ptr_array_new_with_free_func (g_free);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    g_ptr_array_add (run->lines, g_strdup (lines[i]));
  ota_test_cli_check_json (run);
  g_assert_cmpint (run->status, ==, 0);

  got = steps (run);
  assert_steps (got,
                (const gchar *[]){ "wifi:remember:HomeNet", joined, "stage:1:end", "wifi:wait",
                                   "wifi:joined:WIFI_OTA_", "stage:2:start", "stage:2:end",
                                   "wifi:wait", joined, "wifi:restored:HomeNet", "result", NULL });
  /* the address came from the network: the gateway the mock handed out */
  g_assert_nonnull (strstr (out, "(device address 127.0.0.1)"));

  wifi_harness_stop (h, &sum);
  g_assert_cmpuint (sum.joins, ==, 3);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
  g_assert_cmpint (sum.emu_exit, ==, 0);
  assert_no_violation (h);
}

/* A device waiting for stage two as the open WIFI_OTA_XXXXXX: --wifi auto
 * picks it, finishes stage two and then finds the product's network, whose
 * name it did not know, as the device network new in range. */
static void
test_auto_recovery (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, "--start-in-loader", "--updater-wifi", "open", NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, NULL);
  g_autoptr (OtaTestCliRun) run = NULL;
  g_autoptr (GPtrArray) got = NULL;
  WifiHarnessSummary sum;

  g_assert_true (g_str_has_prefix (wifi_harness_ssid (h), "WIFI_OTA_"));
  run = flash (f, h, (const gchar *[]){ "--wifi", "auto", NULL });
  g_assert_cmpint (run->status, ==, 0);
  got = steps (run);
  assert_steps (got, (const gchar *[]){ "wifi:remember:HomeNet", "wifi:join:WIFI_OTA_",
                                        "wifi:joined:WIFI_OTA_", "stage:2:start", "stage:2:end",
                                        "wifi:wait", "wifi:joined:wifi_camera_",
                                        "wifi:restored:HomeNet", "result", NULL });
  wifi_harness_stop (h, &sum);
  g_assert_cmpuint (sum.joins, ==, 2);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
  g_assert_cmpint (sum.emu_exit, ==, 0);
}

/* Exit 10 before stage one: the device is untouched, the PC back home. */
static void
assert_wifi_failure_unchanged (WifiHarness *h, OtaTestCliRun *run)
{
  WifiHarnessSummary sum;

  g_assert_cmpint (run->status, ==, 10);
  g_assert_cmpstr (result_string (run, "outcome"), ==, "wifi");
  g_assert_cmpstr (result_string (run, "device_state"), ==, "unchanged");
  wifi_harness_stop (h, &sum);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
  /* the device was never asked anything */
  g_assert_cmpuint (wifi_harness_count (h, "EVENT {\"event\":\"connect\""), ==, 0);
}

static void
test_not_in_range (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, NULL);
  g_autoptr (OtaTestCliRun) run
      = flash (f, h, (const gchar *[]){ "--wifi", "wifi_camera_gone", NULL });

  g_assert_nonnull (strstr (result_string (run, "message"), "wifi_camera_gone is not in range"));
  assert_wifi_failure_unchanged (h, run);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, "not-the-default");
  g_autofree gchar *ssid = g_strdup (wifi_harness_ssid (h));
  g_autoptr (OtaTestCliRun) run = flash (f, h, (const gchar *[]){ "--wifi", ssid, NULL });

  assert_wifi_failure_unchanged (h, run);
}

/* The password from --wifi-password reaches the join (and nothing else). */
static void
test_password (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, "--fault", "refuse-ota", NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, "s3cret-pass");
  g_autofree gchar *ssid = g_strdup (wifi_harness_ssid (h));
  g_autoptr (OtaTestCliRun) run = NULL;
  WifiHarnessSummary sum;

  run = flash (f, h, (const gchar *[]){ "--wifi", ssid, "--wifi-password", "s3cret-pass", NULL });
  /* joined, then refused by the device (the fault): not a Wi-Fi failure */
  g_assert_cmpstr (result_string (run, "outcome"), ==, "refused");
  for (guint i = 0; i < run->lines->len; i++)
    g_assert_null (strstr (g_ptr_array_index (run->lines, i), "s3cret"));
  g_assert_null (strstr (run->err, "s3cret"));
  wifi_harness_stop (h, &sum);
  g_assert_cmpuint (sum.joins, ==, 1);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
}

/* The device never comes back after stage one: exit 10, it waits for stage
 * two, the advice says how to finish, the PC is back home. */
static void
test_lost_between_stages (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, "--fault", "no-reboot:stage=1", NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, NULL);
  g_autofree gchar *ssid = g_strdup (wifi_harness_ssid (h));
  g_autoptr (OtaTestCliRun) run = NULL;
  WifiHarnessSummary sum;

  run = flash (f, h, (const gchar *[]){ "--wifi", ssid, "--reboot-timeout", "4", NULL });
  g_assert_cmpint (run->status, ==, 10);
  g_assert_cmpstr (result_string (run, "outcome"), ==, "wifi");
  g_assert_cmpstr (result_string (run, "device_state"), ==, "needs-recovery");
  g_assert_nonnull (strstr (result_string (run, "next_step"), "WIFI_OTA_XXXXXX"));
  wifi_harness_stop (h, &sum);
  g_assert_cmpuint (sum.joins, ==, 1);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
}

/* A batch with Wi-Fi: one emulator presenting three units one after another,
 * each with its own network (--devices 3: the swap takes the old access
 * point down and brings the next unit's up). The batch finds each unit's
 * network, joins it, flashes and goes on; the PC's network is put back once,
 * after the last unit. */
static void
test_batch (Fixture *f, gconstpointer data)
{
  const gchar *emu[] = { EMU_BASE, "--devices", "3", NULL };
  g_autoptr (WifiHarness) h = wifi_harness_start (emu, NULL);
  g_autofree gchar *db = g_build_filename (f->dir, "history.db", NULL);
  g_autoptr (OtaTestCliRun) run = NULL;
  g_autoptr (OtaTestCliRun) listed = NULL;
  g_autoptr (GPtrArray) got = NULL;
  g_autoptr (GPtrArray) lines = NULL;
  g_autoptr (GHashTable) ssids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) up = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint restores = 0, swaps = 0, units = 0;
  WifiHarnessSummary sum;

  run = flash (
      f, h,
      (const gchar *[]){ "--batch", "--count", "3", "--wifi", "auto", "--history-db", db, NULL });
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (result_string (run, "status"), ==, "success");
  for (guint i = 0; i < run->lines->len; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (run->lines, i));
      const gchar *event = cJSON_GetObjectItem (obj, "event")->valuestring;

      if (g_str_equal (event, "unit")
          && g_str_equal (cJSON_GetObjectItem (obj, "state")->valuestring, "end"))
        {
          g_assert_cmpstr (cJSON_GetObjectItem (obj, "outcome")->valuestring, ==, "success");
          units++;
        }
      else if (g_str_equal (event, "summary"))
        g_assert_cmpint (cJSON_GetObjectItem (obj, "units")->valueint, ==, 3);
    }
  g_assert_cmpuint (units, ==, 3);
  /* the PC's network: remembered first, put back once, at the end */
  got = steps (run);
  assert_steps (got,
                (const gchar *[]){ "wifi:remember:HomeNet", "wifi:join:wifi_camera_",
                                   "wifi:joined:wifi_camera_", "stage:1:start", "stage:2:end",
                                   "wifi:join:wifi_camera_", "stage:2:end",
                                   "wifi:join:wifi_camera_", "stage:2:end", "wifi:restore:HomeNet",
                                   "wifi:restored:HomeNet", "result", NULL });
  for (guint i = 0; i < got->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (got, i), "wifi:restore:"))
      restores++;
  g_assert_cmpuint (restores, ==, 1);

  /* one history record per unit, each with its own network */
  {
    g_auto (GStrv) argv = ota_test_cli_argv_ports (
        0, 0, 0, (const gchar *[]){ "--history", "--json", "--history-db", db, NULL });

    listed = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);
    g_assert_cmpint (listed->status, ==, 0);
    for (guint i = 0; i < listed->lines->len; i++)
      {
        g_autoptr (cJSON) record = cJSON_Parse (g_ptr_array_index (listed->lines, i));
        const cJSON *ssid = cJSON_GetObjectItem (record, "ssid");

        if (!g_str_equal (cJSON_GetObjectItem (record, "event")->valuestring, "history"))
          continue;
        g_assert_cmpstr (cJSON_GetObjectItem (record, "outcome")->valuestring, ==, "success");
        g_assert_true (cJSON_IsString (ssid));
        g_assert_true (g_str_has_prefix (ssid->valuestring, "wifi_camera_"));
        g_hash_table_add (ssids, g_strdup (ssid->valuestring));
      }
  }
  g_assert_cmpuint (g_hash_table_size (ssids), ==, 3);

  wifi_harness_stop (h, &sum);
  /* the emulator's swaps took each access point down and the next one up */
  lines = wifi_harness_dup_lines (h);
  for (guint i = 0; i < lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (lines, i);

      if (g_str_has_prefix (line, "AP-UP "))
        g_hash_table_add (up, g_strdup (line + 6));
      if (g_str_has_prefix (line, "EVENT ") && strstr (line, "\"event\":\"device-swap\"") != NULL)
        swaps++;
    }
  g_assert_cmpuint (swaps, ==, 2);
  g_assert_cmpuint (g_hash_table_size (up), ==, 3);
  {
    GHashTableIter iter;
    gpointer key;

    /* every unit was joined on the network the history names */
    g_hash_table_iter_init (&iter, ssids);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      {
        g_autofree gchar *joined = g_strdup_printf ("JOINED %s", (const gchar *) key);

        g_assert_true (g_hash_table_contains (up, key));
        g_assert_cmpuint (wifi_harness_count (h, joined), ==, 3);
      }
  }
  /* per unit: the batch's join, the rejoin after each restart */
  g_assert_cmpuint (sum.joins, ==, 9);
  g_assert_true (sum.home_active);
  g_assert_cmpuint (sum.temporary, ==, 0);
  g_assert_cmpint (sum.emu_exit, ==, 0);
  assert_no_violation (h);
}

/* No Wi-Fi control at all ("none"): --wifi is exit 10 before anything. */
static void
test_no_backend (void)
{
  const gchar *extra[] = { "--json", "--wifi", "auto", "/nonexistent-but-not-read.ufw", NULL };
  g_auto (GStrv) argv = ota_test_cli_argv_ports (0, 0, 0, extra);
  g_autoptr (OtaTestCliRun) run = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("otaflash-wifi-none-XXXXXX", &error);
  g_autofree gchar *file = NULL;

  g_assert_no_error (error);
  file = ota_test_make_ufw (dir, 4096, 4096, 1, "1.0.1", OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  g_free (argv[g_strv_length (argv) - 1]);
  argv[g_strv_length (argv) - 1] = g_strdup (file);
  g_setenv ("OTA_WIFI_BACKEND", "none", TRUE);
  run = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);
  g_unsetenv ("OTA_WIFI_BACKEND");
  ota_test_cli_check_json (run);
  g_assert_cmpint (run->status, ==, 10);
  g_assert_cmpstr (result_string (run, "device_state"), ==, "unchanged");
  g_assert_nonnull (strstr (result_string (run, "message"), "no Wi-Fi control"));
  ota_test_rm_rf (dir);
}

/* --wifi belongs to a flash. */
static void
test_usage (void)
{
  const gchar *const cases[][5] = {
    { "--wifi", "auto", "--info", NULL },
    { "--wifi", "auto", "--scan", NULL },
    { "--wifi", "", "x.ufw", NULL },
    { "--batch", "--wifi", "wifi_camera_A1B2C3", "x.ufw", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GStrv) argv = ota_test_cli_argv_ports (0, 0, 0, cases[i]);
      g_autoptr (OtaTestCliRun) run
          = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);

      g_assert_cmpint (run->status, ==, 2);
      g_assert_nonnull (strstr (run->err, "--wifi"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func)                                                                            \
  g_test_add ("/wifi/flash/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("both-stages", test_both_stages);
  ADD ("updater-open-gateway", test_updater_open_gateway);
  ADD ("auto-recovery", test_auto_recovery);
  ADD ("not-in-range", test_not_in_range);
  ADD ("wrong-password", test_wrong_password);
  ADD ("password", test_password);
  ADD ("lost-between-stages", test_lost_between_stages);
  ADD ("batch", test_batch);
#undef ADD
  g_test_add_func ("/wifi/flash/no-backend", test_no_backend);
  g_test_add_func ("/wifi/flash/usage", test_usage);
  return g_test_run ();
}
