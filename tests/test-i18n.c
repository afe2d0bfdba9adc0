/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Translations: the CLI speaks Simplified Chinese under zh_CN.UTF-8 (the
 * build tree's catalogue, $OTAFLASH_LOCALEDIR), and its JSON Lines stay
 * English whatever the locale (they are an API). The window's side is
 * test-gui-zh. The zh_CN.UTF-8 locale must exist (scripts/deps.sh makes it):
 * without it these tests fail rather than pass in English. */

#include <locale.h>
#include <string.h>

#include "ota-json.h"
#include "ota-test-cli.h"
#include "ota-test-emu.h"

typedef struct {
  gchar *dir;
  gchar *bad;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-i18n-XXXXXX", &error);
  g_assert_no_error (error);
  f->bad = ota_test_make_ufw (f->dir, 64 * 1024, 16 * 1024, 3, "1.0.1", OTA_UFW_CORRUPT_DATA_CRC,
                              &error);
  g_assert_no_error (error);
  /* the child runs in Simplified Chinese */
  g_setenv ("LC_ALL", "zh_CN.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->bad);
}

static guint
count_han (const gchar *text)
{
  guint n = 0;

  for (const gchar *c = text; c != NULL && *c != '\0'; c = g_utf8_next_char (c))
    n += g_unichar_get_script (g_utf8_get_char (c)) == G_UNICODE_SCRIPT_HAN;
  return n;
}

static gchar *
joined (OtaTestCliRun *run)
{
  g_ptr_array_add (run->lines, NULL);
  g_ptr_array_set_size (run->lines, run->lines->len - 1);
  return g_strjoinv ("\n", (gchar **) run->lines->pdata);
}

static void
require_locale (void)
{
  if (setlocale (LC_ALL, "zh_CN.UTF-8") == NULL)
    g_error ("the zh_CN.UTF-8 locale is missing: run scripts/deps.sh (it makes it)");
  setlocale (LC_ALL, "C.UTF-8");
}

/* LANG=zh_CN.UTF-8 otaflash --cli --check bad.ufw: the refusal in Chinese. */
static void
test_check_bad_file (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (OtaTestCliRun) run = NULL;

  require_locale ();
  argv = ota_test_cli_argv_ports (0, 0, 0, (const gchar *[]){ "--check", f->bad, NULL });
  run = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);
  g_assert_cmpint (run->status, ==, 4);
  g_test_message ("stderr: %s", run->err);
  /* the error, the advice and its labels are Chinese; the CRC values stay */
  g_assert_cmpuint (count_han (run->err), >=, 20);
  g_assert_null (strstr (run->err, "Error:"));
  g_assert_null (strstr (run->err, "Next step:"));
  g_assert_null (strstr (run->err, "the file is damaged"));
  g_assert_null (strstr (run->err, "Choose another firmware file"));
}

/* --json under zh_CN: the JSON Lines are English, codes and messages. */
static void
test_json_stays_english (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (OtaTestCliRun) run = NULL;
  g_autofree gchar *out = NULL;

  require_locale ();
  argv = ota_test_cli_argv_ports (0, 0, 0, (const gchar *[]){ "--json", "--check", f->bad, NULL });
  run = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);
  g_assert_cmpint (run->status, ==, 4);
  ota_test_cli_check_json (run);
  out = joined (run);
  g_assert_cmpuint (count_han (out), ==, 0);
  g_assert_nonnull (
      strstr (cJSON_GetObjectItem (run->result, "message")->valuestring, "the file is damaged"));
  g_assert_cmpstr (cJSON_GetObjectItem (run->result, "outcome")->valuestring, ==, "invalid-file");
}

/* --help in Chinese: the summary, the options and the exit codes. */
static void
test_help (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) argv = NULL;
  g_autoptr (OtaTestCliRun) run = NULL;
  g_autofree gchar *out = NULL;

  require_locale ();
  argv = ota_test_cli_argv_ports (0, 0, 0, (const gchar *[]){ "--help", NULL });
  run = ota_test_cli_run ((const gchar *const *) argv, NULL, NULL, 60);
  g_assert_cmpint (run->status, ==, 0);
  out = joined (run);
  g_assert_cmpuint (count_han (out), >=, 200);
  /* the option names stay what the shell takes */
  g_assert_nonnull (strstr (out, "--wifi"));
  g_assert_nonnull (strstr (out, "--history"));
  g_assert_null (strstr (out, "Exit codes:"));
  g_assert_null (strstr (out, "Seconds to wait"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/i18n/cli/check-bad-file", Fixture, NULL, fixture_setup, test_check_bad_file,
              fixture_teardown);
  g_test_add ("/i18n/cli/json-stays-english", Fixture, NULL, fixture_setup, test_json_stays_english,
              fixture_teardown);
  g_test_add ("/i18n/cli/help", Fixture, NULL, fixture_setup, test_help, fixture_teardown);
  return g_test_run ();
}
