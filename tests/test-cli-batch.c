/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestCliBatch"

/* `otaflash --cli --batch` against one `otaflash-emu --devices N --strict`
 * presenting units one after another: every unit flashed and recorded, the
 * summary and the worst unit's exit code; a unit failing by a fault; --count;
 * the same version refused once per batch; an expected-product mismatch
 * refused while the batch goes on. And the version compare behind it. */

#include <gio/gio.h>
#include <string.h>

#include "ota-batch.h"
#include "ota-json.h"
#include "ota-test-cli.h"
#include "ota-test-emu.h"

typedef struct {
  gchar *dir;
  gchar *ufw; /* version 1.0.2 */
  gchar *db;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-cli-batch-XXXXXX", &error);
  g_assert_no_error (error);
  f->ufw = ota_test_make_ufw (f->dir, 100 * 1024 + 17, 30 * 1024 + 3, 7, "1.0.2",
                              OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  f->db = g_build_filename (f->dir, "history.db", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ufw);
  g_free (f->db);
}

static OtaTestEmu *
start_emu (const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  OtaTestEmu *emu = ota_test_emu_start (extra, &error);

  g_assert_no_error (error);
  return emu;
}

/* otaflash --json --batch --history-db DB @extra FILE */
static OtaTestCliRun *
run_batch (Fixture *f, OtaTestEmu *emu, const gchar *const *extra, OtaTestCliLineFunc func,
           gpointer data)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) more = NULL;

  g_strv_builder_add_many (b, "--batch", "--history-db", f->db, NULL);
  if (extra != NULL)
    g_strv_builder_addv (b, (const char **) extra);
  g_strv_builder_add (b, f->ufw);
  more = g_strv_builder_end (b);
  return ota_test_cli_run_json (emu, (const gchar *const *) more, func, data);
}

/* The first event named @name (a new object), or NULL. */
static cJSON *
find_event (OtaTestCliRun *r, const gchar *name)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      cJSON *obj = cJSON_Parse (g_ptr_array_index (r->lines, i));
      const cJSON *ev = cJSON_GetObjectItem (obj, "event");

      if (g_strcmp0 (ev->valuestring, name) == 0)
        return obj;
      cJSON_Delete (obj);
    }
  return NULL;
}

static gint
summary_count (OtaTestCliRun *r, const gchar *outcome)
{
  g_autoptr (cJSON) summary = find_event (r, "summary");
  const cJSON *n;

  g_assert_nonnull (summary);
  n = cJSON_GetObjectItem (cJSON_GetObjectItem (summary, "counts"), outcome);
  return cJSON_IsNumber (n) ? n->valueint : 0;
}

static gint
summary_units (OtaTestCliRun *r)
{
  g_autoptr (cJSON) summary = find_event (r, "summary");

  g_assert_nonnull (summary);
  return cJSON_GetObjectItem (summary, "units")->valueint;
}

/* Every event between the first unit's start and the summary carries a unit
 * number, 1..n in order. */
static void
assert_units_stamped (OtaTestCliRun *r, gint n)
{
  gint last = 0;
  gboolean in_batch = FALSE;

  for (guint i = 0; i < r->lines->len; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (r->lines, i));
      const gchar *name = cJSON_GetObjectItem (obj, "event")->valuestring;
      const cJSON *unit = cJSON_GetObjectItem (obj, "unit");

      if (g_str_equal (name, "summary") || g_str_equal (name, "result"))
        break;
      if (g_str_equal (name, "unit"))
        in_batch = TRUE;
      if (!in_batch)
        continue;
      if (!cJSON_IsNumber (unit))
        g_error ("event without a unit number: %s",
                 (const gchar *) g_ptr_array_index (r->lines, i));
      g_assert_cmpint (unit->valueint, >=, last);
      last = unit->valueint;
    }
  g_assert_cmpint (last, ==, n);
}

/* Records in the history database, through --history --json. */
static guint
history_records (Fixture *f)
{
  const gchar *args[] = { "--history", "--history-db", f->db, NULL };
  g_autoptr (OtaTestCliRun) r = ota_test_cli_run_json (NULL, args, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  return ota_test_cli_count_events (r, "history", NULL, NULL);
}

static void
test_five (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "5", NULL };
  const gchar *args[] = { "--count", "5", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_args);
  g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (ota_test_cli_result_string (r, "status"), ==, "success");
  g_assert_cmpint (summary_units (r), ==, 5);
  g_assert_cmpint (summary_count (r, "success"), ==, 5);
  g_assert_cmpuint (ota_test_cli_count_events (r, "unit", "state", "end"), ==, 5);
  assert_units_stamped (r, 5);
  g_assert_cmpuint (history_records (f), ==, 5);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "device-swap"), ==, 4);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
test_one_fails (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "5", "--fault", "err:stage=1,unit=3", NULL };
  const gchar *args[] = { "--count", "5", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_args);
  g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, NULL, NULL);
  g_autoptr (cJSON) summary = NULL;

  /* the failing unit's code: failed before the point of no return */
  g_assert_cmpint (r->status, ==, 7);
  g_assert_cmpstr (ota_test_cli_result_string (r, "outcome"), ==, "failed-unchanged");
  g_assert_cmpint (summary_units (r), ==, 5);
  g_assert_cmpint (summary_count (r, "success"), ==, 4);
  g_assert_cmpint (summary_count (r, "failed-unchanged"), ==, 1);
  summary = find_event (r, "summary");
  g_assert_cmpint (cJSON_GetObjectItem (summary, "exit_code")->valueint, ==, 7);
  g_assert_cmpuint (history_records (f), ==, 5);
  ota_test_emu_assert_clean (emu);
}

static void
test_count_stops (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "5", NULL };
  const gchar *args[] = { "--count", "2", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_args);
  g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, NULL, NULL);
  g_autoptr (cJSON) swap = NULL;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpint (summary_units (r), ==, 2);
  g_assert_cmpuint (history_records (f), ==, 2);
  /* the third unit appeared and was left alone */
  swap = ota_test_emu_wait_event_nth (emu, "device-swap", 2, 5000);
  g_assert_nonnull (swap);
  ota_test_emu_assert_installed (emu, "1.0.0", FALSE);
  ota_test_emu_assert_clean (emu);
}

/* Sends "next" to the emulator when a unit ends (a refused unit is not
 * upgraded: the technician puts the next one down). */
static void
next_on_unit_end_cb (GPid pid, const gchar *line, gpointer user_data)
{
  OtaTestEmu *emu = user_data;
  g_autoptr (cJSON) obj = cJSON_Parse (line);
  const cJSON *ev = cJSON_GetObjectItem (obj, "event");
  const cJSON *state = cJSON_GetObjectItem (obj, "state");

  if (cJSON_IsString (ev) && g_str_equal (ev->valuestring, "unit") && cJSON_IsString (state)
      && g_str_equal (state->valuestring, "end"))
    {
      GOutputStream *in = g_subprocess_get_stdin_pipe (emu->proc);

      g_assert_true (g_output_stream_write_all (in, "next\n", 5, NULL, NULL, NULL));
      g_output_stream_flush (in, NULL, NULL);
    }
}

static OtaTestEmu *
start_emu_with_stdin (const gchar *const *extra)
{
  OtaTestEmu *emu;

  /* the helper then gives the emulator a stdin pipe (--control-stdin) */
  g_setenv ("OTA_TEST_EMU_CONTROL_STDIN", "1", TRUE);
  emu = start_emu (extra);
  g_unsetenv ("OTA_TEST_EMU_CONTROL_STDIN");
  g_assert_true (emu->control_stdin);
  return emu;
}

/* One swap per unit: a second "unit over" of the old unit (a read of its new
 * description, a second "next") while the first swap is under way must not
 * skip the next unit (seen as a batch whose second unit never came). */
static void
test_one_swap_per_unit (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "3", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu_with_stdin (emu_args);
  GOutputStream *in = g_subprocess_get_stdin_pipe (emu->proc);
  g_autoptr (cJSON) first = NULL;
  g_autoptr (cJSON) all = NULL;

  for (guint i = 0; i < 20; i++)
    g_assert_true (g_output_stream_write_all (in, "next\n", 5, NULL, NULL, NULL));
  g_assert_true (g_output_stream_flush (in, NULL, NULL));
  first = ota_test_emu_wait_event (emu, "device-swap", 10000);
  g_assert_nonnull (first);
  /* the gap and the boot of unit 2 are well over by now */
  g_usleep (500 * 1000);
  all = ota_test_emu_get_events (emu, "device-swap");
  g_assert_cmpint (cJSON_GetArraySize (all), ==, 1);
  g_assert_cmpint (cJSON_GetObjectItem (cJSON_GetArrayItem (all, 0), "unit")->valueint, ==, 2);
}

static void
test_same_version (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "2", "--installed-version", "1.0.2", NULL };
  const gchar *args[] = { "--count", "2", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu_with_stdin (emu_args);
  g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, next_on_unit_end_cb, emu);

  /* no terminal: refused without asking, unit after unit */
  g_assert_cmpint (r->status, ==, 6);
  g_assert_cmpint (summary_count (r, "nothing-to-do"), ==, 2);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "result"), ==, 0);
  g_assert_cmpuint (history_records (f), ==, 2);
  ota_test_emu_assert_clean (emu);
}

static void
test_reinstall_allowed (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "2", "--installed-version", "1.0.2", NULL };
  const gchar *args[] = { "--count", "1", "--allow-reinstall", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_args);
  g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, NULL, NULL);

  /* a factory firmware of the same version string is another image: flashed */
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpint (summary_count (r, "success"), ==, 1);
  ota_test_emu_assert_clean (emu);
}

static void
test_expect_product (Fixture *f, gconstpointer data)
{
  const gchar *emu_args[] = { "--devices", "2", NULL };
  const gchar *args[] = { "--count", "2", "--expect-product", "AC79x_doorbell", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu_with_stdin (emu_args);
  g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, next_on_unit_end_cb, emu);

  g_assert_cmpint (r->status, ==, 5);
  g_assert_cmpint (summary_units (r), ==, 2);
  g_assert_cmpint (summary_count (r, "refused"), ==, 2);
  /* the batch went on to the second unit; neither was touched */
  g_assert_cmpuint (ota_test_emu_count_events (emu, "device-swap"), >=, 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "result"), ==, 0);
  ota_test_emu_assert_installed (emu, "1.0.0", FALSE);
  ota_test_emu_assert_clean (emu);
  /* a refused unit's record still names the device as it was read */
  {
    const gchar *hargs[] = { "--history", "--history-db", f->db, NULL };
    g_autoptr (OtaTestCliRun) h = ota_test_cli_run_json (NULL, hargs, NULL, NULL);
    guint records = 0;

    g_assert_cmpint (h->status, ==, 0);
    for (guint i = 0; i < h->lines->len; i++)
      {
        g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (h->lines, i));
        const cJSON *uuid = cJSON_GetObjectItem (obj, "uuid");

        if (!g_str_equal (cJSON_GetObjectItem (obj, "event")->valuestring, "history"))
          continue;
        records++;
        g_assert_cmpstr (cJSON_GetObjectItem (obj, "outcome")->valuestring, ==, "refused");
        g_assert_true (cJSON_IsString (uuid) && *uuid->valuestring != '\0');
        g_assert_cmpstr (cJSON_GetObjectItem (obj, "product_type")->valuestring, ==,
                         "AC79x_wifi_camera");
        g_assert_cmpstr (cJSON_GetObjectItem (obj, "version_before")->valuestring, ==, "1.0.0");
        g_assert_true (cJSON_IsString (cJSON_GetObjectItem (obj, "file_sha256")));
      }
    g_assert_cmpuint (records, ==, 2);
  }
}

/* A power cycle of *@emu (ota_test_emu_restart), the old object freed. */
static void
restart_emu (OtaTestEmu **emu, const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  OtaTestEmu *next = ota_test_emu_restart (*emu, extra, &error);

  g_assert_no_error (error);
  ota_test_emu_free (*emu);
  *emu = next;
}

/* A single flash of @file (--reboot-timeout 2) into DB; the run. */
static OtaTestCliRun *
run_single (Fixture *f, OtaTestEmu *emu, const gchar *file)
{
  const gchar *args[] = { "--history-db", f->db, "--reboot-timeout", "2", file, NULL };

  return ota_test_cli_run_json (emu, args, NULL, NULL);
}

/* The "recovery-other-file" warning of @r, or NULL (a new object). */
static cJSON *
other_file_warning (OtaTestCliRun *r)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      cJSON *obj = cJSON_Parse (g_ptr_array_index (r->lines, i));
      const cJSON *code = cJSON_GetObjectItem (obj, "code");

      if (cJSON_IsString (code) && g_str_equal (code->valuestring, "recovery-other-file"))
        return obj;
      cJSON_Delete (obj);
    }
  return NULL;
}

/* The SHA-256 of @path, hex. */
static gchar *
file_sha256 (const gchar *path)
{
  g_autofree gchar *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* Asserts @r warned, before stage two, that the unit was left mid-upgrade
 * with @other (its name and the start of its SHA-256). */
static void
assert_other_file (OtaTestCliRun *r, const gchar *other)
{
  g_autoptr (cJSON) warning = other_file_warning (r);
  g_autofree gchar *base = g_path_get_basename (other);
  g_autofree gchar *sha = file_sha256 (other);
  g_autofree gchar *prefix = g_strndup (sha, 12);
  const gchar *message;
  gboolean stage_two = FALSE;

  g_assert_nonnull (warning);
  g_assert_cmpstr (cJSON_GetObjectItem (warning, "level")->valuestring, ==, "warning");
  message = cJSON_GetObjectItem (warning, "message")->valuestring;
  ota_test_cli_assert_contains (r, message, base);
  ota_test_cli_assert_contains (r, message, prefix);
  /* said before stage two starts */
  for (guint i = 0; i < r->lines->len; i++)
    {
      const gchar *line = g_ptr_array_index (r->lines, i);

      if (strstr (line, "\"code\":\"recovery-other-file\"") != NULL)
        break;
      if (strstr (line, "\"event\":\"stage\"") != NULL)
        stage_two = TRUE;
    }
  g_assert_false (stage_two);
}

/* A unit the history says was left mid-upgrade with another file: the
 * recovery warns and names that file (single flash and batch); with the
 * same file it says nothing. */
static void
test_recovery_other_file (Fixture *f, gconstpointer data)
{
  const gchar *stuck[] = { "--fault", "no-reboot:stage=1", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree gchar *other = ota_test_make_ufw (f->dir, 90 * 1024 + 5, 30 * 1024 + 3, 11, "1.0.3",
                                               OTA_UFW_CORRUPT_NONE, &error);
  OtaTestEmu *emu;

  g_assert_no_error (error);
  /* 1. interrupted after stage one with the batch's file; recovered with it */
  emu = start_emu (stuck);
  {
    g_autoptr (OtaTestCliRun) r = run_single (f, emu, f->ufw);

    g_assert_cmpint (r->status, ==, 9);
    g_assert_cmpstr (ota_test_cli_result_string (r, "device_state"), ==, "needs-recovery");
  }
  restart_emu (&emu, NULL);
  {
    g_autoptr (OtaTestCliRun) r = run_single (f, emu, f->ufw);
    g_autoptr (cJSON) warning = other_file_warning (r);

    g_assert_cmpint (r->status, ==, 0);
    g_assert_null (warning);
  }
  /* 2. interrupted with another file; the batch recovers it with its own */
  restart_emu (&emu, stuck);
  {
    g_autoptr (OtaTestCliRun) r = run_single (f, emu, other);

    g_assert_cmpint (r->status, ==, 9);
  }
  restart_emu (&emu, NULL);
  {
    const gchar *args[] = { "--count", "1", NULL };
    g_autoptr (OtaTestCliRun) r = run_batch (f, emu, args, NULL, NULL);

    g_assert_cmpint (r->status, ==, 0);
    assert_other_file (r, other);
  }
  /* 3. the same, with a single flash */
  restart_emu (&emu, stuck);
  {
    g_autoptr (OtaTestCliRun) r = run_single (f, emu, other);

    g_assert_cmpint (r->status, ==, 9);
  }
  restart_emu (&emu, NULL);
  {
    g_autoptr (OtaTestCliRun) r = run_single (f, emu, f->ufw);

    g_assert_cmpint (r->status, ==, 0);
    assert_other_file (r, other);
  }
  ota_test_emu_assert_clean (emu);
  ota_test_emu_free (emu);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  const gchar *args[] = { "--count", "3", NULL };
  g_autoptr (OtaTestCliRun) r = ota_test_cli_run_json (NULL, args, NULL, NULL);

  g_assert_cmpint (r->status, ==, 2);
}

static void
test_compare_versions (void)
{
  g_assert_cmpint (ota_batch_compare_versions ("1.0.2", "1.0.2"), ==, 0);
  g_assert_cmpint (ota_batch_compare_versions ("1.0.10", "1.0.9"), >, 0);
  g_assert_cmpint (ota_batch_compare_versions ("1.0", "1.0.1"), <, 0);
  g_assert_cmpint (ota_batch_compare_versions ("2.0.0", "10.0.0"), <, 0);
  g_assert_cmpint (ota_batch_compare_versions ("1.0.1b", "1.0.1a"), >, 0);
  g_assert_cmpint (ota_batch_outcome_severity (OTA_OUTCOME_NEEDS_RECOVERY), >,
                   ota_batch_outcome_severity (OTA_OUTCOME_FAILED_UNCHANGED));
  g_assert_cmpint (ota_batch_outcome_severity (OTA_OUTCOME_CANCELLED), >,
                   ota_batch_outcome_severity (OTA_OUTCOME_SUCCESS));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn)                                                                              \
  g_test_add ("/cli-batch/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("five", test_five);
  ADD ("one-fails", test_one_fails);
  ADD ("count-stops", test_count_stops);
  ADD ("same-version", test_same_version);
  ADD ("reinstall-allowed", test_reinstall_allowed);
  ADD ("expect-product", test_expect_product);
  ADD ("recovery-other-file", test_recovery_other_file);
  ADD ("usage", test_usage);
  ADD ("one-swap-per-unit", test_one_swap_per_unit);
#undef ADD
  g_test_add_func ("/cli-batch/compare-versions", test_compare_versions);
  return g_test_run ();
}
