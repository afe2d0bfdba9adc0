/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The flash engine in-process (OtaFlash over OtaSession), against the
 * emulator on loopback: the cancel policy in every phase, reuse after each
 * outcome, retries, typed events with an overall progress, and the advice
 * table every front-end renders the end from. */

#include <gio/gio.h>
#include <string.h>

#include "ota-advice.h"
#include "ota-error.h"
#include "ota-firmware.h"
#include "ota-flash.h"
#include "ota-test-emu.h"
#include "ota-ufw.h"

#define RUN_TIMEOUT_S 60

typedef struct _Fixture Fixture;
typedef void (*EventHook) (Fixture *f, const OtaEvent *event);

struct _Fixture {
  gchar *dir;
  gchar *ufw_path;
  OtaFirmware *firmware;
  OtaUfw *ufw;
  OtaTestEmu *emu;
  OtaFlash *engine;
  GMainLoop *loop;
  gboolean done;
  gboolean ok;
  GError *error;
  GPtrArray *events; /* OtaEvent copies of the current run */
  EventHook hook;
  OtaCancelAnswer answers[4]; /* what the hook's cancels got */
  guint n_answers;
  guint committed_notifies;
  guint dropped;
  guint timer;
};

static void
event_cb (OtaFlash *engine, const OtaEvent *event, Fixture *f)
{
  g_ptr_array_add (f->events, ota_event_copy (event));
  if (f->hook != NULL)
    f->hook (f, event);
}

static void
committed_cb (OtaFlash *engine, GParamSpec *pspec, Fixture *f)
{
  f->committed_notifies++;
}

static void
dropped_cb (OtaFlash *engine, Fixture *f)
{
  f->dropped++;
}

static void
start_emu (Fixture *f, const gchar *const *extra)
{
  g_autoptr (GError) error = NULL;
  OtaSession *session = ota_flash_get_session (f->engine);

  g_clear_pointer (&f->emu, ota_test_emu_free);
  f->emu = ota_test_emu_start (extra, &error);
  g_assert_no_error (error);
  ota_session_set_host (session, "127.0.0.1");
  ota_session_set_ports (session, f->emu->ctp_port, f->emu->http_port, f->emu->ota_port);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaSession) session = ota_session_new ();

  f->dir = g_dir_make_tmp ("ota-test-flash-XXXXXX", &error);
  g_assert_no_error (error);
  f->ufw_path = ota_test_make_ufw (f->dir, 200 * 1024 + 7, 60 * 1024 + 3, 7, "1.0.2",
                                   OTA_UFW_CORRUPT_NONE, &error);
  g_assert_no_error (error);
  f->firmware = ota_firmware_open (f->ufw_path, &error);
  g_assert_no_error (error);
  f->ufw = ota_ufw_load (f->firmware, OTA_UFW_CHECK_DEFAULT, NULL, &error);
  g_assert_no_error (error);

  ota_session_set_timeout (session, 5000);
  ota_session_set_reboot_timeout (session, 30000);
  ota_session_set_poll_interval (session, 50);
  ota_session_set_retry_delay (session, 100);
  f->engine = ota_flash_new (session);
  g_signal_connect (f->engine, "event", G_CALLBACK (event_cb), f);
  g_signal_connect (f->engine, "notify::committed", G_CALLBACK (committed_cb), f);
  g_signal_connect (f->engine, "cancel-dropped", G_CALLBACK (dropped_cb), f);
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) ota_event_free);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->emu, ota_test_emu_free);
  g_clear_object (&f->engine);
  g_clear_object (&f->ufw);
  g_clear_object (&f->firmware);
  g_clear_error (&f->error);
  g_ptr_array_unref (f->events);
  g_main_loop_unref (f->loop);
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->ufw_path);
}

static void
run_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Fixture *f = user_data;

  f->ok = ota_flash_run_finish (OTA_FLASH (source), res, &f->error);
  f->done = TRUE;
  g_main_loop_quit (f->loop);
}

static gboolean
run_timeout_cb (gpointer data)
{
  g_error ("the flash did not end within %d s", RUN_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

/* One whole run; returns what it means. */
static OtaAdvice *
run (Fixture *f)
{
  guint timeout = g_timeout_add_seconds (RUN_TIMEOUT_S, run_timeout_cb, NULL);

  g_ptr_array_set_size (f->events, 0);
  g_clear_error (&f->error);
  f->done = FALSE;
  f->n_answers = 0;
  ota_flash_run_async (f->engine, f->firmware, f->ufw, NULL, run_done_cb, f);
  g_assert_true (ota_flash_is_running (f->engine));
  while (!f->done)
    g_main_loop_run (f->loop);
  g_source_remove (timeout);
  g_assert_false (ota_flash_is_running (f->engine));
  g_assert_true (f->ok == (f->error == NULL));
  return ota_flash_dup_advice (f->engine);
}

static guint
count_code (Fixture *f, OtaEventCode code)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    {
      const OtaEvent *e = g_ptr_array_index (f->events, i);
      n += e->kind == OTA_EVENT_LOG && e->code == code;
    }
  return n;
}

/* The overall progress never goes back; stages come in order. */
static void
assert_events_sane (Fixture *f)
{
  guint overall = 0;
  guint last_stage_start = 0;

  g_assert_cmpuint (f->events->len, >, 0);
  for (guint i = 0; i < f->events->len; i++)
    {
      const OtaEvent *e = g_ptr_array_index (f->events, i);

      g_assert_cmpuint (e->overall, <=, 100);
      g_assert_cmpuint (e->overall, >=, overall);
      overall = e->overall;
      if (e->kind == OTA_EVENT_STAGE && e->state == OTA_STAGE_STATE_START)
        {
          g_assert_cmpuint (e->stage, >, last_stage_start);
          last_stage_start = e->stage;
        }
    }
}

static void
wait_for_updater (Fixture *f)
{
  OtaSession *session = ota_flash_get_session (f->engine);

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (OtaDescription) desc = ota_session_read_device (session, NULL, NULL);

      if (desc != NULL && ota_description_needs_stage_two (desc))
        return;
      g_usleep (50 * 1000);
    }
  g_error ("the device did not come back in its updater");
}

/* ---- reuse and the plain path --------------------------------------------- */

static void
test_idle_cancel (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (ota_flash_cancel (f->engine, OTA_CANCEL_SAFE), ==, OTA_CANCEL_NOT_RUNNING);
  g_assert_cmpint (ota_flash_cancel (f->engine, OTA_CANCEL_CONFIRMED), ==, OTA_CANCEL_NOT_RUNNING);
  g_assert_cmpstr (ota_cancel_answer_to_string (OTA_CANCEL_NOT_RUNNING), ==, "not-running");
}

/* Success, then the same engine again: the device already runs the file
 * (failure, unchanged), then once more after that failure. */
static void
test_reuse_after_success_and_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (OtaAdvice) first = NULL;
  g_autoptr (OtaAdvice) second = NULL;
  g_autoptr (OtaAdvice) third = NULL;
  const OtaEvent *last;

  start_emu (f, NULL);
  first = run (f);
  g_assert_cmpint (first->outcome, ==, OTA_OUTCOME_SUCCESS);
  g_assert_cmpint (first->exit_code, ==, OTA_EXIT_SUCCESS);
  g_assert_cmpint (first->state, ==, OTA_DEVICE_STATE_UPDATED);
  g_assert_cmpstr (first->firmware_version, ==, "1.0.2");
  g_assert_null (first->next_step);
  g_assert_cmpstr (ota_flash_get_new_version (f->engine), ==, "1.0.2");
  assert_events_sane (f);
  /* the device read, both stages, the confirmation */
  last = g_ptr_array_index (f->events, f->events->len - 1);
  g_assert_cmpint (last->kind, ==, OTA_EVENT_DEVICE);
  g_assert_cmpuint (last->overall, ==, 100);
  g_assert_false (ota_flash_get_committed (f->engine));
  /* committed went on at the point of no return and off at the end */
  g_assert_cmpuint (f->committed_notifies, ==, 2);
  ota_test_emu_assert_installed (f->emu, "1.0.2", FALSE);

  second = run (f);
  g_assert_cmpint (second->outcome, ==, OTA_OUTCOME_FAILED_UNCHANGED);
  g_assert_cmpint (second->exit_code, ==, OTA_EXIT_FAILED_UNCHANGED);
  g_assert_cmpint (second->state, ==, OTA_DEVICE_STATE_UNCHANGED);
  g_assert_nonnull (strstr (second->message, "already runs this firmware"));

  third = run (f);
  g_assert_cmpint (third->outcome, ==, OTA_OUTCOME_FAILED_UNCHANGED);
  g_assert_cmpstr (third->message, ==, second->message);
  ota_test_emu_assert_clean (f->emu);
}

/* ---- the cancel policy ------------------------------------------------------ */

static void
cancel_at_transfer (Fixture *f, const OtaEvent *event)
{
  if (event->kind == OTA_EVENT_LOG && event->code == OTA_EVENT_CODE_TRANSFER)
    f->answers[f->n_answers++] = ota_flash_cancel (f->engine, OTA_CANCEL_SAFE);
}

/* Before the point of no return: a safe cancel is taken at once and the
 * device keeps its firmware; the engine flashes again after it. */
static void
test_cancel_safe_then_reuse (Fixture *f, gconstpointer data)
{
  const gchar *slow[] = { "--fault", "slow-erase:stage=1,read=1,secs=20", NULL };
  g_autoptr (OtaAdvice) cancelled = NULL;
  g_autoptr (OtaAdvice) again = NULL;

  start_emu (f, slow);
  f->hook = cancel_at_transfer;
  cancelled = run (f);
  g_assert_cmpuint (f->n_answers, ==, 1);
  g_assert_cmpint (f->answers[0], ==, OTA_CANCEL_TAKEN);
  g_assert_error (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (cancelled->outcome, ==, OTA_OUTCOME_CANCELLED);
  g_assert_cmpint (cancelled->exit_code, ==, OTA_EXIT_CANCELLED);
  g_assert_cmpint (cancelled->state, ==, OTA_DEVICE_STATE_UNCHANGED);
  g_assert_true (ota_flash_is_cancelling (f->engine));
  g_assert_cmpuint (f->committed_notifies, ==, 0);
  ota_test_emu_assert_installed (f->emu, "1.0.0", FALSE);

  /* the same engine, no cancel pending from the last run */
  f->hook = NULL;
  again = run (f);
  g_assert_cmpint (again->outcome, ==, OTA_OUTCOME_SUCCESS);
  g_assert_false (ota_flash_is_cancelling (f->engine));
  ota_test_emu_assert_installed (f->emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (f->emu);
}

static void
cancel_past_no_return (Fixture *f, const OtaEvent *event)
{
  if (event->kind == OTA_EVENT_LOG && event->code == OTA_EVENT_CODE_POINT_OF_NO_RETURN)
    {
      g_assert_true (ota_flash_get_committed (f->engine));
      f->answers[f->n_answers++] = ota_flash_cancel (f->engine, OTA_CANCEL_SAFE);
      g_assert_false (ota_flash_is_cancelling (f->engine));
      f->answers[f->n_answers++] = ota_flash_cancel (f->engine, OTA_CANCEL_CONFIRMED);
    }
}

/* Past the point of no return: a safe cancel is refused (ask first), a
 * confirmed one leaves the device in its updater; the engine then recovers
 * it with the same file. */
static void
test_cancel_needs_confirmation_then_recover (Fixture *f, gconstpointer data)
{
  const gchar *slow[] = { "--fault", "slow-erase:stage=1,read=3,secs=20", NULL };
  g_autoptr (OtaAdvice) stranded = NULL;
  g_autoptr (OtaAdvice) recovered = NULL;

  start_emu (f, slow);
  f->hook = cancel_past_no_return;
  stranded = run (f);
  g_assert_cmpuint (f->n_answers, ==, 2);
  g_assert_cmpint (f->answers[0], ==, OTA_CANCEL_NEEDS_CONFIRMATION);
  g_assert_cmpint (f->answers[1], ==, OTA_CANCEL_TAKEN);
  g_assert_cmpint (stranded->outcome, ==, OTA_OUTCOME_NEEDS_RECOVERY);
  g_assert_cmpint (stranded->exit_code, ==, OTA_EXIT_NEEDS_RECOVERY);
  g_assert_cmpint (stranded->state, ==, OTA_DEVICE_STATE_NEEDS_RECOVERY);
  g_assert_true (ota_flash_get_committed (f->engine));
  ota_test_emu_assert_installed (f->emu, "1.0.0", TRUE);

  /* as a technician would: once the device shows up in its updater */
  wait_for_updater (f);
  f->hook = NULL;
  recovered = run (f);
  g_assert_cmpstr (recovered->message, ==,
                   "Success: the device restarted and now runs firmware 1.0.2.");
  g_assert_cmpint (recovered->outcome, ==, OTA_OUTCOME_SUCCESS);
  g_assert_cmpuint (count_code (f, OTA_EVENT_CODE_RECOVERY), ==, 1);
  assert_events_sane (f);
  g_assert_false (ota_flash_get_committed (f->engine));
  ota_test_emu_assert_installed (f->emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (f->emu);
}

static gboolean
late_cancel_cb (gpointer data)
{
  Fixture *f = data;

  f->timer = 0;
  f->answers[f->n_answers++] = ota_flash_cancel (f->engine, OTA_CANCEL_SAFE);
  return G_SOURCE_REMOVE;
}

static void
cancel_in_commit_pause (Fixture *f, const OtaEvent *event)
{
  /* the device reads the header, then pauses before the total size */
  if (event->kind == OTA_EVENT_LOG && event->code == OTA_EVENT_CODE_TRANSFER)
    f->timer = g_timeout_add (300, late_cancel_cb, f);
}

/* A safe cancel overtaken by the point of no return is dropped: the engine
 * says so (event and signal) and the upgrade finishes. */
static void
test_cancel_dropped (Fixture *f, gconstpointer data)
{
  const gchar *pause[] = { "--fault", "slow-commit:secs=100", NULL };
  g_autoptr (OtaAdvice) advice = NULL;

  start_emu (f, pause);
  f->hook = cancel_in_commit_pause;
  advice = run (f);
  g_assert_cmpuint (f->n_answers, ==, 1);
  g_assert_cmpint (f->answers[0], ==, OTA_CANCEL_TAKEN);
  g_assert_cmpuint (f->dropped, ==, 1);
  g_assert_cmpuint (count_code (f, OTA_EVENT_CODE_CANCEL_TOO_LATE), ==, 1);
  g_assert_false (ota_flash_is_cancelling (f->engine));
  g_assert_cmpint (advice->outcome, ==, OTA_OUTCOME_SUCCESS);
  ota_test_emu_assert_installed (f->emu, "1.0.2", FALSE);
  ota_test_emu_assert_clean (f->emu);
}

/* ---- retries and evidence --------------------------------------------------- */

static void
test_retry (Fixture *f, gconstpointer data)
{
  const gchar *err[] = { "--fault", "err:stage=2,read=2", NULL };
  g_autoptr (OtaAdvice) advice = NULL;

  start_emu (f, err);
  advice = run (f);
  g_assert_cmpint (advice->outcome, ==, OTA_OUTCOME_SUCCESS);
  g_assert_cmpuint (count_code (f, OTA_EVENT_CODE_RETRY), ==, 1);
  assert_events_sane (f);
  ota_test_emu_assert_clean (f->emu);
}

static void
test_retries_exhausted (Fixture *f, gconstpointer data)
{
  const gchar *err[] = { "--fault", "err:stage=2,read=2,times=10", NULL };
  g_autoptr (OtaAdvice) advice = NULL;

  ota_session_set_retries (ota_flash_get_session (f->engine), 1);
  start_emu (f, err);
  advice = run (f);
  g_assert_error (f->error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY);
  g_assert_cmpint (advice->outcome, ==, OTA_OUTCOME_NEEDS_RECOVERY);
  g_assert_cmpuint (count_code (f, OTA_EVENT_CODE_RETRY), ==, 1);
  g_assert_true (g_str_has_prefix (advice->message, "stage two failed after every retry: "));
}

/* The device says OK without having read anything: not a success. */
static void
test_ok_without_read (Fixture *f, gconstpointer data)
{
  const gchar *ok[] = { "--fault", "ok-without-read:stage=1", NULL };
  g_autoptr (OtaAdvice) advice = NULL;

  start_emu (f, ok);
  advice = run (f);
  g_assert_error (f->error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_cmpint (advice->outcome, ==, OTA_OUTCOME_FAILED_UNCHANGED);
  g_assert_nonnull (strstr (advice->message, "without reading"));
}

/* Back in the updater after stage two said OK: needs recovery, exit 8. */
static void
test_back_in_updater (Fixture *f, gconstpointer data)
{
  const gchar *stay[] = { "--fault", "stay-in-updater", NULL };
  g_autoptr (OtaAdvice) advice = NULL;

  ota_session_set_reboot_timeout (ota_flash_get_session (f->engine), 5000);
  start_emu (f, stay);
  advice = run (f);
  g_assert_error (f->error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY);
  g_assert_cmpint (advice->exit_code, ==, OTA_EXIT_NEEDS_RECOVERY);
  g_assert_cmpint (advice->state, ==, OTA_DEVICE_STATE_NEEDS_RECOVERY);
}

/* Back with the version it had before: a failure that says so. */
static void
test_old_version_after (Fixture *f, gconstpointer data)
{
  const gchar *old[] = { "--fault", "keep-old-version", NULL };
  g_autoptr (OtaAdvice) advice = NULL;

  start_emu (f, old);
  advice = run (f);
  g_assert_nonnull (f->error);
  g_assert_cmpint (advice->outcome, ==, OTA_OUTCOME_FAILED_UNCHANGED);
  g_assert_nonnull (strstr (advice->message, "still runs 1.0.0"));
}

/* ---- the advice table ------------------------------------------------------- */

typedef struct {
  GQuark domain;
  gint code;
  OtaDeviceState state;
  OtaOutcome outcome;
  OtaExitCode exit_code;
} AdviceRow;

static gint
count_occurrences (const gchar *haystack, const gchar *needle)
{
  gint n = 0;

  for (const gchar *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* Every outcome × device state: a message and (but on success) a next step,
 * the right exit code, and nothing said twice. */
static void
test_advice_table (void)
{
  const AdviceRow rows[] = {
    { 0, 0, OTA_DEVICE_STATE_UPDATED, OTA_OUTCOME_SUCCESS, OTA_EXIT_SUCCESS },
    { OTA_ERROR, OTA_ERROR_NOT_REACHABLE, OTA_DEVICE_STATE_UNKNOWN, OTA_OUTCOME_NOT_REACHABLE,
      OTA_EXIT_NOT_REACHABLE },
    { OTA_ERROR, OTA_ERROR_NOT_REACHABLE, OTA_DEVICE_STATE_NEEDS_RECOVERY,
      OTA_OUTCOME_NEEDS_RECOVERY, OTA_EXIT_NEEDS_RECOVERY },
    { OTA_ERROR, OTA_ERROR_INVALID_FILE, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_INVALID_FILE,
      OTA_EXIT_INVALID_FILE },
    { OTA_ERROR, OTA_ERROR_INVALID_FILE, OTA_DEVICE_STATE_NEEDS_RECOVERY,
      OTA_OUTCOME_NEEDS_RECOVERY, OTA_EXIT_NEEDS_RECOVERY },
    { OTA_ERROR, OTA_ERROR_REFUSED, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_REFUSED,
      OTA_EXIT_REFUSED },
    { OTA_ERROR, OTA_ERROR_NOT_SUPPORTED, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_REFUSED,
      OTA_EXIT_REFUSED },
    { OTA_ERROR, OTA_ERROR_NOTHING_TO_DO, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_NOTHING_TO_DO,
      OTA_EXIT_NOTHING_TO_DO },
    { OTA_ERROR, OTA_ERROR_TIMED_OUT, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_FAILED_UNCHANGED,
      OTA_EXIT_FAILED_UNCHANGED },
    { OTA_ERROR, OTA_ERROR_PROTOCOL, OTA_DEVICE_STATE_NEEDS_RECOVERY, OTA_OUTCOME_NEEDS_RECOVERY,
      OTA_EXIT_NEEDS_RECOVERY },
    { OTA_ERROR, OTA_ERROR_DEVICE_ERROR, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_FAILED_UNCHANGED,
      OTA_EXIT_FAILED_UNCHANGED },
    { OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY, OTA_DEVICE_STATE_NEEDS_RECOVERY,
      OTA_OUTCOME_NEEDS_RECOVERY, OTA_EXIT_NEEDS_RECOVERY },
    { OTA_ERROR, OTA_ERROR_NO_REBOOT, OTA_DEVICE_STATE_UNKNOWN, OTA_OUTCOME_NO_REBOOT,
      OTA_EXIT_NO_REBOOT },
    { OTA_ERROR, OTA_ERROR_NO_REBOOT, OTA_DEVICE_STATE_NEEDS_RECOVERY, OTA_OUTCOME_NO_REBOOT,
      OTA_EXIT_NO_REBOOT },
    { OTA_ERROR, OTA_ERROR_WIFI, OTA_DEVICE_STATE_UNCHANGED, OTA_OUTCOME_WIFI, OTA_EXIT_WIFI },
    /* Wi-Fi: exit 10 in every state (docs/cli.md), the state in the result */
    { OTA_ERROR, OTA_ERROR_WIFI, OTA_DEVICE_STATE_NEEDS_RECOVERY, OTA_OUTCOME_WIFI, OTA_EXIT_WIFI },
    { OTA_ERROR, OTA_ERROR_WIFI, OTA_DEVICE_STATE_UNKNOWN, OTA_OUTCOME_WIFI, OTA_EXIT_WIFI },
    { OTA_ERROR, OTA_ERROR_FAILED, OTA_DEVICE_STATE_UNKNOWN, OTA_OUTCOME_FAILED_UNCHANGED,
      OTA_EXIT_FAILED_UNCHANGED },
  };
  const gchar *address = "127.0.0.1 port 8080";
  gboolean seen[OTA_OUTCOME_LAST] = { FALSE };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (OtaAdvice) advice = NULL;
      g_autoptr (cJSON) json = NULL;
      g_autofree gchar *all = NULL;

      if (rows[i].domain != 0)
        error = g_error_new (rows[i].domain, rows[i].code,
                             "cannot connect to %s: nothing accepts connections there", address);
      advice = ota_advice_new (error, rows[i].state, NULL, NULL);
      g_assert_cmpint (advice->outcome, ==, rows[i].outcome);
      g_assert_cmpint (advice->exit_code, ==, rows[i].exit_code);
      g_assert_cmpint (advice->state, ==, rows[i].state);
      g_assert_nonnull (advice->message);
      g_assert_cmpstr (advice->message, !=, "");
      g_assert_nonnull (advice->headline);
      g_assert_nonnull (advice->status);
      seen[advice->outcome] = TRUE;
      if (advice->outcome == OTA_OUTCOME_SUCCESS)
        {
          g_assert_null (advice->next_step);
          continue;
        }
      g_assert_nonnull (advice->next_step);
      /* nothing said twice: the address once, the advice once */
      all = g_strconcat (advice->message, " ", advice->next_step, NULL);
      g_assert_cmpint (count_occurrences (all, address), ==, 1);
      g_assert_null (strstr (advice->message, advice->next_step));
      g_assert_cmpint (count_occurrences (all, "WIFI_OTA_XXXXXX"), <=, 1);
      if (rows[i].state == OTA_DEVICE_STATE_NEEDS_RECOVERY)
        g_assert_cmpint (count_occurrences (all, "WIFI_OTA_XXXXXX"), ==, 1);
      /* the result event carries the same, with its exit code */
      json = ota_advice_to_json (advice);
      g_assert_cmpstr (cJSON_GetObjectItem (json, "next_step")->valuestring, ==, advice->next_step);
      g_assert_cmpint (cJSON_GetObjectItem (json, "exit_code")->valueint, ==, rows[i].exit_code);
      g_assert_cmpstr (cJSON_GetObjectItem (json, "outcome")->valuestring, ==,
                       ota_outcome_to_string (advice->outcome));
    }
  /* cancels: before and after the point of no return */
  {
    g_autoptr (GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
    g_autoptr (OtaAdvice) before
        = ota_advice_new (cancelled, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL);
    g_autoptr (OtaAdvice) after
        = ota_advice_new (cancelled, OTA_DEVICE_STATE_NEEDS_RECOVERY, NULL, NULL);

    g_assert_cmpint (before->exit_code, ==, OTA_EXIT_CANCELLED);
    g_assert_cmpint (after->exit_code, ==, OTA_EXIT_NEEDS_RECOVERY);
    g_assert_nonnull (strstr (after->message, "updater"));
    seen[before->outcome] = TRUE;
  }
  for (OtaOutcome o = 0; o < OTA_OUTCOME_LAST; o++)
    if (!seen[o])
      g_error ("outcome %s has no row in this test", ota_outcome_to_string (o));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                                            \
  g_test_add ("/ota/flash/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("cancel/not-running", test_idle_cancel);
  ADD ("reuse/after-success-and-failure", test_reuse_after_success_and_failure);
  ADD ("cancel/safe-then-reuse", test_cancel_safe_then_reuse);
  ADD ("cancel/needs-confirmation-then-recover", test_cancel_needs_confirmation_then_recover);
  ADD ("cancel/dropped-too-late", test_cancel_dropped);
  ADD ("retry/once", test_retry);
  ADD ("retry/exhausted", test_retries_exhausted);
  ADD ("evidence/ok-without-read", test_ok_without_read);
  ADD ("evidence/back-in-updater", test_back_in_updater);
  ADD ("evidence/old-version", test_old_version_after);
#undef ADD
  g_test_add_func ("/ota/advice/table", test_advice_table);
  return g_test_run ();
}
