/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestHistoryRecorder"

/* OtaHistoryRecorder on a real flash (OtaFlash in-process against the
 * emulator): the record is complete, its log small, and the database is
 * written three times per flash — never during the transfer, whatever the
 * number of READs (the measurement the history's performance rests on). */

#include <gio/gio.h>
#include <string.h>

#include "ota-advice.h"
#include "ota-error.h"
#include "ota-flash.h"
#include "ota-history-recorder.h"
#include "ota-test-emu.h"

#define RUN_TIMEOUT_S 120

typedef struct {
  gchar *dir;
  OtaTestEmu *emu;
  OtaFirmware *firmware;
  OtaUfw *ufw;
  OtaFlash *engine;
  OtaHistory *history;
  GMainLoop *loop;
  gboolean done;
  /* the database's writes when the first data moved and at the last stage's end */
  gint writes_at_first_progress;
  gint writes_at_last_stage_end;
  guint progress_events;
} Fixture;

static void
event_cb (OtaFlash *engine, const OtaEvent *ev, Fixture *f)
{
  if (ev->kind == OTA_EVENT_PROGRESS)
    {
      f->progress_events++;
      if (f->writes_at_first_progress < 0)
        f->writes_at_first_progress = (gint) ota_history_get_n_writes (f->history);
    }
  if (ev->kind == OTA_EVENT_STAGE && ev->state == OTA_STAGE_STATE_END && ev->stage == 2)
    f->writes_at_last_stage_end = (gint) ota_history_get_n_writes (f->history);
}

static void
done_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  Fixture *f = data;

  ota_flash_run_finish (OTA_FLASH (source), res, NULL);
  f->done = TRUE;
  g_main_loop_quit (f->loop);
}

static gboolean
timeout_cb (gpointer data)
{
  g_error ("the flash did not end within %d s", RUN_TIMEOUT_S);
  return G_SOURCE_REMOVE;
}

static void
test_writes_per_flash (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaSession) session = ota_session_new ();
  g_autoptr (OtaHistoryRecorder) recorder = NULL;
  g_autoptr (OtaAdvice) advice = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autofree gchar *path = NULL;
  g_autofree gchar *db = NULL;
  OtaHistoryQuery query = { NULL, 0, 0, TRUE };
  const OtaHistoryRecord *r;
  Fixture fx = { 0 }, *f = &fx;
  guint timeout, reads, log_lines = 0, log_progress = 0;
  gint64 t0, t_begin, t_end;

  f->writes_at_first_progress = -1;
  f->writes_at_last_stage_end = -1;
  f->dir = g_dir_make_tmp ("ota-test-history-recorder-XXXXXX", &error);
  g_assert_no_error (error);
  /* 4 MiB: some hundred READs in stage two */
  path = ota_test_make_ufw (f->dir, 4 * 1024 * 1024, 64 * 1024, 5, "1.0.2", OTA_UFW_CORRUPT_NONE,
                            &error);
  g_assert_no_error (error);
  f->firmware = ota_firmware_open (path, &error);
  g_assert_no_error (error);
  f->ufw = ota_ufw_load (f->firmware, OTA_UFW_CHECK_DEFAULT, NULL, &error);
  g_assert_no_error (error);
  f->emu = ota_test_emu_start (NULL, &error);
  g_assert_no_error (error);
  ota_session_set_host (session, "127.0.0.1");
  ota_session_set_ports (session, f->emu->ctp_port, f->emu->http_port, f->emu->ota_port);
  ota_session_set_timeout (session, 5000);
  ota_session_set_reboot_timeout (session, 30000);
  ota_session_set_poll_interval (session, 50);
  f->engine = ota_flash_new (session);
  g_signal_connect (f->engine, "event", G_CALLBACK (event_cb), f);
  f->loop = g_main_loop_new (NULL, FALSE);

  db = g_build_filename (f->dir, "history.db", NULL);
  f->history = ota_history_open (db, &error);
  g_assert_no_error (error);
  recorder = ota_history_recorder_new (f->history);
  ota_history_recorder_set_network (recorder, "wifi_camera_test", "02:00:00:00:00:01");

  t0 = g_get_monotonic_time ();
  g_assert_true (ota_history_recorder_begin (recorder, f->engine, path, f->ufw, &error));
  g_assert_no_error (error);
  t_begin = g_get_monotonic_time () - t0;
  timeout = g_timeout_add_seconds (RUN_TIMEOUT_S, timeout_cb, NULL);
  ota_flash_run_async (f->engine, f->firmware, f->ufw, NULL, done_cb, f);
  while (!f->done)
    g_main_loop_run (f->loop);
  g_source_remove (timeout);
  advice = ota_flash_dup_advice (f->engine);
  g_assert_cmpint (advice->outcome, ==, OTA_OUTCOME_SUCCESS);
  t0 = g_get_monotonic_time ();
  g_assert_true (ota_history_recorder_end (recorder, advice, &error));
  g_assert_no_error (error);
  t_end = g_get_monotonic_time () - t0;

  reads = ota_test_emu_count_events (f->emu, "read");
  /* start and device before any data moved; nothing during the transfer;
   * the end after it: three writes for some hundred READs */
  g_assert_cmpuint (reads, >, 100);
  g_assert_cmpint (f->writes_at_first_progress, ==, 2);
  g_assert_cmpint (f->writes_at_last_stage_end, ==, 2);
  g_assert_cmpuint (ota_history_get_n_writes (f->history), ==, 3);
  g_test_message ("history: %u READs, %u progress events, %u database writes; "
                  "begin %.1f ms, end %.1f ms (synchronous=FULL)",
                  reads, f->progress_events, ota_history_get_n_writes (f->history),
                  t_begin / 1000.0, t_end / 1000.0);

  records = ota_history_query (f->history, &query, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 1);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpstr (r->outcome, ==, "success");
  g_assert_cmpstr (r->version_before, ==, "1.0.0");
  g_assert_cmpstr (r->version_after, ==, "1.0.2");
  g_assert_cmpstr (r->ssid, ==, "wifi_camera_test");
  g_assert_cmpstr (r->bssid, ==, "02:00:00:00:00:01");
  g_assert_cmpstr (r->file_sha256, ==, ota_ufw_get_sha256 (f->ufw));
  g_assert_cmpint (r->file_size, ==, (gint64) ota_ufw_get_size (f->ufw));
  g_assert_nonnull (r->device_uuid);
  /* the log: small, progress at most once per 10 % of each stage */
  for (const gchar *p = r->log; (p = strchr (p, '\n')) != NULL; p++)
    log_lines++;
  for (const gchar *p = r->log; (p = strstr (p, "\"event\":\"progress\"")) != NULL; p++)
    log_progress++;
  g_test_message ("history: log of %u lines (%u progress), %" G_GSIZE_FORMAT " bytes", log_lines,
                  log_progress, strlen (r->log));
  g_assert_cmpuint (log_progress, <=, 2 * 12);
  g_assert_cmpuint (strlen (r->log), <, 32 * 1024);
  g_assert_true (g_str_has_suffix (r->log, "\n"));
  g_assert_nonnull (strstr (r->log, "\"event\":\"result\""));

  ota_test_emu_assert_clean (f->emu);
  g_clear_pointer (&f->emu, ota_test_emu_free);
  g_clear_object (&recorder);
  g_clear_object (&f->engine);
  g_clear_object (&f->history);
  g_clear_object (&f->ufw);
  g_clear_object (&f->firmware);
  g_main_loop_unref (f->loop);
  ota_test_rm_rf (f->dir);
  g_free (f->dir);
}

/* A refused file: a record without a run, ended at once. */
static void
test_refused_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *dir = g_dir_make_tmp ("ota-test-history-recorder-XXXXXX", &error);
  g_autofree gchar *db = g_build_filename (dir, "history.db", NULL);
  g_autoptr (OtaHistory) history = ota_history_open (db, &error);
  g_autoptr (OtaHistoryRecorder) recorder = ota_history_recorder_new (history);
  g_autoptr (GError) refused
      = g_error_new_literal (OTA_ERROR, OTA_ERROR_INVALID_FILE, "missing.ufw: no such file");
  g_autoptr (OtaAdvice) advice = ota_advice_new (refused, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL);
  g_autoptr (GPtrArray) records = NULL;
  OtaHistoryQuery query = { NULL, 0, 0, FALSE };
  const OtaHistoryRecord *r;

  g_assert_no_error (error);
  g_assert_true (ota_history_recorder_begin (recorder, NULL, "missing.ufw", NULL, &error));
  g_assert_true (ota_history_recorder_end (recorder, advice, &error));
  g_assert_no_error (error);
  records = ota_history_query (history, &query, &error);
  g_assert_cmpuint (records->len, ==, 1);
  r = g_ptr_array_index (records, 0);
  g_assert_cmpstr (r->outcome, ==, "invalid-file");
  g_assert_cmpint (r->exit_code, ==, 4);
  g_assert_cmpint (r->file_size, ==, -1);
  g_assert_null (r->file_sha256);
  g_assert_true (g_path_is_absolute (r->file_name));
  g_assert_null (r->log); /* not asked for */
  g_clear_object (&recorder);
  g_clear_object (&history);
  ota_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ota/history-recorder/writes-per-flash", test_writes_per_flash);
  g_test_add_func ("/ota/history-recorder/refused-file", test_refused_file);
  return g_test_run ();
}
