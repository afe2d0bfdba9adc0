/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaTest"

/* The emulator as a device: its channels, both stages, reboots, power
 * cycles, the loader's stubs and the link model, driven by a raw test app
 * (emu-test-client.c), not by the flasher. */

#include <string.h>
#include <gio/gio.h>

#include "emu-test-client.h"
#include "ota-ctp-frame.h"
#include "ota-description.h"
#include "ota-test-emu.h"
#include "ota-ufw.h"

#define FLASH_SIZE 200000 /* 5 stage-two windows */
#define OTA_SIZE 50000    /* 3 stage-one windows */

/* flash.bin / ota.bin entries of a file, as the device sees them. */
static void
file_entries (GBytes *file, OtaUfwEntry *flash, OtaUfwEntry *ota)
{
  const guint8 *data = g_bytes_get_data (file, NULL);
  OtaUfwHeader hdr;
  g_autofree OtaUfwEntry *entries = NULL;

  g_assert_true (ota_ufw_header_decode (data, &hdr, NULL));
  entries = ota_ufw_table_decode (&hdr, data + OTA_UFW_HEADER_SIZE,
                                  (gsize) hdr.entry_count * OTA_UFW_ENTRY_SIZE,
                                  g_bytes_get_size (file), NULL);
  g_assert_nonnull (entries);
  for (guint i = 0; i < hdr.entry_count; i++)
    {
      if (entries[i].type == OTA_UFW_TYPE_FLASH && flash != NULL)
        *flash = entries[i];
      if (entries[i].type == OTA_UFW_TYPE_OTA_LOADER && ota != NULL)
        *ota = entries[i];
    }
}

static OtaDescription *
get_description (OtaTestEmu *emu)
{
  g_autoptr (GError) error = NULL;
  guint status = 0;
  g_autofree gchar *body
      = tc_http_get (emu->http_port, OTA_DESCRIPTION_PATH, &status, NULL, &error);
  OtaDescription *desc;

  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  desc = ota_description_parse (body, strlen (body), &error);
  g_assert_no_error (error);
  return desc;
}

/* ---------------------------------------------------------------- */

static void
test_ready (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu (NULL);
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *version = NULL;
  g_autofree gchar *ssid = NULL;
  g_autofree gchar *headers = NULL;
  g_autofree gchar *body = NULL;
  guint status = 0;

  g_assert_cmpuint (emu->ctp_port, !=, 0);
  g_assert_cmpuint (emu->http_port, !=, 0);
  g_assert_cmpuint (emu->ota_port, !=, 0);
  g_assert_cmpuint (emu->ctp_port, !=, emu->http_port);
  g_assert_cmpuint (emu->ota_port, !=, emu->http_port);

  desc = get_description (emu);
  g_assert_cmpstr (desc->ota_type, ==, "1");
  g_assert_cmpstr (desc->ota_step, ==, "0");
  g_assert_cmpstr (desc->firmware_version, ==, "1.0.0");
  g_assert_cmpstr (desc->product_type, ==, "AC79x_wifi_camera");
  g_assert_nonnull (desc->uuid);

  body = tc_http_get (emu->http_port, "/index.html", &status, &headers, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 404);

  /* 3335 refuses connections until NET_OTA_SINGLE. */
  g_assert_true (tc_port_refused (emu->ota_port));

  version = ota_test_emu_get_installed_version (emu);
  g_assert_cmpstr (version, ==, "1.0.0");
  g_assert_false (ota_test_emu_get_stage2_pending (emu));
  ssid = ota_test_emu_get_ssid (emu);
  g_assert_true (g_str_has_prefix (ssid, "wifi_camera_"));
  g_assert_cmpuint (strlen (ssid), ==, 18);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "boot"), ==, 1);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "http-request"), ==, 2);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_help (void)
{
  const gchar *exe = g_getenv ("OTA_TEST_EMU");
  const gchar *faults[] = { "drop",
                            "stall",
                            "bad-sum",
                            "err",
                            "refuse-ota",
                            "busy",
                            "dual-backup",
                            "desc-malformed",
                            "desc-no-ota-type",
                            "http-404",
                            "no-reboot",
                            "late-reboot",
                            "power-loss",
                            "slow-erase",
                            "read-beyond-eof",
                            "read-too-large",
                            "garbage",
                            "updater-restart",
                            "stay-in-updater",
                            "keep-old-version",
                            "ok-without-read" };
  const gchar *flags[] = { "--host",
                           "--ctp-port",
                           "--http-port",
                           "--ota-port",
                           "--state-dir",
                           "--time-scale",
                           "--strict",
                           "--events",
                           "--fault",
                           "--ota-listen-at-boot",
                           "--sdk",
                           "--start-in-loader",
                           "--installed-version",
                           "--link-bandwidth",
                           "--link-latency-ms",
                           "--flash-rate",
                           "--erase-pause-ms",
                           "--erase-every",
                           "--erase-rate",
                           "--ssid",
                           "--updater-wifi",
                           "--control-stdin",
                           "--wifi-gate" };
  g_autofree gchar *out = NULL;
  gint status = -1;
  g_autoptr (GError) error = NULL;
  const gchar *argv[] = { exe, "--help", NULL };

  if (exe == NULL)
    {
      g_test_skip ("OTA_TEST_EMU not set");
      return;
    }
  g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree gchar *word = g_strdup_printf ("  %s ", faults[i]);
      g_assert_nonnull (strstr (out, word));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (flags); i++)
    g_assert_nonnull (strstr (out, flags[i]));

  {
    const gchar *bad[] = { exe, "--fault", "no-such-fault", NULL };

    g_spawn_sync (NULL, (gchar **) bad, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    /* the exit code, portably (no WIFEXITED on Windows) */
    g_assert_false (g_spawn_check_wait_status (status, &error));
    g_assert_error (error, G_SPAWN_EXIT_ERROR, 2);
  }
}

static void
test_ctp_main (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ctp = tc_connect (emu->ctp_port, &error);
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "12345", NULL);
  g_autofree gchar *single = ota_ctp_request_build ("PUT", "status", "1", NULL);
  g_autofree gchar *get = ota_ctp_request_build ("GET", "status", "1", NULL);
  g_autoptr (OtaCtpFrame) frame = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;
  guint unrelated = 0;

  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, access));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_APP_ACCESS);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (msg->op, ==, "NOTIFY");
  g_assert_cmpint (msg->err_no, ==, -1);
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "ver"), ==, "12345");
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "type"), ==, "0");
  g_clear_pointer (&msg, ota_ctp_message_free);
  g_clear_pointer (&frame, ota_ctp_frame_free);

  /* The unasked burst, then the keep-alive answer (empty content). */
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_KEEP_ALIVE, NULL));
  while ((frame = tc_ctp_recv (ctp, WAIT_MS)) != NULL
         && !g_str_equal (frame->topic, OTA_CTP_TOPIC_KEEP_ALIVE))
    {
      unrelated++;
      g_clear_pointer (&frame, ota_ctp_frame_free);
    }
  g_assert_nonnull (frame);
  g_assert_cmpuint (unrelated, >=, 5);
  g_clear_pointer (&frame, ota_ctp_frame_free);

  /* Unknown topic and NET_OTA_SINGLE GET: errno 6. */
  g_assert_true (tc_ctp_send (ctp, "NO_SUCH_TOPIC", access));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, "NO_SUCH_TOPIC");
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_cmpint (msg->err_no, ==, 6);
  g_clear_pointer (&msg, ota_ctp_message_free);
  g_clear_pointer (&frame, ota_ctp_frame_free);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_NET_OTA_SINGLE, get));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_cmpint (msg->err_no, ==, 6);
  g_clear_pointer (&msg, ota_ctp_message_free);
  g_clear_pointer (&frame, ota_ctp_frame_free);

  /* An empty frame of another topic is dropped: the next reply is the
   * keep-alive's. */
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, NULL));
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_KEEP_ALIVE);
  g_clear_pointer (&frame, ota_ctp_frame_free);

  /* NET_OTA_SINGLE twice in one write: the repeat, sent while the reply is
   * pending, gets no reply at all. */
  {
    g_autoptr (GBytes) one
        = ota_ctp_frame_encode (OTA_CTP_TOPIC_NET_OTA_SINGLE, single, strlen (single));
    g_autoptr (GByteArray) two = g_byte_array_new ();

    g_byte_array_append (two, g_bytes_get_data (one, NULL), g_bytes_get_size (one));
    g_byte_array_append (two, g_bytes_get_data (one, NULL), g_bytes_get_size (one));
    g_assert_true (tc_send (ctp, two->data, two->len));
  }
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_NET_OTA_SINGLE);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "status"), ==, "1");
  g_clear_pointer (&msg, ota_ctp_message_free);
  g_clear_pointer (&frame, ota_ctp_frame_free);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_KEEP_ALIVE);
  g_clear_pointer (&frame, ota_ctp_frame_free);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ctp-dropped"), ==, 2);

  /* 3335 now listens. */
  {
    g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);
    OtaNetHeader h;

    g_assert_no_error (error);
    g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
    g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);
    g_assert_cmpuint (h.seek_addr, ==, 0);
    g_assert_cmpuint (h.read_size, ==, OTA_NET_STAGE1_WINDOW);
  }

  /* A second client from the same address evicts the first. */
  {
    g_autoptr (TcConn) second = tc_connect (emu->ctp_port, &error);

    g_assert_no_error (error);
    g_assert_true (tc_wait_closed (ctp, WAIT_MS));
    tc_assert_event (emu, "ctp-evict", 1);

    /* And a silent client is dropped after the idle time (60 s scaled,
     * never below 1 s). */
    g_assert_true (tc_wait_closed (second, WAIT_MS));
    g_assert_cmpuint (ota_test_emu_count_events (emu, "ctp-idle-drop"), >=, 1);
  }
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

/* One app session: an app from another address gets errno 3 and is
 * dropped, the first one keeps its session. */
static void
test_ctp_second_app (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) first = tc_connect (emu->ctp_port, &error);
  g_autoptr (TcConn) other = NULL;
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "20906", NULL);
  g_autoptr (OtaCtpFrame) frame = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;

  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (first, OTA_CTP_TOPIC_APP_ACCESS, access));
  frame = tc_ctp_recv_topic (first, OTA_CTP_TOPIC_APP_ACCESS, WAIT_MS);
  g_assert_nonnull (frame);
  g_clear_pointer (&frame, ota_ctp_frame_free);

  other = tc_connect_from (emu->ctp_port, "127.0.0.2", &error);
  if (other == NULL)
    {
      g_test_skip ("cannot connect from 127.0.0.2 here");
      return;
    }
  g_assert_true (tc_ctp_send (other, OTA_CTP_TOPIC_APP_ACCESS, access));
  frame = tc_ctp_recv (other, WAIT_MS);
  g_assert_nonnull (frame);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msg->err_no, ==, OTA_CTP_ERRNO_ACCESS_REFUSED);
  g_assert_true (tc_wait_closed (other, WAIT_MS));
  g_clear_pointer (&frame, ota_ctp_frame_free);

  g_assert_true (tc_ctp_send (first, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  frame = tc_ctp_recv_topic (first, OTA_CTP_TOPIC_KEEP_ALIVE, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "ctp-evict"), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

/* Checks the READ pattern of a stage against the file. */
static void
check_stage_one_reads (TcStage *st, const OtaUfwEntry *ota)
{
  guint32 expect = ota->offset;

  /* READ 1 is the probe at 0, then ota.bin forwards in 20436-byte windows. */
  g_assert_cmpuint (g_array_index (st->seeks, guint32, 0), ==, 0);
  g_assert_cmpuint (g_array_index (st->sizes, guint32, 0), ==, OTA_NET_STAGE1_WINDOW);
  for (guint i = 1; i < st->reads; i++)
    {
      g_assert_cmpuint (g_array_index (st->seeks, guint32, i), ==, expect);
      g_assert_cmpuint (g_array_index (st->sizes, guint32, i), <=, OTA_NET_STAGE1_WINDOW);
      expect += g_array_index (st->sizes, guint32, i);
    }
  g_assert_cmpuint (expect, ==, ota->offset + ota->size2);
}

static void
check_stage_two_reads (TcStage *st, const OtaUfwEntry *flash)
{
  guint32 end = flash->offset + flash->size2;

  g_assert_cmpuint (g_array_index (st->seeks, guint32, 0), ==, 0);
  g_assert_cmpuint (g_array_index (st->sizes, guint32, 0), ==, OTA_NET_STAGE2_WINDOW);
  /* Each window ends where the previous one started: backwards. */
  for (guint i = 1; i < st->reads; i++)
    {
      guint32 seek = g_array_index (st->seeks, guint32, i);
      guint32 size = g_array_index (st->sizes, guint32, i);

      g_assert_cmpuint (seek + size, ==, end);
      g_assert_cmpuint (size, <=, OTA_NET_STAGE2_WINDOW);
      end = MAX (seek, flash->offset);
    }
  g_assert_cmpuint (end, ==, flash->offset);
}

static void
test_full_session (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu (NULL);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 7, "1.0.2", NULL);
  g_autoptr (OtaDescription) desc = NULL;
  g_autofree gchar *version = NULL;
  g_autofree gchar *ssid = NULL;
  OtaUfwEntry flash, ota;
  TcStage st;

  file_entries (file, &flash, &ota);

  /* Stage one. */
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  g_assert_true (st.closed_after);
  g_assert_true (st.got_total);
  g_assert_cmpuint (st.all_size, ==, ota.size2);
  g_assert_true (st.got_percent_100);
  g_assert_cmpuint (st.min_percent_after_total, >=, 1);
  g_assert_cmpuint (st.max_percent_during, <=, 99);
  g_assert_cmpuint (st.reads, ==,
                    1 + (ota.size2 + OTA_NET_STAGE1_WINDOW - 1) / OTA_NET_STAGE1_WINDOW);
  check_stage_one_reads (&st, &ota);
  tc_stage_clear (&st);
  g_assert_true (ota_test_emu_get_stage2_pending (emu));

  /* Reboot into the loader: ports closed meanwhile, then back. */
  tc_assert_event (emu, "reboot", 1);
  tc_wait_boot (emu, 2, "loader");
  desc = get_description (emu);
  g_assert_cmpstr (desc->ota_step, ==, "1");
  g_clear_pointer (&desc, ota_description_free);

  /* Stage two. */
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  g_assert_true (st.closed_after);
  g_assert_cmpuint (st.all_size, ==, flash.size2);
  g_assert_true (st.got_percent_100);
  check_stage_two_reads (&st, &flash);
  tc_stage_clear (&st);

  /* The new firmware runs. */
  tc_wait_boot (emu, 3, "main");
  desc = get_description (emu);
  g_assert_cmpstr (desc->ota_step, ==, "0");
  g_assert_cmpstr (desc->firmware_version, ==, "1.0.2");
  version = ota_test_emu_get_installed_version (emu);
  g_assert_cmpstr (version, ==, "1.0.2");
  g_assert_false (ota_test_emu_get_stage2_pending (emu));
  ssid = ota_test_emu_get_ssid (emu);
  g_assert_true (g_str_has_prefix (ssid, "wifi_camera_"));

  /* The same file again: ERR before any total size, nothing changes. */
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_ERR);
  g_assert_false (st.got_total);
  g_assert_cmpuint (st.reads, ==, 1);
  tc_stage_clear (&st);
  g_assert_false (ota_test_emu_get_stage2_pending (emu));

  g_assert_cmpuint (ota_test_emu_count_events (emu, "total-size"), ==, 2);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "percent-100"), ==, 2);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "model"), ==, 3);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
run_same_firmware (const gchar *sdk, guint8 expected)
{
  g_autoptr (OtaTestEmu) probe = tc_start_emu (NULL);
  g_autofree gchar *path = NULL;
  g_autoptr (GBytes) file = tc_make_file (probe, FLASH_SIZE, OTA_SIZE, 3, "2.0.0", &path);
  g_autofree gchar *arg = g_strdup_printf ("--installed-ufw=%s", path);
  const gchar *args[] = { arg, sdk, NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (cJSON) result = NULL;
  g_autofree gchar *version = ota_test_emu_get_installed_version (emu);
  TcStage st;

  g_assert_cmpstr (version, ==, "2.0.0");
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, expected);
  g_assert_false (st.got_total);
  tc_stage_clear (&st);
  result = ota_test_emu_wait_event (emu, "result", WAIT_MS);
  g_assert_nonnull (result);
  g_assert_cmpstr (tc_json_string (result, "result"), ==,
                   expected == OTA_NET_STATUS_SAME ? "same" : "err");
  g_assert_false (cJSON_IsTrue (cJSON_GetObjectItem (result, "committed")));
  g_assert_false (ota_test_emu_get_stage2_pending (emu));
  g_assert_cmpuint (ota_test_emu_count_events (emu, "reboot"), ==, 0);
  /* 3335 is closed again. */
  g_assert_true (tc_port_refused (emu->ota_port));
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_same_firmware (void)
{
  run_same_firmware (NULL, OTA_NET_STATUS_ERR);
}

static void
test_same_firmware_sdk11 (void)
{
  run_same_firmware ("--sdk=1.1", OTA_NET_STATUS_SAME);
}

static void
run_stop (guint stop_after, gboolean committed)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu (NULL);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 9, "1.0.3", NULL);
  g_autoptr (TcConn) ctp = NULL;
  g_autoptr (TcConn) ota = NULL;
  g_autoptr (cJSON) result = NULL;
  g_autofree gchar *status = tc_ctp_open_ota (emu->ctp_port, &ctp, NULL);
  TcStage st;

  g_assert_cmpstr (status, ==, "1");
  ota = tc_connect (emu->ota_port, NULL);
  g_assert_nonnull (ota);
  tc_stage_init (&st);
  g_assert_true (tc_serve_stage (ota, file, stop_after, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_ERR);
  g_assert_true (st.closed_after);
  g_assert_cmpint (st.got_total, ==, committed);
  tc_stage_clear (&st);

  result = ota_test_emu_wait_event (emu, "result", WAIT_MS);
  g_assert_cmpstr (tc_json_string (result, "result"), ==, "stopped");
  g_assert_cmpint (cJSON_IsTrue (cJSON_GetObjectItem (result, "committed")), ==, committed);
  g_assert_cmpuint (ota_test_emu_count_events (emu, "stop"), ==, 1);
  g_assert_cmpint (ota_test_emu_get_stage2_pending (emu), ==, committed);
  if (committed)
    tc_wait_boot (emu, 2, "loader");
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

static void
test_stop_as_answer_before_total (void)
{
  run_stop (1, FALSE);
}

static void
test_stop_as_answer_after_total (void)
{
  run_stop (2, TRUE);
}

/* Loader stubs: CTP answers the first segment only; HTTP answers every
 * segment, the same bytes, no space after colons, and never closes. */
static void
test_loader_stubs (void)
{
  const gchar *args[] = { "--start-in-loader", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ctp = tc_connect (emu->ctp_port, &error);
  g_autoptr (TcConn) ctp2 = NULL;
  g_autoptr (TcConn) http = NULL;
  g_autoptr (OtaCtpFrame) frame = NULL;
  g_autoptr (OtaCtpMessage) msg = NULL;
  g_autofree gchar *access = ota_ctp_request_build ("PUT", "type", "0", "ver", "31337", NULL);
  g_autofree gchar *ssid = ota_test_emu_get_ssid (emu);
  g_autofree gchar *first = NULL;
  const gchar *req = "GET /mnt/spiflash/res/dev_desc.txt HTTP/1.1\r\n\r\n";

  g_assert_no_error (error);
  /* Started in the loader: a power cycle in stage two. */
  g_assert_true (g_str_has_prefix (ssid, "WIFI_OTA_"));
  g_assert_cmpuint (strlen (ssid), ==, 15);
  tc_wait_boot (emu, 1, "loader");

  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS, access));
  frame = tc_ctp_recv (ctp, WAIT_MS);
  g_assert_nonnull (frame);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_APP_ACCESS);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "ver"), ==, "31337");
  g_clear_pointer (&frame, ota_ctp_frame_free);
  g_clear_pointer (&msg, ota_ctp_message_free);
  /* Anything after the first segment is ignored. */
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  g_assert_true (tc_quiet (ctp, 300));

  /* While that client is registered, another one gets no answer. */
  ctp2 = tc_connect (emu->ctp_port, &error);
  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (ctp2, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  g_assert_true (tc_quiet (ctp2, 300));
  g_clear_pointer (&ctp, tc_close);
  tc_assert_event (emu, "disconnect", 1);

  /* Once it is gone, the next segment is answered; without "ver": 20906. */
  g_assert_true (tc_ctp_send (ctp2, OTA_CTP_TOPIC_KEEP_ALIVE, "{}"));
  frame = tc_ctp_recv (ctp2, WAIT_MS);
  g_assert_nonnull (frame);
  msg = ota_ctp_message_parse (frame->content, frame->content_len, &error);
  g_assert_cmpstr (frame->topic, ==, OTA_CTP_TOPIC_APP_ACCESS);
  g_assert_cmpstr (ota_ctp_message_get_param (msg, "ver"), ==, "20906");

  http = tc_connect (emu->http_port, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (GString) got = g_string_new (NULL);
      const gchar *cl;
      gsize body_len, head_len;
      gchar *end;

      g_assert_true (tc_send (http, req, strlen (req)));
      /* Read the headers, then exactly Content-Length bytes. */
      for (;;)
        {
          guint8 buf[2048];
          gssize n = tc_recv (http, buf, sizeof buf, WAIT_MS);

          g_assert_cmpint (n, >, 0);
          g_string_append_len (got, (const gchar *) buf, n);
          end = strstr (got->str, "\r\n\r\n");
          if (end == NULL)
            continue;
          cl = strstr (got->str, "Content-Length:");
          g_assert_nonnull (cl);
          body_len = g_ascii_strtoull (cl + strlen ("Content-Length:"), NULL, 10);
          head_len = (gsize) (end - got->str) + 4;
          if (got->len >= head_len + body_len)
            break;
        }
      g_assert_true (
          g_str_has_prefix (got->str, "HTTP/1.1 200 OK\r\nContent-Type:text\r\nContent-Length:"));
      g_assert_cmpuint (got->len, ==, head_len + body_len);
      {
        g_autoptr (OtaDescription) desc
            = ota_description_parse (got->str + head_len, body_len, &error);

        g_assert_no_error (error);
        g_assert_cmpstr (desc->ota_step, ==, "1");
        g_assert_cmpstr (desc->ota_type, ==, "1");
      }
      if (first == NULL)
        first = g_strdup (got->str);
      else
        g_assert_cmpstr (got->str, ==, first);
    }
  /* Never closes. */
  g_assert_true (tc_quiet (http, 300));
  g_assert_cmpuint (ota_test_emu_count_events (emu, "http-request"), ==, 3);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

/* The loader retries forever: a dropped connection, then an ERR (answer
 * timeout), then a good attempt. */
static void
test_loader_retries (void)
{
  g_autoptr (OtaTestEmu) emu = tc_start_emu ((const gchar *const[]){ "--start-in-loader", NULL });
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 11, "3.1.4", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TcConn) ctp = tc_connect (emu->ctp_port, &error);
  g_autofree gchar *body = NULL;
  g_autofree gchar *version = NULL;
  OtaNetHeader h;
  guint status = 0;
  TcStage st;

  g_assert_no_error (error);
  g_assert_true (tc_ctp_send (ctp, OTA_CTP_TOPIC_APP_ACCESS,
                              "{\"op\":\"PUT\",\"param\":{\"type\":\"0\",\"ver\":\"20906\"}}"));
  {
    g_autoptr (OtaCtpFrame) reply = tc_ctp_recv (ctp, WAIT_MS);

    g_assert_nonnull (reply);
  }
  body = tc_http_get (emu->http_port, OTA_DESCRIPTION_PATH, &status, NULL, &error);
  g_assert_no_error (error);

  /* 1: the app goes away after READ 1. */
  {
    g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);

    g_assert_no_error (error);
    g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
    g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);
  }
  tc_assert_event (emu, "result", 1);

  /* 2: the app never answers: ERR after the answer timeout. */
  {
    g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);

    g_assert_no_error (error);
    g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
    g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_READ);
    g_assert_true (tc_ota_recv (ota, &h, NULL, WAIT_MS));
    g_assert_cmpuint (h.status, ==, OTA_NET_STATUS_ERR);
    g_assert_true (tc_wait_closed (ota, WAIT_MS));
  }
  {
    g_autoptr (cJSON) r1 = ota_test_emu_wait_event_nth (emu, "result", 1, WAIT_MS);
    g_autoptr (cJSON) r2 = ota_test_emu_wait_event_nth (emu, "result", 2, WAIT_MS);

    g_assert_cmpstr (tc_json_string (r1, "result"), ==, "dropped");
    g_assert_cmpstr (tc_json_string (r2, "result"), ==, "err");
    g_assert_cmpuint (ota_test_emu_count_events (emu, "timeout"), ==, 1);
  }

  /* 3: a good attempt, no new description needed. */
  {
    g_autoptr (TcConn) ota = tc_connect (emu->ota_port, &error);

    g_assert_no_error (error);
    tc_stage_init (&st);
    g_assert_true (tc_serve_stage (ota, file, 0, &st));
    g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
    tc_stage_clear (&st);
  }
  tc_wait_boot (emu, 2, "main");
  version = ota_test_emu_get_installed_version (emu);
  g_assert_cmpstr (version, ==, "3.1.4");
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

/* A power cut in stage two: the process exits; on the same state dir the
 * device comes back in the loader with WIFI_OTA_XXXXXX, and stage two can
 * be done again. */
static void
test_power_loss (void)
{
  const gchar *args[] = { "--fault=power-loss:read=3", NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (OtaTestEmu) again = NULL;
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 5, "4.0.0", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (cJSON) loss = NULL;
  g_autofree gchar *ssid = NULL;
  g_autofree gchar *ssid_before = ota_test_emu_get_ssid (emu);
  g_autofree gchar *version = NULL;
  TcStage st;

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_one (emu->ctp_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  tc_wait_boot (emu, 2, "loader");

  tc_stage_init (&st);
  g_assert_false (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.reads, ==, 2);
  tc_stage_clear (&st);
  loss = ota_test_emu_wait_event (emu, "power-loss", WAIT_MS);
  g_assert_nonnull (loss);
  g_assert_cmpuint ((guint) tc_json_number (loss, "read"), ==, 3);
  /* The process is gone, as after a power cut, with exit code 0. */
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
  g_assert_true (tc_port_refused (emu->http_port));

  again = ota_test_emu_restart (emu, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->http_port, ==, emu->http_port);
  tc_wait_boot (again, 1, "loader");
  g_assert_true (ota_test_emu_get_stage2_pending (again));
  ssid = ota_test_emu_get_ssid (again);
  g_assert_true (g_str_has_prefix (ssid, "WIFI_OTA_"));
  g_assert_true (g_str_has_prefix (ssid_before, "wifi_camera_"));

  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (again->ctp_port, again->http_port, again->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);
  tc_stage_clear (&st);
  tc_wait_boot (again, 2, "main");
  version = ota_test_emu_get_installed_version (again);
  g_assert_cmpstr (version, ==, "4.0.0");
  g_clear_pointer (&ssid, g_free);
  ssid = ota_test_emu_get_ssid (again);
  g_assert_cmpstr (ssid, ==, ssid_before);
  g_assert_cmpuint (ota_test_emu_count_violations (again), ==, 0);
  g_assert_cmpint (ota_test_emu_stop (again), ==, 0);
}

/* The link model: the emulator reports the ideal time for each stage and
 * takes at least that long. */
static void
test_link_model (void)
{
  const gchar *args[] = { "--link-latency-ms=5",
                          "--link-bandwidth=2000000",
                          "--flash-rate=4000000",
                          "--erase-pause-ms=20",
                          "--erase-every=65536",
                          "--start-in-loader",
                          NULL };
  g_autoptr (OtaTestEmu) emu = tc_start_emu (args);
  g_autoptr (GBytes) file = tc_make_file (emu, FLASH_SIZE, OTA_SIZE, 13, "5.0.0", NULL);
  g_autoptr (cJSON) model = NULL;
  OtaUfwEntry flash;
  gdouble ideal, expected = 0;
  TcStage st;

  file_entries (file, &flash, NULL);
  tc_stage_init (&st);
  g_assert_true (tc_run_stage_two (emu->ctp_port, emu->http_port, emu->ota_port, file, &st));
  g_assert_cmpuint (st.final_status, ==, OTA_NET_STATUS_OK);

  /* Every READ: latency there and back plus the frame on the link; data
   * READs also write the bytes they bring; erase pauses every 64 KiB;
   * device pauses: idle 5 s twice, 0.5 s and the erase, scaled by 0.02. */
  for (guint i = 0; i < st.reads; i++)
    {
      guint32 size = g_array_index (st.sizes, guint32, i);

      guint32 seek = g_array_index (st.seeks, guint32, i);

      expected += 0.005 * 2 + (20.0 + size) / 2000000.0;
      if (i > 0)
        expected += (gdouble) (seek + size - MAX (seek, flash.offset)) / 4000000.0;
    }
  expected += (gdouble) (flash.size2 / 65536) * 0.020;
  expected += (5.0 + 5.0 + 0.5) * 0.02;
  /* the erase of flash.bin after the total-size message (default rate) */
  expected += flash.size2 / 409600.0 * 0.02;
  tc_stage_clear (&st);

  model = ota_test_emu_wait_event (emu, "model", WAIT_MS);
  g_assert_nonnull (model);
  g_assert_cmpint ((gint) tc_json_number (model, "stage"), ==, 2);
  ideal = tc_json_number (model, "ideal_s");
  g_assert_cmpfloat_with_epsilon (ideal, expected, 0.01);
  g_assert_cmpfloat (tc_json_number (model, "measured_s"), >=, ideal - 0.001);
  g_assert_cmpfloat (tc_json_number (model, "measured_s"), <, ideal + 5.0);
  g_assert_cmpint (ota_test_emu_stop (emu), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/emu/ready", test_ready);
  g_test_add_func ("/emu/help", test_help);
  g_test_add_func ("/emu/ctp/main", test_ctp_main);
  g_test_add_func ("/emu/ctp/second-app", test_ctp_second_app);
  g_test_add_func ("/emu/session/full", test_full_session);
  g_test_add_func ("/emu/stage1/same-firmware", test_same_firmware);
  g_test_add_func ("/emu/stage1/same-firmware-sdk11", test_same_firmware_sdk11);
  g_test_add_func ("/emu/stage1/stop-before-total", test_stop_as_answer_before_total);
  g_test_add_func ("/emu/stage1/stop-after-total", test_stop_as_answer_after_total);
  g_test_add_func ("/emu/loader/stubs", test_loader_stubs);
  g_test_add_func ("/emu/loader/retries", test_loader_retries);
  g_test_add_func ("/emu/stage2/power-loss", test_power_loss);
  g_test_add_func ("/emu/model/stage2", test_link_model);

  return g_test_run ();
}
