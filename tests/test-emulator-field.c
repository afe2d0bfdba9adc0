/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

/* The emulator's additions for the field (docs/emulator.md): the erase
 * after the total-size message, the updater's port 3333, the teardown and
 * restart of stage two, the faults for the engine's end checks, the Wi-Fi
 * face and the control on standard input. Driven by the raw test app
 * (emu-test-client.c), not by the flasher. */

#include <string.h>
#include <gio/gio.h>

#include "emu-test-client.h"
#include "ota-ctp-frame.h"
#include "ota-description.h"
#include "ota-platform.h"
#include "ota-test-emu.h"

#define FLASH_SIZE 200000 /* 5 stage-two windows */
#define OTA_SIZE 50000    /* 3 stage-one windows */
#define READY_MS 20000

/* --- an emulator with a pipe on its standard input --- */

typedef struct {
  gboolean done;
  gchar *line;
} LineData;

static void
line_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  LineData *d = user_data;

  d->line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  d->done = TRUE;
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* The READY line on @proc's stdout, waiting at most READY_MS. */
static gchar *
read_ready (GSubprocess *proc)
{
  g_autoptr (GMainContext) ctx = g_main_context_new ();
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GSource) timeout = g_timeout_source_new (READY_MS);
  gboolean timed_out = FALSE;
  gchar *ready = NULL;

  g_main_context_push_thread_default (ctx);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
  g_source_attach (timeout, ctx);
  while (ready == NULL)
    {
      LineData d = { FALSE, NULL };

      g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, cancellable, line_cb, &d);
      while (!d.done)
        {
          if (timed_out)
            g_cancellable_cancel (cancellable);
          g_main_context_iteration (ctx, TRUE);
        }
      if (d.line == NULL)
        break;
      if (g_str_has_prefix (d.line, "READY "))
        ready = d.line;
      else
        g_free (d.line);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (ctx);
  return ready;
}

/* The value of @key= in the READY line; ssid= takes the rest of the line. */
static gchar *
ready_field (const gchar *ready, const gchar *key)
{
  g_autofree gchar *needle = g_strdup_printf (" %s=", key);
  const gchar *p = strstr (ready, needle);
  const gchar *end;

  g_assert_nonnull (p);
  p += strlen (needle);
  end = g_str_equal (key, "ssid") ? p + strlen (p) : strchr (p, ' ');
  return g_strndup (p, end != NULL ? (gsize) (end - p) : strlen (p));
}

/* Starts the emulator like ota_test_emu_start() (free loopback ports,
 * --time-scale 0.02 unless @args say otherwise, --strict, a temporary
 * state dir and event log) with --control-stdin and a pipe to its stdin. */
static OtaTestEmu *
start_controlled (const gchar *const *args, gchar **out_ready)
{
  g_autoptr (OtaTestEmu) emu = g_new0 (OtaTestEmu, 1);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ready = NULL;
  g_autofree gchar *port = NULL;
  const gchar *exe = g_getenv ("OTA_TEST_EMU");

  g_assert_nonnull (exe);
  emu->state_dir = g_dir_make_tmp ("otaflash-emu-XXXXXX", &error);
  g_assert_no_error (error);
  emu->owns_state_dir = TRUE;
  emu->events_path = g_build_filename (emu->state_dir, "events.jsonl", NULL);
  g_ptr_array_add (argv, g_strdup (exe));
  g_ptr_array_add (argv, g_strdup ("--host=127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("--ctp-port=0"));
  g_ptr_array_add (argv, g_strdup ("--http-port=0"));
  g_ptr_array_add (argv, g_strdup ("--ota-port=0"));
  g_ptr_array_add (argv, g_strdup ("--time-scale=0.02"));
  g_ptr_array_add (argv, g_strdup ("--strict"));
  g_ptr_array_add (argv, g_strdup ("--control-stdin"));
  g_ptr_array_add (argv, g_strdup_printf ("--state-dir=%s", emu->state_dir));
  g_ptr_array_add (argv, g_strdup_printf ("--events=%s", emu->events_path));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  emu->proc = g_subprocess_newv ((const gchar *const *) argv->pdata,
                                 G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                     | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                 &error);
  g_assert_no_error (error);
  ready = read_ready (emu->proc);
  g_assert_nonnull (ready);
  port = ready_field (ready, "ctp");
  emu->ctp_port = (guint16) g_ascii_strtoull (port, NULL, 10);
  g_free (port);
  port = ready_field (ready, "http");
  emu->http_port = (guint16) g_ascii_strtoull (port, NULL, 10);
  g_free (port);
  port = ready_field (ready, "ota");
  emu->ota_port = (guint16) g_ascii_strtoull (port, NULL, 10);
  if (out_ready != NULL)
    *out_ready = g_steal_pointer (&ready);
  return g_steal_pointer (&emu);
}

/* Writes @text to the emulator's standard input. */
static void
control (OtaTestEmu *emu, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  GOutputStream *in = g_subprocess_get_stdin_pipe (emu->proc);

  g_assert_true (g_output_stream_write_all (in, text, strlen (text), NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_flush (in, NULL, &error));
}

/* Waits (bounded) until the process ended by itself; its exit status. */
static gint
wait_exit (OtaTestEmu *emu)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (g_subprocess_get_identifier (emu->proc) != NULL && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000); /* polling a condition: the exit, not the sleep, ends it */
  g_assert_null (g_subprocess_get_identifier (emu->proc));
  return ota_test_emu_stop (emu);
}

/* Everything the exited emulator wrote on stderr. */
static gchar *
read_stderr (OtaTestEmu *emu)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_output_stream_splice (out, g_subprocess_get_stderr_pipe (emu->proc),
                          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)),
                    g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)));
}

/* --- helpers --- */

static void
fetch_description (OtaTestEmu *emu, const gchar *ota_step, const gchar *version)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaDescription) desc = NULL;
  guint status = 0;
  g_autofree gchar *body = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* the boot event can come a moment before the port listens (seen under
   * Wine): connection refused is retried, for a bounded time */
  for (;;)
    {
      g_clear_error (&error);
      body = tc_http_get (emu->http_port, OTA_DESCRIPTION_PATH, &status, NULL, &error);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
          || g_get_monotonic_time () > deadline)
        break;
      g_usleep (50 * 1000);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  desc = ota_description_parse (body, strlen (body), &error);
  g_assert_no_error (error);
  if (ota_step != NULL)
    g_assert_cmpstr (desc->ota_step, ==, ota_step);
  if (version != NULL)
    g_assert_cmpstr (desc->firmware_version, ==, version);
}

/* One APP_ACCESS exchange with the updater's stub; the connection stays. */
static TcConn *
stub_access (OtaTestEmu *emu)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ctp = tc_connect (emu->ctp_port, &error);
  g_autoptr (OtaCtpFrame) reply = NULL;
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);

  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, access));
  reply = tc_ctp_recv_topic (ctp, OTA_CTP_TOPIC_APP_ACCESS, WAIT_MS);
  g_assert_nonnull (reply);
  return g_steal_pointer (&ctp);
}

static const cJSON *
item (const cJSON *obj, const gchar *key)
{
  return cJSON_GetObjectItemCaseSensitive (obj, key);
}

/* ---------------------------------------------------------------- */

/* After the total-size message the updater idles 5 s and then erases
 * all_size bytes at --erase-rate before its next READ, both scaled. */
static void
test_erase (void)
{
  const gdouble scale = 0.05, rate = 50000;
  const gchar *args[] = { "--start-in-loader", "--time-scale=0.05", "--erase-rate=50000", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 21, "6.0.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ota = NULL;
  g_autoptr (cJSON) erase = NULL;
  gint64 t_total = 0, t_next = 0;
  guint32 all_size = 0;
  gdouble gap, expected;
  TcStage st;

  fetch_description (emu, "1", NULL);
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  while (t_next == 0)
    {
      OtaNetHeader h;

      g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
      if (h.status == OTA_NET_STATUS_DOING && h.all_size > 0)
        {
          t_total = g_get_monotonic_time ();
          all_size = h.all_size;
        }
      else if (h.status == OTA_NET_STATUS_READ && t_total != 0)
        {
          t_next = g_get_monotonic_time ();
          g_assert_true (tc_ota_answer (ota, file, &h));
        }
      else
        {
          g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);
          g_assert_true (tc_ota_answer (ota, file, &h));
        }
    }
  gap = (gdouble) (t_next - t_total) / G_USEC_PER_SEC;
  expected = (5.0 + all_size / rate) * scale;
  g_assert_cmpfloat (gap, >=, expected - 0.01);
  g_assert_cmpfloat (gap, <, expected + 5.0); /* a loaded CI machine */

  erase = ota_test_emu_wait_event (emu, "erase", WAIT_MS);
  g_assert_nonnull (erase);
  g_assert_cmpuint ((guint) tc_json_number (erase, "bytes"), ==, all_size);
  g_assert_cmpfloat_with_epsilon (tc_json_number (erase, "seconds"), all_size / rate, 1e-6);

  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  ota_test_emu_assert_clean (emu);
}

/* --erase-rate 0: no erase event, no erase time. */
static void
test_erase_off (void)
{
  const gchar *args[] = { "--start-in-loader", "--erase-rate=0", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 22, "6.0.1", NULL);
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "erase"), ==, 0);
  ota_test_emu_assert_clean (emu);
}

/* Stage two: READ 1 received (the transfer runs), then a second CTP client
 * sends a segment. @hold: the app keeps its own CTP connection open. */
static void
run_second_ctp_client (gboolean hold)
{
  const gchar *args[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 23, "6.1.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) app_ctp = stub_access (emu);
  g_autoptr (TcConn) phone = NULL;
  g_autoptr (TcConn) ota = NULL;
  g_autoptr (cJSON) result = NULL;
  OtaNetHeader h;
  TcStage st;

  if (!hold)
    {
      g_clear_pointer (&app_ctp, tc_close);
      tc_assert_event (emu, "disconnect", 1);
    }
  fetch_description (emu, "1", NULL);
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
  g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);

  phone = tc_connect (emu->ctp_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (phone, OTA_CTP_TOPIC_APP_ACCESS,
                              "{\"op\":\"PUT\",\"param\":{\"type\":\"0\",\"ver\":\"1\"}}"));
  tc_assert_event (emu, hold ? "ctp-stub-ignored" : "ctp-corruption", 1);

  g_assert_true (tc_ota_answer (ota, file, &h));
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, hold ? OTA_NET_STATUS_OK : OTA_NET_STATUS_ERR);
  g_assert_true (st.got_total);
  tc_stage_clear (&st);

  result = ota_test_emu_wait_event (emu, "result", WAIT_MS);
  g_assert_nonnull (result);
  if (hold)
    {
      g_assert_cmpstr (tc_json_string (result, "result"), ==, "ok");
      g_assert_cmpuint (ota_test_emu_count_events (emu, "ctp-corruption"), ==, 0);
      tc_wait_boot (emu, 2, "main");
    }
  else
    {
      g_assert_cmpstr (tc_json_string (result, "result"), ==, "err");
      g_assert_nonnull (strstr (tc_json_string (result, "reason"), "verification"));
      g_assert_true (ota_test_emu_get_stage2_pending (emu));
    }
  /* The phone's bytes broke S6 either way (they cannot be told apart). */
  g_assert_cmpuint (ota_test_emu_count_violations_of (emu, "S6"), ==, 1);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 1);
}

static void
test_ctp_corrupts (void)
{
  run_second_ctp_client (FALSE);
}

static void
test_ctp_held (void)
{
  run_second_ctp_client (TRUE);
}

/* The updater serves 3335 without any CTP exchange: the description is
 * all it needs. */
static void
test_no_app_access (void)
{
  const gchar *args[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 24, "6.2.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ota = NULL;
  TcStage st;

  fetch_description (emu, "1", NULL);
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ctp-stub-in"), ==, 0);
  tc_wait_boot (emu, 2, "main");
  ota_test_emu_assert_clean (emu);
}

/* After ERR the updater tears down for ~2.5 s: a 3335 connection accepted
 * meanwhile is reset; one made after it is served. */
static void
test_teardown_reset (void)
{
  const gchar *args[]
      = { "--start-in-loader", "--time-scale=0.4", "--fault=err:stage=2,read=1", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ota = NULL;
  g_autoptr (TcConn) early = NULL;
  g_autoptr (TcConn) late = NULL;
  OtaNetHeader h;

  fetch_description (emu, "1", NULL);
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
  g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_ERR);

  /* 2.5 s x 0.4 = 1 s of teardown: this one comes well inside it. */
  early = tc_connect (emu->ota_port, &error);
  /* the reset may overtake the end of connect() itself on a busy machine */
  if (early == NULL)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  else
    g_assert_true (tc_wait_closed (early, WAIT_MS));
  g_clear_error (&error);
  tc_assert_event (emu, "ota-teardown-reset", 1);

  /* The failed connection is closed at the end of the teardown. */
  g_assert_true (tc_wait_closed (ota, WAIT_MS));
  late = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ota_recv (late, &h, NULL, WAIT_MS));
  g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ota-teardown-reset"), ==, 1);
  ota_test_emu_assert_clean (emu);
}

/* updater-restart: after the ERR the description must be fetched again
 * before 3335 starts; a client that comes first waits (and breaks S6). */
static void
test_updater_restart (void)
{
  const gchar *args[]
      = { "--start-in-loader", "--fault=err:stage=2,read=1", "--fault=updater-restart", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 25, "6.3.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ota = NULL;
  g_autoptr (TcConn) again = NULL;
  g_autofree gchar *version = NULL;
  OtaNetHeader h;
  TcStage st;

  fetch_description (emu, "1", NULL);
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
  g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_ERR);
  g_assert_true (tc_wait_closed (ota, WAIT_MS));
  tc_assert_event (emu, "updater-restart", 1);

  again = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  tc_assert_event (emu, "ota-waiting", 1);
  g_assert_true (tc_quiet (again, 300));
  g_assert_cmpuint (ota_test_emu_count_events (emu, "read"), ==, 0);

  fetch_description (emu, "1", NULL);
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (again, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  tc_wait_boot (emu, 2, "main");
  version = ota_test_emu_get_installed_version (emu);
  g_assert_cmpstr (version, ==, "6.3.0");
  g_assert_cmpuint (ota_test_emu_count_violations_of (emu, "S6"), ==, 1);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 1);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 1);
}

/* stay-in-updater and keep-old-version: stage two says OK, then the
 * device comes back in the updater, or in its old firmware. */
static void
run_after_ok_fault (const gchar *fault, const gchar *mode, const gchar *ota_step)
{
  g_autofree gchar *arg = g_strdup_printf ("--fault=%s", fault);
  const gchar *args[] = { "--start-in-loader", arg, NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 26, "7.0.0", NULL);
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  tc_wait_boot (emu, 2, mode);
  fetch_description (emu, ota_step, "1.0.0");
  ota_test_emu_assert_installed (emu, "1.0.0", g_str_equal (ota_step, "1"));
  ota_test_emu_assert_clean (emu);
}

static void
test_stay_in_updater (void)
{
  run_after_ok_fault ("stay-in-updater", "loader", "1");
}

static void
test_keep_old_version (void)
{
  run_after_ok_fault ("keep-old-version", "main", "0");
}

/* ok-without-read: the first thing on 3335 is OK; nothing changes. */
static void
test_ok_without_read (void)
{
  const gchar *args[] = { "--fault=ok-without-read:stage=1", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 27, "7.1.0", NULL);
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  g_assert_cmpuint (st.reads, ==, 0);
  g_assert_false (st.got_total);
  g_assert_true (st.closed_after);
  tc_stage_clear (&st);
  tc_assert_event (emu, "result", 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "read"), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "reboot"), ==, 0);
  ota_test_emu_assert_installed (emu, "1.0.0", FALSE);
  ota_test_emu_assert_clean (emu);
}

/* READY carries the SSID; every boot logs wifi up, every reboot wifi down;
 * --updater-wifi open shows WIFI_OTA_... in the updater. */
static void
run_wifi_face (gboolean open)
{
  const gchar *args[] = { "--ssid=Cam Lab 7", open ? "--updater-wifi=open" : NULL, NULL };
  g_autofree gchar *ready = NULL;
  g_autoptr (OtaTestEmu) emu = start_controlled (args, &ready);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 28, "7.2.0", NULL);
  g_autoptr (cJSON) wifi = NULL;
  g_autofree gchar *ssid = ready_field (ready, "ssid");
  const gchar *updater_ssid;
  const gchar *expected[][3] = { { "up", "Cam Lab 7", "false" },
                                 { "down", "Cam Lab 7", NULL },
                                 { "up", NULL, NULL },
                                 { "down", NULL, NULL },
                                 { "up", "Cam Lab 7", "false" } };
  TcStage st;

  g_assert_true (g_str_has_prefix (ready, "READY ctp="));
  g_assert_cmpstr (ssid, ==, "Cam Lab 7");

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  tc_wait_boot (emu, 2, "loader");
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  tc_wait_boot (emu, 3, "main");
  tc_assert_event (emu, "wifi", 5);

  wifi = ota_test_emu_get_events (emu, "wifi");
  g_assert_cmpint (cJSON_GetArraySize (wifi), ==, 5);
  updater_ssid = item (cJSON_GetArrayItem (wifi, 2), "ssid")->valuestring;
  if (open)
    {
      g_assert_true (g_str_has_prefix (updater_ssid, "WIFI_OTA_"));
      g_assert_cmpuint (strlen (updater_ssid), ==, 15);
      g_assert_true (cJSON_IsTrue (item (cJSON_GetArrayItem (wifi, 2), "open")));
    }
  else
    {
      g_assert_cmpstr (updater_ssid, ==, "Cam Lab 7");
      g_assert_true (cJSON_IsFalse (item (cJSON_GetArrayItem (wifi, 2), "open")));
    }
  for (gint i = 0; i < 5; i++)
    {
      const cJSON *ev = cJSON_GetArrayItem (wifi, i);

      g_assert_cmpstr (item (ev, "state")->valuestring, ==, expected[i][0]);
      g_assert_cmpstr (item (ev, "ssid")->valuestring, ==,
                       expected[i][1] != NULL ? expected[i][1] : updater_ssid);
      if (g_str_equal (expected[i][0], "up"))
        g_assert_true (cJSON_IsBool (item (ev, "open")));
    }
  control (emu, "quit\n");
  g_assert_cmpint (wait_exit (emu), ==, 0);
}

static void
test_wifi_keep (void)
{
  run_wifi_face (FALSE);
}

static void
test_wifi_open (void)
{
  run_wifi_face (TRUE);
}

/* The default SSID, and a power cut in stage two: the updater comes back
 * with the open WIFI_OTA_ network whatever --updater-wifi says. */
static void
test_wifi_power_loss (void)
{
  const gchar *args[] = { "--fault=power-loss:read=2", NULL };
  g_autofree gchar *ready = NULL;
  g_autoptr (OtaTestEmu) emu = start_controlled (args, &ready);
  g_autoptr (OtaTestEmu) again = NULL;
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 29, "7.3.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (cJSON) up = NULL;
  g_autoptr (cJSON) down = NULL;
  g_autofree gchar *ssid = ready_field (ready, "ssid");
  g_autofree gchar *state_ssid = ota_test_emu_get_ssid (emu);
  g_autofree gchar *uuid_hex = NULL;
  TcStage st;

  /* wifi_camera_ + the last 6 hex digits of the uuid */
  g_assert_true (g_str_has_prefix (ssid, "wifi_camera_"));
  g_assert_cmpuint (strlen (ssid), ==, 18);
  g_assert_cmpstr (ssid, ==, state_ssid);

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  tc_stage_clear (&st);
  tc_wait_boot (emu, 2, "loader");
  tc_stage_init (&st);
  g_assert_false (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  tc_stage_clear (&st);
  g_assert_cmpint (wait_exit (emu), ==, 0);
  /* the power went: the network with it */
  down = ota_test_emu_get_events (emu, "wifi");
  g_assert_cmpstr (
      item (cJSON_GetArrayItem (down, cJSON_GetArraySize (down) - 1), "state")->valuestring, ==,
      "down");

  again = ota_test_emu_restart (emu, (const gchar *const[]){ "--updater-wifi=keep", NULL }, &error);
  g_assert_no_error (error);
  up = ota_test_emu_wait_event (again, "wifi", WAIT_MS);
  g_assert_nonnull (up);
  g_assert_cmpstr (tc_json_string (up, "state"), ==, "up");
  g_assert_true (g_str_has_prefix (tc_json_string (up, "ssid"), "WIFI_OTA_"));
  uuid_hex = g_strdup (tc_json_string (up, "ssid") + strlen ("WIFI_OTA_"));
  g_assert_true (g_str_has_suffix (ssid, uuid_hex));
  g_assert_true (cJSON_IsTrue (item (up, "open")));
  ota_test_emu_assert_clean (again);
}

/* quit, or the end of the input: the same clean stop as SIGTERM, with the
 * summary and the --strict exit status. */
static void
run_stdin_stop (const gchar *how, gboolean violation)
{
  const gchar *args[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = start_controlled (args, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *err = NULL;
  g_autofree gchar *summary = NULL;

  if (violation)
    {
      /* 3335 before the description: S6 */
      g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);

      g_assert_no_error (error);
      g_assert_true (tc_wait_closed (ota, WAIT_MS));
      tc_assert_event (emu, "violation", 1);
    }
  if (how != NULL)
    control (emu, how);
  else
    g_assert_true (g_output_stream_close (g_subprocess_get_stdin_pipe (emu->proc), NULL, NULL));
  g_assert_cmpint (wait_exit (emu), ==, violation ? 1 : 0);
  err = read_stderr (emu);
  summary = g_strdup_printf ("violations=%u\n", violation ? 1 : 0);
  g_assert_nonnull (strstr (err, summary));
  tc_assert_event (emu, "shutdown", 1);
  tc_assert_event (emu, "control", 1);
}

static void
test_stdin_quit (void)
{
  run_stdin_stop ("quit\n", FALSE);
}

static void
test_stdin_eof (void)
{
  run_stdin_stop (NULL, FALSE);
}

static void
test_stdin_quit_strict (void)
{
  run_stdin_stop ("joined\nquit\n", TRUE);
}

static gboolean
refused (OtaTestEmu *emu, guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) c = tc_connect (port, &error);

  /* accepted and reset at once, or not accepted at all */
  return c == NULL || tc_wait_closed (c, WAIT_MS);
}

/* --wifi-gate: nothing gets through until "joined" came since this boot;
 * "left" closes it again; every boot closes it. */
static void
test_wifi_gate (void)
{
  const gchar *args[] = { "--wifi-gate", NULL };
  g_autoptr (OtaTestEmu) emu = start_controlled (args, NULL);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 30, "7.4.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (cJSON) gates = NULL;
  TcStage st;

  g_assert_true (refused (emu, emu->http_port));
  g_assert_true (refused (emu, emu->ctp_port));
  tc_assert_event (emu, "wifi-gate", 3);

  control (emu, "joined\n");
  {
    g_autoptr (cJSON) open = NULL;

    /* the 4th gate event: closed at boot, 2 refusals, then open */
    open = ota_test_emu_wait_event_nth (emu, "wifi-gate", 4, WAIT_MS);
    g_assert_nonnull (open);
    g_assert_cmpstr (tc_json_string (open, "state"), ==, "open");
  }
  fetch_description (emu, "0", "1.0.0");

  control (emu, "left\n");
  tc_assert_event (emu, "wifi-gate", 5);
  g_assert_true (refused (emu, emu->http_port));

  control (emu, "joined\n");
  tc_assert_event (emu, "wifi-gate", 7);
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);

  /* the restart closed the gate: the harness must rejoin */
  tc_wait_boot (emu, 2, "loader");
  g_assert_true (refused (emu, emu->http_port));
  gates = ota_test_emu_get_events (emu, "wifi-gate");
  control (emu, "joined\n");
  {
    gint n = cJSON_GetArraySize (gates);
    g_autoptr (cJSON) open = ota_test_emu_wait_event_nth (emu, "wifi-gate", (guint) n + 1, WAIT_MS);

    g_assert_nonnull (open);
    g_assert_cmpstr (tc_json_string (open, "state"), ==, "open");
  }
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  control (emu, "quit\n");
  g_assert_cmpint (wait_exit (emu), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
}

/* --wifi-gate needs --control-stdin; --updater-wifi knows keep and open. */
static void
test_bad_options (void)
{
  const gchar *exe = g_getenv ("OTA_TEST_EMU");
  const gchar *const bad[][3] = { { "--wifi-gate", NULL, NULL },
                                  { "--updater-wifi=closed", NULL, NULL },
                                  { "--erase-rate=-1", NULL, NULL },
                                  { "--ssid=", NULL, NULL } };

  g_assert_nonnull (exe);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const gchar *argv[]
          = { exe, "--ctp-port=0", "--http-port=0", "--ota-port=0", bad[i][0], NULL };
      g_autoptr (GError) error = NULL;
      g_autoptr (GSubprocess) proc = NULL;

      /* GSubprocess: the exit status the same way on Linux and Windows */
      proc = g_subprocess_newv (
          argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
      g_assert_no_error (error);
      g_subprocess_wait (proc, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (proc));
      g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emu/field/erase/gap", test_erase);
  g_test_add_func ("/emu/field/erase/off", test_erase_off);
  g_test_add_func ("/emu/field/ctp/second-client-corrupts", test_ctp_corrupts);
  g_test_add_func ("/emu/field/ctp/held-port-keeps-out", test_ctp_held);
  g_test_add_func ("/emu/field/ctp/no-app-access-needed", test_no_app_access);
  g_test_add_func ("/emu/field/retry/teardown-reset", test_teardown_reset);
  g_test_add_func ("/emu/field/retry/updater-restart", test_updater_restart);
  g_test_add_func ("/emu/field/fault/stay-in-updater", test_stay_in_updater);
  g_test_add_func ("/emu/field/fault/keep-old-version", test_keep_old_version);
  g_test_add_func ("/emu/field/fault/ok-without-read", test_ok_without_read);
  g_test_add_func ("/emu/field/wifi/keep", test_wifi_keep);
  g_test_add_func ("/emu/field/wifi/open", test_wifi_open);
  g_test_add_func ("/emu/field/wifi/power-loss", test_wifi_power_loss);
  g_test_add_func ("/emu/field/stdin/quit", test_stdin_quit);
  g_test_add_func ("/emu/field/stdin/eof", test_stdin_eof);
  g_test_add_func ("/emu/field/stdin/quit-strict", test_stdin_quit_strict);
  g_test_add_func ("/emu/field/stdin/wifi-gate", test_wifi_gate);
  g_test_add_func ("/emu/field/options", test_bad_options);

  return g_test_run ();
}
