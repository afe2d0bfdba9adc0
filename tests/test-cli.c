/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestCli"

/* End-to-end tests of `otaflash --cli` against `otaflash-emu --strict` on free
 * loopback ports: every run checks the exit code, the JSON Lines output
 * against the schema of docs/cli.md, what the emulator recorded, and that no
 * device-safety rule was broken. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "ota-json.h"
#include "ota-test-cli.h"
#include "ota-test-emu.h"

typedef struct {
  gchar *dir;
  gchar *ufw; /* version 1.0.2 */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-cli-XXXXXX", &error);
  g_assert_no_error (error);
  f->ufw = ota_test_make_ufw (f->dir, 300 * 1024 + 17, 70 * 1024 + 3, 42, "1.0.2",
                              OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ufw);
}

/* ---- running the CLI: tests/ota-test-cli.h (also under valgrind) ------------- */

static GStrv
emu_args (OtaTestEmu *emu, const gchar *const *extra)
{
  return ota_test_cli_argv (emu, extra);
}

static OtaTestCliRun *
run_cli_full (const gchar *const *argv, OtaTestCliLineFunc func, gpointer data)
{
  return ota_test_cli_run (argv, func, data, 0);
}

/* With --json; checks every line against the schema of docs/cli.md. */
static OtaTestCliRun *
run_json (OtaTestEmu *emu, const gchar *const *extra, OtaTestCliLineFunc func, gpointer data)
{
  return ota_test_cli_run_json (emu, extra, func, data);
}

static const gchar *
result_string (OtaTestCliRun *r, const gchar *key)
{
  return ota_test_cli_result_string (r, key);
}

static guint
count_events (OtaTestCliRun *r, const gchar *event, const gchar *key, const gchar *value)
{
  return ota_test_cli_count_events (r, event, key, value);
}

static OtaTestEmu *
start_emu (const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  OtaTestEmu *emu = ota_test_emu_start (extra, &error);

  g_assert_no_error (error);
  g_assert_nonnull (emu);
  return emu;
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_flash_full (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--installed-version", "1.0.1", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (result_string (r, "status"), ==, "success");
  g_assert_cmpstr (result_string (r, "firmware_version"), ==, "1.0.2");
  g_assert_cmpstr (result_string (r, "device_state"), ==, "updated");
  g_assert_cmpuint (count_events (r, "file", NULL, NULL), ==, 1);
  g_assert_cmpuint (count_events (r, "stage", "state", "start"), ==, 2);
  g_assert_cmpuint (count_events (r, "stage", "outcome", "ok"), ==, 2);
  g_assert_cmpuint (count_events (r, "progress", NULL, NULL), >, 2);
  g_assert_cmpuint (count_events (r, "log", "code", "point-of-no-return"), ==, 1);
  g_assert_cmpuint (count_events (r, "log", "code", "reboot-wait"), ==, 2);
  /* the first device event says 1.0.1, the last 1.0.2 */
  g_assert_cmpuint (count_events (r, "device", "firmware_version", "1.0.1"), >=, 1);
  g_assert_cmpuint (count_events (r, "device", "firmware_version", "1.0.2"), ==, 1);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  /* the device really did both stages */
  g_assert_cmpuint (ota_test_emu_count_events (emu, "reboot"), >=, 2);
  ota_test_emu_assert_clean (emu);
}

static void
test_flash_human (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  const gchar *extra[] = { f->ufw, NULL };
  g_auto (GStrv) argv = emu_args (emu, extra);
  g_autoptr (OtaTestCliRun) r = run_cli_full ((const gchar *const *) argv, NULL, NULL);
  g_autofree gchar *out = NULL;

  g_assert_cmpint (r->status, ==, 0);
  g_ptr_array_add (r->lines, NULL);
  out = g_strjoinv ("\n", (gchar **) r->lines->pdata);
  g_assert_nonnull (strstr (out, "Stage 1 of 2"));
  g_assert_nonnull (strstr (out, "Stage 2 of 2"));
  g_assert_nonnull (strstr (out, "now runs firmware 1.0.2"));
  g_assert_nonnull (strstr (out, "WIFI_OTA_XXXXXX"));
  /* not a terminal: plain lines, no control characters */
  g_assert_null (strchr (out, '\r'));
  g_assert_null (strchr (out, '\033'));
  g_assert_nonnull (strstr (out, "stage 2/2: "));
  ota_test_emu_assert_clean (emu);
}

static void
test_recovery (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (count_events (r, "log", "code", "recovery"), ==, 1);
  g_assert_cmpuint (count_events (r, "stage", "stage", "1"), ==, 0);
  g_assert_cmpuint (count_events (r, "stage", "outcome", "ok"), ==, 1);
  g_assert_cmpstr (result_string (r, "firmware_version"), ==, "1.0.2");
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

/* The updater erases the whole area after the total size: a 16 MiB area at
 * the emulator's realistic default rate (400 KiB/s: 40 device seconds, 4 s
 * at this time scale) outlasts --timeout 1 many times over, and the flash
 * still succeeds, because the wait after the total size scales with the
 * size (docs/protocol.md). Before that rule this run failed. */
static void
test_erase_16mib (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--time-scale=0.1", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *big = ota_test_make_ufw (f->dir, 16 * 1024 * 1024, 60 * 1024, 11, "1.0.2",
                                             OTA_UFW_CORRUPT_NONE, &error);
  const gchar *extra[] = { "--timeout", "1", "--retries", "0", big, NULL };
  g_autoptr (OtaTestCliRun) r = NULL;
  g_autoptr (cJSON) erases = NULL;
  const cJSON *erase;

  g_assert_no_error (error);
  r = run_json (emu, extra, NULL, NULL);
  g_assert_cmpint (r->status, ==, 0);
  erases = ota_test_emu_get_events (emu, "erase");
  erase = cJSON_GetArrayItem (erases, cJSON_GetArraySize (erases) - 1);
  g_assert_nonnull (erase);
  g_assert_cmpfloat (cJSON_GetObjectItem (erase, "bytes")->valuedouble, >=, 16.0 * 1024 * 1024);
  g_assert_cmpfloat (cJSON_GetObjectItem (erase, "scaled_s")->valuedouble, >, 3.0);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

/* A second control client (a phone app, say) sends to the updater's port
 * 3333 while stage two runs: otaflash holds that port, silent, so the
 * updater takes nobody's bytes into the buffer it flashes from. */
typedef struct {
  OtaTestEmu *emu;
  GSocketConnection *rogue;
} Rogue;

static void
rogue_line_cb (GPid pid, const gchar *line, gpointer user_data)
{
  Rogue *rogue = user_data;
  static const gchar segment[]
      = "CTP:\x00\x0aAPP_ACCESS\x00\x00\x00\x20{\"op\":\"PUT\",\"param\":{}}";

  if (rogue->rogue != NULL || strstr (line, "\"event\":\"progress\"") == NULL
      || strstr (line, "\"stage\":2") == NULL)
    return;
  {
    g_autoptr (GSocketClient) client = g_socket_client_new ();
    g_autoptr (GError) error = NULL;

    rogue->rogue
        = g_socket_client_connect_to_host (client, "127.0.0.1", rogue->emu->ctp_port, NULL, &error);
    g_assert_no_error (error);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (rogue->rogue)), segment,
                               sizeof segment - 1, NULL, NULL, &error);
    g_assert_no_error (error);
  }
}

static void
test_held_control_port (Fixture *f, gconstpointer data)
{
  /* a pause in the middle of stage two, so the stray bytes arrive during it */
  const gchar *emu_extra[] = { "--fault", "slow-erase:stage=2,read=3,secs=50", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { "--retries", "0", f->ufw, NULL };
  Rogue rogue = { emu, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, rogue_line_cb, &rogue);

  g_assert_nonnull (rogue.rogue);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (count_events (r, "log", "code", "app-access"), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ctp-corruption"), ==, 0);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  /* the rogue's bytes are its own S6 break; otaflash caused none */
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==,
                    ota_test_emu_count_violations_of (emu, "S6"));
  g_io_stream_close (G_IO_STREAM (rogue.rogue), NULL, NULL);
  g_object_unref (rogue.rogue);
}

/* After ERR the updater restarts: otaflash waits out its teardown and reads
 * the description again before the next try, or 3335 would never start. */
static void
test_updater_restart (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[]
      = { "--fault", "err:stage=2,read=2", "--fault", "updater-restart", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { "--timeout", "5", f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (count_events (r, "log", "code", "retry"), ==, 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "updater-restart"), ==, 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ota-teardown-reset"), ==, 0);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
test_same_firmware (Fixture *f, gconstpointer data)
{
  const gchar *sdk11[] = { "--sdk", "1.1", NULL };
  gboolean old_sdk = GPOINTER_TO_INT (data);
  g_autoptr (OtaTestEmu) emu = start_emu (old_sdk ? sdk11 : NULL);
  const gchar *extra[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) first = run_json (emu, extra, NULL, NULL);
  g_autoptr (OtaTestCliRun) second = NULL;

  g_assert_cmpint (first->status, ==, 0);
  second = run_json (emu, extra, NULL, NULL);
  if (old_sdk)
    {
      g_assert_cmpint (second->status, ==, 6);
      g_assert_cmpstr (result_string (second, "status"), ==, "unchanged");
    }
  else
    {
      g_assert_cmpint (second->status, ==, 7);
      g_assert_cmpstr (result_string (second, "status"), ==, "failed");
      g_assert_nonnull (strstr (result_string (second, "message"), "already runs this firmware"));
    }
  g_assert_cmpstr (result_string (second, "device_state"), ==, "unchanged");
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

/* One row of the fault table: emulator fault, CLI options, expected result. */
typedef struct {
  const gchar *path;
  const gchar *fault;
  const gchar *cli_option; /* one extra option, or NULL */
  const gchar *cli_value;
  gint exit_code;
  const gchar *message_part; /* in the result message, or NULL */
  const gchar *installed;    /* version the device runs afterwards */
  gboolean pending;          /* stage two pending afterwards */
} FaultCase;

static const FaultCase fault_cases[] = {
  { "refuse-ota", "refuse-ota", NULL, NULL, 5, "could not prepare", "1.0.0", FALSE },
  { "busy", "busy", NULL, NULL, 5, "another app", "1.0.0", FALSE },
  { "dual-backup", "dual-backup", NULL, NULL, 5, "not a single-backup", "1.0.0", FALSE },
  { "desc-no-ota-type", "desc-no-ota-type", NULL, NULL, 5, "ota_type", "1.0.0", FALSE },
  { "http-404", "http-404", NULL, NULL, 5, "404", "1.0.0", FALSE },
  { "desc-malformed", "desc-malformed", NULL, NULL, 7, "description", "1.0.0", FALSE },
  { "stage1-err-before-total", "err:stage=1,read=1", NULL, NULL, 7, "already runs", "1.0.0",
    FALSE },
  { "stage1-err-after-total", "err:stage=1,read=3", NULL, NULL, 8,
    "failed after the point of no return", "1.0.0", TRUE },
  { "stage1-drop-before-total", "drop:stage=1,read=1", NULL, NULL, 7, "closed", "1.0.0", FALSE },
  { "stage1-drop-after-total", "drop:stage=1,read=2", NULL, NULL, 8, "point of no return", "1.0.0",
    TRUE },
  /* READ 3: the first READ after the total size waits for the erase (120 s at least) */
  { "stage1-stall-after-total", "stall:stage=1,read=3", "--timeout", "1", 8, "no request", "1.0.0",
    TRUE },
  { "stage1-bad-sum", "bad-sum:stage=1,read=1", NULL, NULL, 7, "malformed", "1.0.0", FALSE },
  { "stage1-read-beyond-eof", "read-beyond-eof:stage=1,read=1", NULL, NULL, 7, "beyond the end",
    "1.0.0", FALSE },
  { "stage1-read-too-large", "read-too-large:stage=1,read=1", NULL, NULL, 7, "at once", "1.0.0",
    FALSE },
  { "stage2-drop-retried", "drop:stage=2,read=3", NULL, NULL, 0, NULL, "1.0.2", FALSE },
  { "stage2-drop-no-retry", "drop:stage=2,read=3", "--retries", "0", 8, "stage two", "1.0.0",
    TRUE },
  { "stage2-err-retried", "err:stage=2,read=2", NULL, NULL, 0, NULL, "1.0.2", FALSE },
  { "stage2-stall-retried", "stall:stage=2,read=4", "--timeout", "1", 0, NULL, "1.0.2", FALSE },
  { "stage2-garbage-retried", "garbage:stage=2,read=3", NULL, NULL, 0, NULL, "1.0.2", FALSE },
  { "stage2-read-beyond-eof", "read-beyond-eof:stage=2,read=2", "--retries", "0", 8,
    "beyond the end", "1.0.0", TRUE },
  { "stage2-read-too-large-retried", "read-too-large:stage=2,read=2", NULL, NULL, 0, NULL, "1.0.2",
    FALSE },
  { "stage2-slow-erase", "slow-erase:stage=2,read=3,secs=50", NULL, NULL, 0, NULL, "1.0.2", FALSE },
  { "no-reboot", "no-reboot", "--reboot-timeout", "1.5", 9, "did not come back", "1.0.0", TRUE },
  { "late-reboot", "late-reboot:secs=50", NULL, NULL, 0, NULL, "1.0.2", FALSE },
};

static void
test_fault (Fixture *f, gconstpointer data)
{
  const FaultCase *fc = data;
  const gchar *emu_extra[] = { "--fault", fc->fault, NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { fc->cli_option != NULL ? fc->cli_option : f->ufw, fc->cli_value,
                           fc->cli_option != NULL ? f->ufw : NULL, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);

  g_assert_cmpint (r->status, ==, fc->exit_code);
  if (fc->message_part != NULL && strstr (result_string (r, "message"), fc->message_part) == NULL)
    g_error ("result message \"%s\" lacks \"%s\"", result_string (r, "message"), fc->message_part);
  if (fc->exit_code != 0)
    g_assert_nonnull (result_string (r, "next_step"));
  g_assert_cmpuint (ota_test_emu_count_events (emu, "fault"), >=, 1);
  ota_test_emu_assert_installed (emu, fc->installed, fc->pending);
  ota_test_emu_assert_clean (emu);
}

static void
test_power_loss (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--fault", "power-loss:stage=2,read=4", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  g_autoptr (OtaTestEmu) again = NULL;
  const gchar *extra[] = { "--retries", "1", f->ufw, NULL };
  g_autoptr (OtaTestCliRun) first = run_json (emu, extra, NULL, NULL);
  g_autoptr (OtaTestCliRun) second = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ssid = NULL;

  /* the device vanished in stage two: it needs recovery */
  g_assert_cmpint (first->status, ==, 8);
  g_assert_cmpstr (result_string (first, "status"), ==, "needs-recovery");
  g_assert_nonnull (strstr (result_string (first, "next_step"), "WIFI_OTA_XXXXXX"));
  ota_test_emu_stop (emu);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);

  /* power comes back: the updater, on the open recovery network */
  again = ota_test_emu_restart (emu, NULL, &error);
  g_assert_no_error (error);
  ssid = ota_test_emu_get_ssid (again);
  g_assert_true (g_str_has_prefix (ssid, "WIFI_OTA_"));
  g_assert_true (ota_test_emu_get_stage2_pending (again));
  {
    const gchar *extra2[] = { f->ufw, NULL };
    second = run_json (again, extra2, NULL, NULL);
  }
  g_assert_cmpint (second->status, ==, 0);
  g_assert_cmpuint (count_events (second, "log", "code", "recovery"), ==, 1);
  ota_test_emu_assert_installed (again, "1.0.2", FALSE);
  ota_test_emu_assert_clean (again);
}

/* Ctrl-C: a SIGINT when a given log event shows up, and for a double
 * Ctrl-C the second one only once otaflash has handled the first (its
 * "cancel-confirm" warning is out): two signals sent back to back, or a
 * fixed time apart, may reach a slow (valgrind) flasher as one, since
 * pending signals of one kind coalesce. */
typedef struct {
  const gchar *trigger; /* log code that triggers */
  guint signals;        /* how many SIGINTs */
  guint sent;           /* how many were sent */
} Interrupt;

static gboolean
line_has_code (const gchar *line, const gchar *want)
{
  g_autoptr (cJSON) obj = cJSON_Parse (line);
  const cJSON *code = obj != NULL ? cJSON_GetObjectItem (obj, "code") : NULL;

  return cJSON_IsString (code) && g_strcmp0 (code->valuestring, want) == 0;
}

static void
interrupt_line_cb (GPid pid, const gchar *line, gpointer data)
{
  Interrupt *in = data;

  if (in->sent >= in->signals)
    return;
  if (in->sent == 0 ? !line_has_code (line, in->trigger) : !line_has_code (line, "cancel-confirm"))
    return;
  g_assert_cmpint (kill (pid, SIGINT), ==, 0);
  in->sent++;
}

static void
test_cancel_before (Fixture *f, gconstpointer data)
{
  /* slow the device down so that the cancel lands during the transfer */
  const gchar *emu_extra[] = { "--fault", "slow-erase:stage=1,read=1,secs=25", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { f->ufw, NULL };
  Interrupt in = { "transfer", 1, 0 };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, interrupt_line_cb, &in);

  g_assert_cmpuint (in.sent, ==, 1);
  g_assert_cmpint (r->status, ==, 130);
  g_assert_cmpstr (result_string (r, "status"), ==, "cancelled");
  g_assert_cmpstr (result_string (r, "device_state"), ==, "unchanged");
  /* the cancel lands while the data channel opens or while the device is
   * slow to ask: either way it gets nothing but, at most, a STOP in answer
   * to a READ (no violation, checked below) */
  ota_test_emu_assert_installed (emu, "1.0.0", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
test_cancel_after (Fixture *f, gconstpointer data)
{
  guint signals = GPOINTER_TO_UINT (data);
  /* a slow flash so that the transfer outlasts the signals */
  const gchar *emu_extra[] = { "--flash-rate", "150000", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { f->ufw, NULL };
  Interrupt in = { "point-of-no-return", signals, 0 };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, interrupt_line_cb, &in);

  g_assert_cmpuint (in.sent, ==, signals);
  g_assert_cmpuint (count_events (r, "log", "code", "cancel-confirm"), ==, 1);
  if (signals == 1)
    {
      /* one Ctrl-C after the point of no return only warns */
      g_assert_cmpint (r->status, ==, 0);
      ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
    }
  else
    {
      g_assert_cmpint (r->status, ==, 8);
      g_assert_cmpstr (result_string (r, "status"), ==, "needs-recovery");
      g_assert_nonnull (strstr (result_string (r, "next_step"), "WIFI_OTA_XXXXXX"));
      ota_test_emu_assert_installed (emu, "1.0.0", TRUE);
    }
  ota_test_emu_assert_clean (emu);
}

/* Ctrl-C while the device, its probe reads answered, pauses before the
 * total size: the STOP would have to wait for a READ that only comes past
 * the point of no return. The Ctrl-C is dropped and said so; the flash
 * finishes (S5: stranding the device takes a confirmed choice). */
typedef struct {
  OtaTestEmu *emu;
  GPid pid;
  GThread *thread;
  gboolean sent;
} Overtaken;

static gpointer
overtaken_thread (gpointer data)
{
  Overtaken *o = data;

  /* the emulator logs the fault as its pause begins */
  g_autoptr (cJSON) ev = ota_test_emu_wait_event (o->emu, "fault", 20000);

  if (ev != NULL)
    o->sent = kill (o->pid, SIGINT) == 0;
  return NULL;
}

static void
overtaken_line_cb (GPid pid, const gchar *line, gpointer data)
{
  Overtaken *o = data;

  if (o->thread == NULL && line_has_code (line, "transfer"))
    {
      o->pid = pid;
      o->thread = g_thread_new ("interrupt", overtaken_thread, o);
    }
}

static void
test_cancel_overtaken (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--fault", "slow-commit:stage=1,secs=100", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { f->ufw, NULL };
  Overtaken o = { emu, 0, NULL, FALSE };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, overtaken_line_cb, &o);

  g_assert_nonnull (o.thread);
  g_thread_join (o.thread);
  g_assert_true (o.sent);
  g_assert_cmpuint (count_events (r, "log", "code", "cancel-too-late"), ==, 1);
  g_assert_cmpuint (count_events (r, "log", "code", "cancel-confirm"), ==, 0);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (result_string (r, "status"), ==, "success");
  g_assert_cmpuint (ota_test_emu_count_events (emu, "stop"), ==, 0);
  ota_test_emu_assert_installed (emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (emu);
}

static void
test_info (Fixture *f, gconstpointer data)
{
  const gchar *emu_extra[] = { "--installed-version", "2.3.4", NULL };
  g_autoptr (OtaTestEmu) emu = start_emu (emu_extra);
  const gchar *extra[] = { "--info", NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpuint (count_events (r, "device", "firmware_version", "2.3.4"), ==, 1);
  g_assert_cmpuint (count_events (r, "device", "ota_step", "0"), ==, 1);
  g_assert_cmpstr (result_string (r, "firmware_version"), ==, "2.3.4");
  /* nothing was changed: no CTP session, no transfer */
  g_assert_cmpuint (ota_test_emu_count_events (emu, "read"), ==, 0);
  ota_test_emu_assert_clean (emu);
}

static void
test_unreachable (Fixture *f, gconstpointer data)
{
  /* a port nobody listens on: start an emulator, stop it, reuse its port */
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  const gchar *extra[] = { "--info", NULL };
  g_autoptr (OtaTestCliRun) r = NULL;
  const gchar *extra2[] = { f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r2 = NULL;

  ota_test_emu_stop (emu);
  r = run_json (emu, extra, NULL, NULL);
  g_assert_cmpint (r->status, ==, 3);
  r2 = run_json (emu, extra2, NULL, NULL);
  g_assert_cmpint (r2->status, ==, 3);
  g_assert_nonnull (strstr (result_string (r2, "next_step"), "Wi-Fi"));
}

static void
test_check (Fixture *f, gconstpointer data)
{
  const gchar *extra[] = { "--check", f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (NULL, extra, NULL, NULL);

  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpstr (result_string (r, "firmware_version"), ==, "1.0.2");
  g_assert_cmpuint (count_events (r, "file", NULL, NULL), ==, 1);
}

static void
test_check_corrupt (Fixture *f, gconstpointer data)
{
  OtaUfwCorruption kind = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path = ota_test_make_ufw (f->dir, 50000, 9000, 3, "9.9", kind, &error);
  const gchar *extra[] = { "--check", path, NULL };
  g_autoptr (OtaTestCliRun) r = NULL;

  g_assert_no_error (error);
  r = run_json (NULL, extra, NULL, NULL);
  g_assert_cmpint (r->status, ==, 4);
  g_assert_cmpstr (result_string (r, "status"), ==, "failed");
  g_assert_nonnull (strstr (result_string (r, "message"), path));

  /* --force accepts what is not corruption, and only that */
  if (kind == OTA_UFW_CORRUPT_NO_OTA_BIN || kind == OTA_UFW_CORRUPT_UNKNOWN_CHIP)
    {
      const gchar *forced[] = { "--check", "--force", path, NULL };
      g_autoptr (OtaTestCliRun) rf = run_json (NULL, forced, NULL, NULL);
      g_assert_cmpint (rf->status, ==, 0);
    }
  else
    {
      const gchar *forced[] = { "--check", "--force", path, NULL };
      g_autoptr (OtaTestCliRun) rf = run_json (NULL, forced, NULL, NULL);
      g_assert_cmpint (rf->status, ==, 4);
    }
}

static void
test_bad_file_untouched (Fixture *f, gconstpointer data)
{
  /* a corrupt file never reaches the device */
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *path
      = ota_test_make_ufw (f->dir, 50000, 9000, 3, "9.9", OTA_UFW_CORRUPT_DATA_CRC, &error);
  g_autofree gchar *missing = g_build_filename (f->dir, "nope.ufw", NULL);
  const gchar *cases[][2] = { { path, "CRC" }, { missing, "nope.ufw" }, { f->dir, "folder" } };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const gchar *extra[] = { cases[i][0], NULL };
      g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);
      g_assert_cmpint (r->status, ==, 4);
      if (strstr (result_string (r, "message"), cases[i][1]) == NULL)
        g_error ("\"%s\" lacks \"%s\"", result_string (r, "message"), cases[i][1]);
    }
  g_assert_cmpuint (ota_test_emu_count_events (emu, "connect"), ==, 0);
  ota_test_emu_assert_clean (emu);
}

static void
test_usage (Fixture *f, gconstpointer data)
{
  const gchar *cases[][4] = {
    { "--bogus", NULL },
    { NULL }, /* no file */
    { "a.ufw", "b.ufw", NULL },
    { "--info", "--check", "x.ufw", NULL },
    { "--ctp-port", "70000", "a.ufw", NULL },
    { "--timeout", "0", "a.ufw", NULL },
    { "--timeout", "1e12", "a.ufw", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GStrv) argv = emu_args (NULL, cases[i]);
      g_autoptr (OtaTestCliRun) r = run_cli_full ((const gchar *const *) argv, NULL, NULL);
      g_autoptr (OtaTestCliRun) j = NULL;

      g_assert_cmpint (r->status, ==, 2);
      g_assert_nonnull (strstr (r->err, "otaflash"));
      /* a script still gets its one result event */
      j = run_json (NULL, cases[i], NULL, NULL);
      g_assert_cmpint (j->status, ==, 2);
      g_assert_cmpuint (j->lines->len, ==, 1);
      g_assert_cmpuint (count_events (j, "result", "status", "failed"), ==, 1);
      g_assert_cmpstr (result_string (j, "device_state"), ==, "unchanged");
      g_assert_nonnull (strstr (result_string (j, "next_step"), "--help"));
    }
}

static void
test_help_version (Fixture *f, gconstpointer data)
{
  const gchar *help[] = { "--help", NULL };
  const gchar *version[] = { "--version", NULL };
  g_auto (GStrv) a1 = emu_args (NULL, help);
  g_auto (GStrv) a2 = emu_args (NULL, version);
  g_autoptr (OtaTestCliRun) r1 = run_cli_full ((const gchar *const *) a1, NULL, NULL);
  g_autoptr (OtaTestCliRun) r2 = run_cli_full ((const gchar *const *) a2, NULL, NULL);
  g_autofree gchar *out = NULL;

  g_assert_cmpint (r1->status, ==, 0);
  g_ptr_array_add (r1->lines, NULL);
  out = g_strjoinv ("\n", (gchar **) r1->lines->pdata);
  for (const gchar *const *w
       = (const gchar *const[]){ "--reboot-timeout", "--retries", "--json", "--check", "--info",
                                 "--force", "130", "WIFI_OTA_XXXXXX", NULL };
       *w != NULL; w++)
    if (strstr (out, *w) == NULL)
      g_error ("--help lacks %s", *w);
  g_assert_cmpint (r2->status, ==, 0);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (r2->lines, 0), "otaflash "));
  /* the usage line names --cli, and the file once */
  g_assert_nonnull (strstr (out, "--cli [--info | --check] FIRMWARE.ufw"));
  g_assert_null (strstr (out, "FIRMWARE.ufw FIRMWARE.ufw"));
  {
    /* the version needs no --cli (nor a display: CI has none) */
    const gchar *argv[] = { ota_test_cli_otaflash_path (), "--version", NULL };
    g_autoptr (OtaTestCliRun) r3 = run_cli_full (argv, NULL, NULL);

    g_assert_cmpint (r3->status, ==, 0);
    g_assert_cmpstr (g_ptr_array_index (r3->lines, 0), ==, g_ptr_array_index (r2->lines, 0));
  }
}

static void
test_log_file (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaTestEmu) emu = start_emu (NULL);
  g_autofree gchar *log = g_build_filename (f->dir, "flash.log", NULL);
  const gchar *extra[] = { "--log", log, f->ufw, NULL };
  g_autoptr (OtaTestCliRun) r = run_json (emu, extra, NULL, NULL);
  g_autofree gchar *contents = NULL;

  g_assert_cmpint (r->status, ==, 0);
  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\"event\":\"result\""));
  g_assert_nonnull (strstr (contents, "\"event\":\"debug\""));
  ota_test_emu_assert_clean (emu);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn, data)                                                                        \
  g_test_add ("/cli/" path, Fixture, data, fixture_setup, fn, fixture_teardown)

  ADD ("flash/full", test_flash_full, NULL);
  ADD ("flash/human", test_flash_human, NULL);
  ADD ("flash/log-file", test_log_file, NULL);
  ADD ("recovery/start-in-loader", test_recovery, NULL);
  ADD ("recovery/power-loss", test_power_loss, NULL);
  ADD ("field/erase-16mib", test_erase_16mib, NULL);
  ADD ("field/held-control-port", test_held_control_port, NULL);
  ADD ("field/updater-restart", test_updater_restart, NULL);
  ADD ("same-firmware/current-sdk", test_same_firmware, GINT_TO_POINTER (FALSE));
  ADD ("same-firmware/sdk-1.1", test_same_firmware, GINT_TO_POINTER (TRUE));
  for (guint i = 0; i < G_N_ELEMENTS (fault_cases); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/cli/fault/%s", fault_cases[i].path);
      g_test_add (path, Fixture, &fault_cases[i], fixture_setup, test_fault, fixture_teardown);
    }
  ADD ("cancel/before-point-of-no-return", test_cancel_before, NULL);
  ADD ("cancel/overtaken", test_cancel_overtaken, NULL);
  ADD ("cancel/after-once-continues", test_cancel_after, GUINT_TO_POINTER (1));
  ADD ("cancel/after-confirmed", test_cancel_after, GUINT_TO_POINTER (2));
  ADD ("info", test_info, NULL);
  ADD ("unreachable", test_unreachable, NULL);
  ADD ("check/valid", test_check, NULL);
  for (gint k = OTA_UFW_CORRUPT_TRUNCATED; k <= OTA_UFW_CORRUPT_BAD_COUNT; k++)
    {
      g_autofree gchar *path
          = g_strdup_printf ("/cli/check/corrupt-%s", ota_ufw_corruption_to_string (k));
      g_test_add (path, Fixture, GINT_TO_POINTER (k), fixture_setup, test_check_corrupt,
                  fixture_teardown);
    }
  ADD ("bad-file-untouched", test_bad_file_untouched, NULL);
  ADD ("usage", test_usage, NULL);
  ADD ("help-version", test_help_version, NULL);
  return g_test_run ();
}
