/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

/* The emulator's injected faults (each seen in the event log, with its
 * effect on the wire) and its safety checks (each violation provoked on
 * purpose by a misbehaving raw app, and --strict turning it into exit
 * status 1). */

#include <string.h>
#include <gio/gio.h>

#include "emu-test-client.h"
#include "ota-ctp-frame.h"
#include "ota-description.h"
#include "ota-error.h"
#include "ota-test-emu.h"

#define FLASH_SIZE 120000
#define OTA_SIZE 30000

/* The first "fault" event, checked against @name and @read (0: none). */
static void
check_fault_event (OtaTestEmu *emu, const gchar *name, guint read)
{
  g_autoptr (cJSON) ev = ota_test_emu_wait_event (emu, "fault", WAIT_MS);

  g_assert_nonnull (ev);
  g_assert_cmpstr (tc_json_string (ev, "name"), ==, name);
  if (read > 0)
    g_assert_cmpuint ((guint) tc_json_number (ev, "read"), ==, read);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "fault"), ==, 1);
}

static cJSON *
wait_result (OtaTestEmu *emu, const gchar *expected)
{
  cJSON *ev = ota_test_emu_wait_event (emu, "result", WAIT_MS);

  g_assert_nonnull (ev);
  g_assert_cmpstr (tc_json_string (ev, "result"), ==, expected);
  return ev;
}

/* NET_OTA_SINGLE, then a connection to 3335; *@ctp keeps the CTP session. */
static TcConn *
open_stage_one (OtaTestEmu *emu, TcConn **ctp)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *status = tc_ctp_open_ota (emu->ctp_port, ctp, &error);
  TcConn *ota;

  g_assert_no_error (error);
  g_assert_cmpstr (status, ==, "1");
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  return ota;
}

/* Stub CTP, stub HTTP, then 3335 of the loader. */
static TcConn *
open_stage_two (OtaTestEmu *emu, TcConn **ctp)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);
  g_autofree gchar *body = NULL;
  g_autoptr (OtaCtpFrame) reply = NULL;
  guint status = 0;
  TcConn *ota;

  *ctp = tc_connect (emu->ctp_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (*ctp, OTA_CTP_TOPIC_APP_ACCESS, access));
  reply = tc_ctp_recv (*ctp, WAIT_MS);
  g_assert_nonnull (reply);
  body = tc_http_get (emu->http_port, OTA_DESCRIPTION_PATH, &status, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  ota = tc_connect (emu->ota_port, &error);
  g_assert_no_error (error);
  return ota;
}

/* Receives the next device header with a good sum and @status. */
static void
expect_header (TcConn *ota, guint8 status, OtaNetHeader *h)
{
  guint8 raw[OTA_NET_HEADER_SIZE];

  g_assert_true (tc_ota_recv (ota, h, raw, WAIT_MS));
  g_assert_true (ota_net_frame_sum_ok (raw, sizeof raw));
  g_assert_cmpuint (h->status, ==, status);
}

/* Answers READ 1 and receives the total-size message. */
static void
pass_probe (TcConn *ota, GBytes *file, OtaNetHeader *total)
{
  OtaNetHeader h;

  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_true (tc_ota_answer (ota, file, &h));
  expect_header (ota, OTA_NET_STATUS_DOING, total);
  g_assert_cmpuint (total->all_size, >, 0);
}

/* ---------------------------------------------------------------- faults */

static void
test_fault_drop (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=drop:stage=1,read=2", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  g_autoptr (cJSON) result = NULL;
  OtaNetHeader total;

  pass_probe (ota, file, &total);
  /* Instead of READ 2 the device closes the connection. */
  g_assert_true (tc_wait_closed (ota, WAIT_MS));
  check_fault_event (emu, "drop", 2);
  result = wait_result (emu, "dropped");
  g_assert_true (cJSON_IsTrue (cJSON_GetObjectItem (result, "committed")));
  /* After the total size: the device is left in the loader. */
  g_assert_true (ota_test_emu_get_stage2_pending (emu));
  tc_wait_boot (emu, 2, "loader");
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_stall (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=stall:read=1", NULL });
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);

  /* Nothing comes, and the connection stays open: far past the 1 s answer
   * timeout the device would otherwise apply. */
  g_assert_true (tc_quiet (ota, 1500));
  check_fault_event (emu, "stall", 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "read"), ==, 0);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "result"), ==, 0);
  g_clear_pointer (&ota, tc_close);
  {
    g_autoptr (cJSON) result = wait_result (emu, "dropped");

    g_assert_false (cJSON_IsTrue (cJSON_GetObjectItem (result, "committed")));
  }
  g_assert_false (ota_test_emu_get_stage2_pending (emu));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_bad_sum (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=bad-sum:read=1", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  guint8 raw[OTA_NET_HEADER_SIZE];
  OtaNetHeader h;
  TcStage st;

  g_assert_true (tc_ota_recv (ota, &h, raw, WAIT_MS));
  g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);
  g_assert_false (ota_net_frame_sum_ok (raw, sizeof raw));
  /* Ignored like the vendor client does: the device times out. */
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_ERR);
  g_assert_cmpuint (st.reads, ==, 0);
  tc_stage_clear (&st);
  check_fault_event (emu, "bad-sum", 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "timeout"), ==, 1);
  cJSON_Delete (wait_result (emu, "err"));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
run_fault_err (guint read, gboolean committed)
{
  g_autofree gchar *spec = g_strdup_printf ("--fault=err:stage=1,read=%u", read);
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ spec, NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  g_autoptr (cJSON) result = NULL;
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_ERR);
  g_assert_cmpint (st.got_total, ==, committed);
  g_assert_cmpuint (st.reads, ==, read - 1);
  g_assert_true (st.closed_after);
  tc_stage_clear (&st);
  check_fault_event (emu, "err", read);
  result = wait_result (emu, "err");
  g_assert_cmpint (cJSON_IsTrue (cJSON_GetObjectItem (result, "committed")), ==, committed);
  g_assert_cmpint (ota_test_emu_get_stage2_pending (emu), ==, committed);
  if (committed)
    tc_wait_boot (emu, 2, "loader");
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_err_before_total (void)
{
  run_fault_err (1, FALSE);
}

static void
test_fault_err_after_total (void)
{
  run_fault_err (2, TRUE);
}

static void
test_fault_refuse_ota (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--fault=refuse-ota", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ctp = NULL;
  g_autofree gchar *status = tc_ctp_open_ota (emu->ctp_port, &ctp, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (status, ==, "0");
  g_assert_true (tc_port_refused (emu->ota_port));
  check_fault_event (emu, "refuse-ota", 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_busy (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--fault=busy", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ctp = tc_connect (emu->ctp_port, &error);
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);
  g_autoptr (OtaCtpFrame) frame = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;

  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, access));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_APP_ACCESS);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msg->err_no, ==, OTA_CTP_ERRNO_ACCESS_REFUSED);
  g_assert_true (tc_wait_closed (ctp, WAIT_MS));
  check_fault_event (emu, "busy", 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_description (void)
{
  const gchar *faults[] = { "--fault=dual-backup", "--fault=desc-malformed",
                            "--fault=desc-no-ota-type", "--fault=http-404" };

  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ faults[i], NULL });
      g_autoptr (GError) error = NULL;
      g_autoptr (OtaDescription) desc = NULL;
      guint status = 0;
      g_autofree gchar *body
          = tc_http_get (emu->http_port, OTA_DESCRIPTION_PATH, &status, NULL, &error);
      g_autofree gchar *again = NULL;

      g_assert_no_error (error);
      if (i == 3)
        g_assert_cmpuint (status, ==, 404);
      else
        {
          g_assert_cmpuint (status, ==, 200);
          desc = ota_description_parse (body, strlen (body), &error);
        }
      switch (i)
        {
        case 0:
          g_assert_no_error (error);
          g_assert_cmpstr (desc->ota_type, ==, "0");
          g_assert_false (ota_description_is_single_backup (desc));
          break;
        case 1:
          g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
          break;
        case 2:
          g_assert_no_error (error);
          g_assert_null (desc->ota_type);
          g_assert_cmpstr (desc->ota_step, ==, "0");
          break;
        default:
          break;
        }
      check_fault_event (emu, faults[i] + strlen ("--fault="), 0);
      /* times=1 by default: the next fetch is normal. */
      g_clear_pointer (&desc, ota_description_free);
      g_clear_error (&error);
      again = tc_http_get (emu->http_port, OTA_DESCRIPTION_PATH, &status, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (status, ==, 200);
      desc = ota_description_parse (again, strlen (again), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (desc->ota_type, ==, "1");
      g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
    }
}

static void
test_fault_no_reboot (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--fault=no-reboot", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (cJSON) reboot = NULL;
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  reboot = ota_test_emu_wait_event (emu, "reboot", WAIT_MS);
  g_assert_nonnull (reboot);
  g_assert_false (cJSON_IsTrue (cJSON_GetObjectItem (reboot, "comes_back")));
  check_fault_event (emu, "no-reboot", 0);
  /* A normal reboot takes 3 s * 0.02; this one never ends. */
  g_assert_null (ota_test_emu_wait_event_nth (emu, "boot", 2, 500));
  g_assert_true (tc_port_refused (emu->ctp_port));
  g_assert_true (tc_port_refused (emu->http_port));
  g_assert_true (tc_port_refused (emu->ota_port));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_late_reboot (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=late-reboot:secs=25", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (cJSON) reboot = NULL;
  g_autoptr (cJSON) boot = NULL;
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  tc_stage_clear (&st);
  reboot = ota_test_emu_wait_event (emu, "reboot", WAIT_MS);
  g_assert_nonnull (reboot);
  g_assert_cmpfloat_with_epsilon (tc_json_number (reboot, "down_s"), 0.5, 1e-6);
  boot = ota_test_emu_wait_event_nth (emu, "boot", 2, WAIT_MS);
  g_assert_nonnull (boot);
  g_assert_cmpfloat (tc_json_number (boot, "t") - tc_json_number (reboot, "t"), >=, 0.49);
  check_fault_event (emu, "late-reboot", 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_slow_erase (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){
      "--start-in-loader", "--fault=slow-erase:stage=2,read=3,secs=25", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (cJSON) answer2 = NULL;
  g_autoptr (cJSON) read3 = NULL;
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  answer2 = ota_test_emu_wait_event_nth (emu, "answer", 2, WAIT_MS);
  read3 = ota_test_emu_wait_event_nth (emu, "read", 3, WAIT_MS);
  g_assert_cmpuint ((guint) tc_json_number (read3, "read"), ==, 3);
  /* 25 device seconds at 0.02: half a second between answer 2 and READ 3. */
  g_assert_cmpfloat (tc_json_number (read3, "t") - tc_json_number (answer2, "t"), >=, 0.49);
  check_fault_event (emu, "slow-erase", 3);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_read_beyond_eof (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=read-beyond-eof:read=2", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  OtaNetHeader total, h;
  guint32 len = 0;

  pass_probe (ota, file, &total);
  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_cmpuint (h.seek_addr, >=, g_bytes_get_size (file));
  g_assert_false (ota_net_read_request_check (&h, g_bytes_get_size (file), &len, NULL));
  /* The app refuses to answer; the device gives up after its timeout. */
  expect_header (ota, OTA_NET_STATUS_ERR, &h);
  check_fault_event (emu, "read-beyond-eof", 2);
  cJSON_Delete (wait_result (emu, "err"));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_read_too_large (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=read-too-large:read=1", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  g_autofree guint8 *frame = NULL;
  OtaNetHeader h;
  TcStage st;

  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_cmpuint (h.read_size, >, OTA_NET_MAX_READ);
  g_assert_false (ota_net_read_request_check (&h, g_bytes_get_size (file), NULL, NULL));
  /* An app that serves it anyway (the bytes are in the file)... */
  frame = g_malloc (OTA_NET_HEADER_SIZE + h.read_size);
  memcpy (frame + OTA_NET_HEADER_SIZE, g_bytes_get_data (file, NULL), h.read_size);
  g_assert_true (tc_send (ota, frame, ota_net_answer_build (&h, frame, h.read_size)));
  /* ...gets the real request next, and the stage goes on. */
  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_cmpuint (h.seek_addr, ==, 0);
  g_assert_cmpuint (h.read_size, ==, OTA_NET_STAGE1_WINDOW);
  g_assert_true (tc_ota_answer (ota, file, &h));
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  check_fault_event (emu, "read-too-large", 1);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_fault_garbage (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--fault=garbage:read=1", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  TcStage st;

  /* 20 random bytes: the app skips them (bad sum) and the device times out. */
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, 0, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_ERR);
  g_assert_cmpuint (st.reads, ==, 0);
  tc_stage_clear (&st);
  check_fault_event (emu, "garbage", 1);
  cJSON_Delete (wait_result (emu, "err"));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_ota_listen_at_boot (void)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--ota-listen-at-boot", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);
  OtaNetHeader h;

  g_assert_no_error (error);
  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_cmpuint (h.seek_addr, ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

/* ------------------------------------------------------------ violations */

/* Stops the emulator: --strict makes any violation exit status 1. */
static void
check_violation (OtaTestEmu *emu, const gchar *rule)
{
  g_autoptr (cJSON) v = ota_test_emu_wait_event (emu, "violation", WAIT_MS);

  g_assert_nonnull (v);
  g_assert_cmpstr (tc_json_string (v, "rule"), ==, rule);
  g_assert_nonnull (cJSON_GetObjectItem (v, "detail"));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 1);
  g_assert_cmpuint (ota_test_emu_count_violations_of (emu, rule), >=, 1);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==,
                    ota_test_emu_count_violations_of (emu, rule));
}

/* A 500 ms link latency leaves the device between READs for 1 s after
 * each answer: what the app sends then is unsolicited. */
static void
run_between_reads (const gchar *rule)
{
  g_autoptr (OtaTestEmu) emu
      = tc_start_emu ((const gchar *const[]){ "--link-latency-ms=300", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  g_autoptr (cJSON) answer = NULL;
  OtaNetHeader h;

  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_true (tc_ota_answer (ota, file, &h));
  answer = ota_test_emu_wait_event (emu, "answer", WAIT_MS);
  g_assert_nonnull (answer);
  if (g_str_equal (rule, "S3"))
    g_assert_true (tc_ota_send_stop (ota, h.download_percent));
  else
    g_assert_true (tc_ota_answer (ota, file, &h)); /* the same answer again */
  check_violation (emu, rule);
}

static void
test_violation_s1 (void)
{
  run_between_reads ("S1");
}

static void
test_violation_s3 (void)
{
  run_between_reads ("S3");
}

static void
test_violation_s2 (void)
{
  /* Time scale 0.2: the idle pause after the total size lasts 1 s. */
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--time-scale=0.2", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  const guint8 junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  OtaNetHeader total;

  pass_probe (ota, file, &total);
  /* Right after the total-size message, during the device's idle time. */
  g_assert_true (tc_send (ota, junk, sizeof junk));
  check_violation (emu, "S2");
}

/* An answer to READ 1 with one thing wrong; the device ignores it, counts
 * it, and fails the stage after its answer timeout. */
static void
run_bad_answer (const gchar *what)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu (NULL);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 1, "1.1.0", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_one (emu, &ctp);
  g_autofree guint8 *frame = NULL;
  guint32 len = 0, extra = 0;
  OtaNetHeader h, a;
  gsize n;

  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_true (ota_net_read_request_check (&h, g_bytes_get_size (file), &len, NULL));
  if (g_str_equal (what, "too-many"))
    extra = 16;
  frame = g_malloc (OTA_NET_HEADER_SIZE + len + extra);
  memcpy (frame + OTA_NET_HEADER_SIZE, g_bytes_get_data (file, NULL), len + extra);
  n = ota_net_answer_build (&h, frame, len);
  ota_net_header_decode (frame, &a);
  if (g_str_equal (what, "sum"))
    a.sum_check ^= 1;
  else
    {
      if (g_str_equal (what, "all-size"))
        a.all_size = 1;
      else if (g_str_equal (what, "seek"))
        a.seek_addr += 1;
      else if (g_str_equal (what, "too-many"))
        a.read_size += extra;
      a.sum_check
          = ota_net_header_sum (&a) + ota_net_sum (0, frame + OTA_NET_HEADER_SIZE, a.read_size);
    }
  ota_net_header_encode (&a, frame);
  g_assert_true (tc_send (ota, frame, n + extra));
  expect_header (ota, OTA_NET_STATUS_ERR, &a);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "timeout"), ==, 1);
  check_violation (emu, "S4");
}

static void
test_violation_s4_sum (void)
{
  run_bad_answer ("sum");
}

static void
test_violation_s4_all_size (void)
{
  run_bad_answer ("all-size");
}

static void
test_violation_s4_too_many (void)
{
  run_bad_answer ("too-many");
}

static void
test_violation_s4_seek (void)
{
  run_bad_answer ("seek");
}

static void
test_violation_s6_ctp_during_transfer (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--start-in-loader", NULL });
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = open_stage_two (emu, &ctp);
  OtaNetHeader h;

  expect_header (ota, OTA_NET_STATUS_READ, &h);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  check_violation (emu, "S6");
}

static void
test_violation_s6_before_description (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--start-in-loader", NULL });
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);

  g_assert_no_error (error);
  /* Refused: closed without a READ. */
  g_assert_true (tc_wait_closed (ota, WAIT_MS));
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ota-refused"), ==, 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "read"), ==, 0);
  check_violation (emu, "S6");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emu/fault/drop", test_fault_drop);
  g_test_add_func ("/emu/fault/stall", test_fault_stall);
  g_test_add_func ("/emu/fault/bad-sum", test_fault_bad_sum);
  g_test_add_func ("/emu/fault/err-before-total", test_fault_err_before_total);
  g_test_add_func ("/emu/fault/err-after-total", test_fault_err_after_total);
  g_test_add_func ("/emu/fault/refuse-ota", test_fault_refuse_ota);
  g_test_add_func ("/emu/fault/busy", test_fault_busy);
  g_test_add_func ("/emu/fault/description", test_fault_description);
  g_test_add_func ("/emu/fault/no-reboot", test_fault_no_reboot);
  g_test_add_func ("/emu/fault/late-reboot", test_fault_late_reboot);
  g_test_add_func ("/emu/fault/slow-erase", test_fault_slow_erase);
  g_test_add_func ("/emu/fault/read-beyond-eof", test_fault_read_beyond_eof);
  g_test_add_func ("/emu/fault/read-too-large", test_fault_read_too_large);
  g_test_add_func ("/emu/fault/garbage", test_fault_garbage);
  g_test_add_func ("/emu/ota-listen-at-boot", test_ota_listen_at_boot);
  g_test_add_func ("/emu/violation/s1-unsolicited", test_violation_s1);
  g_test_add_func ("/emu/violation/s2-after-total-size", test_violation_s2);
  g_test_add_func ("/emu/violation/s3-stop-not-an-answer", test_violation_s3);
  g_test_add_func ("/emu/violation/s4-wrong-sum", test_violation_s4_sum);
  g_test_add_func ("/emu/violation/s4-all-size", test_violation_s4_all_size);
  g_test_add_func ("/emu/violation/s4-too-many-bytes", test_violation_s4_too_many);
  g_test_add_func ("/emu/violation/s4-seek", test_violation_s4_seek);
  g_test_add_func ("/emu/violation/s6-ctp-during-transfer", test_violation_s6_ctp_during_transfer);
  g_test_add_func ("/emu/violation/s6-before-description", test_violation_s6_before_description);

  return g_test_run ();
}
