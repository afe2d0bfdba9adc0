/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestTransfer"

/* ota_transfer_run() against a fake device in a thread of the test: the fake
 * drives the conversation like the device does and checks every byte the app
 * sends (protocol.md section 4, rules S1-S4). */

#include <string.h>
#include <glib/gstdio.h>
#ifdef G_OS_WIN32
#include <sys/utime.h>
#else
#include <utime.h>
#endif

#include <gio/gnetworking.h>

#include "ota-connect.h"
#include "ota-error.h"
#include "ota-firmware.h"
#include "ota-net-header.h"
#include "ota-platform.h"
#include "ota-transfer.h"
#include "ota-test-peer.h"

#define FILE_SIZE 150001u /* not a multiple of any window */
#define WAIT_MS 5000u     /* the fake's longest wait for an answer */
#define QUIET_MS 200u     /* S2: nothing may arrive in this time */

static gchar *tmp_dir;
static gchar *file_path;
static guint8 *file_data;

typedef struct _Fake Fake;
typedef void (*FakeScript) (Fake *f);

struct _Fake {
  FakeScript script;
  GSocket *socket;
  GCancellable *cancel; /* the app's, for the cancel cases */
  guint32 seek;         /* parameters of parameterised scripts */
  guint32 size;
  guint8 status;
  guint32 announce;                      /* scripts with an optional total-size message */
  guint32 all_size;                      /* what the fake announced */
  guint64 served_after_commit;           /* what it received after announcing it */
  OtaTransferLateCancelFunc late_cancel; /* the app's hook, for the late-cancel cases */
  gint late_calls;
  gboolean late_drop;     /* what the hook answers */
  GPtrArray *keep;        /* the fresh cancellables the hook made */
  const gchar *path;      /* the firmware file, NULL: the shared one */
  guint gap_ms;           /* the erase-wait cases: the device's pause */
  gboolean small_buffers; /* the zero-window case: little room on both sides */
  gint app_done;          /* atomic: ota_transfer_run() returned */
};

/* --- the device side ---------------------------------------------------- */

static void
dev_send_raw (Fake *f, const guint8 raw[OTA_NET_HEADER_SIZE])
{
  ota_test_send (f->socket, raw, OTA_NET_HEADER_SIZE);
}

static void
dev_send (Fake *f, guint8 status, guint32 seek, guint32 size, guint32 all, guint8 percent)
{
  OtaNetHeader hdr = { 0 };
  guint8 raw[OTA_NET_HEADER_SIZE];

  hdr.seek_addr = seek;
  hdr.read_size = size;
  hdr.all_size = all;
  hdr.status = status;
  hdr.download_percent = percent;
  hdr.sum_check = ota_net_header_sum (&hdr);
  ota_net_header_encode (&hdr, raw);
  dev_send_raw (f, raw);
}

/* S1/S4: exactly 20 + min(size, left) bytes, fields echoed, all_size 0, a
 * valid sum over header and data, and the file's bytes at @seek. */
static guint32
dev_expect_answer (Fake *f, guint32 seek, guint32 size, guint8 percent)
{
  guint32 len = (guint32) MIN ((guint64) size, (guint64) FILE_SIZE - seek);
  g_autofree guint8 *frame = g_malloc (OTA_NET_HEADER_SIZE + len);
  OtaNetHeader hdr;
  gsize got;

  got = ota_test_recv_exact (f->socket, frame, OTA_NET_HEADER_SIZE + len, WAIT_MS);
  g_assert_cmpuint (got, ==, OTA_NET_HEADER_SIZE + len);
  ota_net_header_decode (frame, &hdr);
  g_assert_cmpuint (hdr.seek_addr, ==, seek);
  g_assert_cmpuint (hdr.read_size, ==, len);
  g_assert_cmpuint (hdr.all_size, ==, 0);
  g_assert_cmpuint (hdr.status, ==, OTA_NET_STATUS_READ);
  g_assert_cmpuint (hdr.download_percent, ==, percent);
  g_assert_cmpuint (hdr.resv, ==, 0);
  g_assert_true (ota_net_frame_sum_ok (frame, OTA_NET_HEADER_SIZE + len));
  g_assert_cmpmem (frame + OTA_NET_HEADER_SIZE, len, file_data + seek, len);
  if (f->all_size != 0)
    f->served_after_commit += len;
  return len;
}

static guint32
dev_read (Fake *f, guint32 seek, guint32 size, guint8 percent)
{
  dev_send (f, OTA_NET_STATUS_READ, seek, size, 0, percent);
  return dev_expect_answer (f, seek, size, percent);
}

/* S3: a STOP is exactly 20 bytes, status 8, zeros, valid sum. */
static void
dev_expect_stop (Fake *f)
{
  guint8 frame[OTA_NET_HEADER_SIZE];
  OtaNetHeader hdr;

  g_assert_cmpuint (ota_test_recv_exact (f->socket, frame, sizeof frame, WAIT_MS), ==,
                    sizeof frame);
  ota_net_header_decode (frame, &hdr);
  g_assert_cmpuint (hdr.status, ==, OTA_NET_STATUS_STOP);
  g_assert_cmpuint (hdr.seek_addr, ==, 0);
  g_assert_cmpuint (hdr.read_size, ==, 0);
  g_assert_cmpuint (hdr.all_size, ==, 0);
  g_assert_cmpuint (hdr.resv, ==, 0);
  g_assert_true (ota_net_frame_sum_ok (frame, sizeof frame));
}

/* S1/S2: the app sends nothing unasked. */
static void
dev_expect_quiet (Fake *f, guint ms)
{
  g_assert_true (ota_test_quiet (f->socket, ms));
}

static void
dev_total_size (Fake *f, guint32 all, guint8 percent)
{
  f->all_size = all;
  dev_send (f, OTA_NET_STATUS_DOING, 0, 0, all, percent);
  dev_expect_quiet (f, QUIET_MS);
}

/* ERR/SAME/... then the end of the conversation: the fake stops writing and
 * checks that not one more byte comes before the app closes. */
static void
dev_finish (Fake *f, guint8 status)
{
  dev_send (f, status, 0, 0, 0, 0);
  g_assert_true (g_socket_shutdown (f->socket, FALSE, TRUE, NULL));
  g_assert_cmpint (ota_test_wait_close (f->socket, WAIT_MS), ==, 0);
}

static void
peer_cb (OtaTestPeer *peer, GSocket *socket, gpointer user_data)
{
  Fake *f = user_data;

  f->socket = socket;
  f->script (f);
  f->socket = NULL;
}

/* --- the app side -------------------------------------------------------- */

typedef struct {
  GArray *states; /* OtaTransferState, one per callback */
} Progress;

static void
progress_cb (const OtaTransferState *state, gpointer user_data)
{
  Progress *p = user_data;

  g_array_append_vals (p->states, state, 1);
}

/* Connects to the fake, runs the transfer, closes, joins the fake. */
static gboolean
run_full (Fake *f, guint stage, guint timeout_ms, GCancellable *cancellable,
          OtaTransferState *state, Progress *progress, GError **error)
{
  g_autoptr (OtaTestPeer) peer = ota_test_peer_new (peer_cb, f);
  g_autoptr (GError) local = NULL;
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (OtaFirmware) fw = ota_firmware_open (f->path != NULL ? f->path : file_path, &local);
  OtaTransferOptions opts;
  gboolean ok;

  g_assert_no_error (local);
  conn = ota_connect ("127.0.0.1", ota_test_peer_get_port (peer), 2000, NULL, &local);
  g_assert_no_error (local);
  if (f->small_buffers)
    {
      g_socket_set_option (g_socket_connection_get_socket (conn), SOL_SOCKET, SO_SNDBUF, 4096,
                           &local);
      g_assert_no_error (local);
    }
  ota_transfer_options_init (&opts);
  opts.read_timeout_ms = timeout_ms;
  opts.late_cancel_func = f->late_cancel;
  opts.late_cancel_data = f;
  memset (state, 0xAA, sizeof *state);
  ok = ota_transfer_run (g_socket_connection_get_socket (conn), fw, stage, &opts,
                         progress != NULL ? progress_cb : NULL, progress, state, cancellable,
                         error);
  g_atomic_int_set (&f->app_done, 1);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_assert_true (ota_test_peer_join (peer));
  return ok;
}

static gboolean
run (Fake *f, OtaTransferState *state, GError **error)
{
  return run_full (f, 1, WAIT_MS, NULL, state, NULL, error);
}

/* --- whole stages --------------------------------------------------------- */

static void
script_stage1 (Fake *f)
{
  guint32 seek;
  guint8 percent = 1;

  /* the device reads the file header first (seek 0), then says how much it
   * will write; a DOING without all_size is information only */
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_send (f, OTA_NET_STATUS_DOING, 0, 0, 0, 0);
  dev_expect_quiet (f, 50);
  dev_total_size (f, FILE_SIZE, 0);
  /* forward windows; the last one is clamped at the end of the file */
  for (seek = 0; seek < FILE_SIZE; seek += OTA_NET_STAGE1_WINDOW)
    dev_read (f, seek, OTA_NET_STAGE1_WINDOW, percent++);
  g_assert_cmpuint (FILE_SIZE - (seek - OTA_NET_STAGE1_WINDOW), <, OTA_NET_STAGE1_WINDOW);
  /* a repeated request is served again, the same way */
  dev_read (f, OTA_NET_STAGE1_WINDOW * 2, OTA_NET_STAGE1_WINDOW, percent);
  dev_read (f, OTA_NET_STAGE1_WINDOW * 2, OTA_NET_STAGE1_WINDOW, percent);
  /* writing done: S2 again */
  dev_send (f, OTA_NET_STATUS_DOING, 0, 0, 0, 100);
  dev_expect_quiet (f, QUIET_MS);
  /* OK, then a reset, as the device does */
  dev_send (f, OTA_NET_STATUS_OK, 0, 0, 0, 100);
  ota_platform_set_linger_reset (f->socket);
}

static void
test_stage1_forward (void)
{
  Fake f = { .script = script_stage1 };
  Progress p = { g_array_new (FALSE, FALSE, sizeof (OtaTransferState)) };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  guint flips = 0;
  gboolean was = FALSE;
  guint reads = (FILE_SIZE + OTA_NET_STAGE1_WINDOW - 1) / OTA_NET_STAGE1_WINDOW;

  g_assert_true (run_full (&f, 1, WAIT_MS, NULL, &st, &p, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (st.stage, ==, 1);
  g_assert_true (st.committed);
  g_assert_cmpuint (st.all_size, ==, FILE_SIZE);
  g_assert_cmpuint (st.bytes_served, ==, f.served_after_commit);
  g_assert_cmpuint (st.bytes_served, ==, FILE_SIZE + 2 * OTA_NET_STAGE1_WINDOW);
  g_assert_cmpuint (st.reads, ==, 1 + reads + 2);
  g_assert_cmpuint (st.percent, ==, 100);
  g_assert_true (st.done);
  g_assert_cmpuint (st.bad_headers, ==, 0);

  /* committed flips once, exactly at the total-size message */
  for (guint i = 0; i < p.states->len; i++)
    {
      OtaTransferState *s = &g_array_index (p.states, OtaTransferState, i);

      if (s->committed && !was)
        {
          flips++;
          g_assert_cmpuint (s->all_size, ==, FILE_SIZE);
          g_assert_cmpuint (s->reads, ==, 1);
          g_assert_cmpuint (s->bytes_served, ==, 0);
          /* the callback before it was the DOING without all_size */
          g_assert_cmpuint (i, ==, 2);
        }
      if (!s->committed)
        g_assert_cmpuint (s->all_size, ==, 0);
      g_assert_true (!was || s->committed);
      was = s->committed;
    }
  g_assert_cmpuint (flips, ==, 1);
  /* one callback per answer and per DOING/OK */
  g_assert_cmpuint (p.states->len, ==, st.reads + 4);
  g_assert_true (g_array_index (p.states, OtaTransferState, p.states->len - 1).done);
  g_array_unref (p.states);
}

static void
script_stage2 (Fake *f)
{
  guint32 end = FILE_SIZE;
  guint8 percent = 1;

  dev_total_size (f, 2 * FILE_SIZE, 0);
  /* each window ends at the byte the device needs next: backwards */
  while (end > 0)
    {
      guint32 seek = end > OTA_NET_STAGE2_WINDOW ? end - OTA_NET_STAGE2_WINDOW : 0;

      dev_read (f, seek, OTA_NET_STAGE2_WINDOW, percent++);
      end = seek;
    }
  dev_send (f, OTA_NET_STATUS_DOING, 0, 0, 0, 100);
  dev_expect_quiet (f, QUIET_MS);
  dev_finish (f, OTA_NET_STATUS_OK);
}

static void
test_stage2_backward (void)
{
  Fake f = { .script = script_stage2 };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_true (run_full (&f, 2, WAIT_MS, NULL, &st, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (st.stage, ==, 2);
  g_assert_true (st.committed);
  g_assert_cmpuint (st.all_size, ==, 2 * FILE_SIZE);
  g_assert_cmpuint (st.bytes_served, ==, f.served_after_commit);
  /* the last window starts at 0 and reaches past what is still needed */
  g_assert_cmpuint (st.bytes_served, ==,
                    (FILE_SIZE / OTA_NET_STAGE2_WINDOW + 1) * OTA_NET_STAGE2_WINDOW);
  g_assert_cmpuint (st.reads, ==, FILE_SIZE / OTA_NET_STAGE2_WINDOW + 1);
  g_assert_cmpuint (st.percent, ==, 100);
}

/* Requests at the edges of what must be served. */
static void
script_edges (Fake *f)
{
  g_assert_cmpuint (dev_read (f, 0, 1, 0), ==, 1);
  g_assert_cmpuint (dev_read (f, FILE_SIZE - 1, OTA_NET_MAX_READ, 0), ==, 1);
  g_assert_cmpuint (dev_read (f, FILE_SIZE - 100, OTA_NET_STAGE1_WINDOW, 0), ==, 100);
  g_assert_cmpuint (dev_read (f, 12345, OTA_NET_MAX_READ, 7), ==, OTA_NET_MAX_READ);
  g_assert_cmpuint (dev_read (f, 0, OTA_NET_STAGE2_WINDOW, 7), ==, OTA_NET_STAGE2_WINDOW);
  g_assert_cmpuint (dev_read (f, 0, OTA_NET_STAGE2_WINDOW, 7), ==, OTA_NET_STAGE2_WINDOW);
  dev_finish (f, OTA_NET_STATUS_OK);
}

static void
test_edges (void)
{
  Fake f = { .script = script_edges };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_true (run (&f, &st, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (st.reads, ==, 6);
  /* no total size: nothing was committed, nothing counted as served */
  g_assert_false (st.committed);
  g_assert_cmpuint (st.all_size, ==, 0);
  g_assert_cmpuint (st.bytes_served, ==, 0);
}

/* --- the device's own verdicts -------------------------------------------- */

static void
script_err_before (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_finish (f, OTA_NET_STATUS_ERR);
}

static void
test_err_before_commit (void)
{
  Fake f = { .script = script_err_before };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_false (run (&f, &st, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_DEVICE_ERROR);
  g_assert_false (st.committed);
  g_assert_cmpuint (st.reads, ==, 1);
}

static void
script_err_after (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_total_size (f, 4096, 0);
  dev_read (f, 1000, 4096, 30);
  dev_finish (f, OTA_NET_STATUS_ERR);
}

static void
test_err_after_commit (void)
{
  Fake f = { .script = script_err_after };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_false (run (&f, &st, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_DEVICE_ERROR);
  g_assert_true (st.committed);
  g_assert_cmpuint (st.all_size, ==, 4096);
  g_assert_cmpuint (st.bytes_served, ==, 4096);
  g_assert_cmpuint (st.reads, ==, 2);
  g_assert_false (st.done);
}

static void
script_same (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_finish (f, OTA_NET_STATUS_SAME);
}

static void
test_same (void)
{
  Fake f = { .script = script_same };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_false (run (&f, &st, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_NOTHING_TO_DO);
  g_assert_false (st.committed);
}

static void
script_unknown_status (Fake *f)
{
  dev_read (f, 0, 100, 0);
  dev_finish (f, f->status);
}

static void
test_unknown_status (void)
{
  /* 8 is STOP, which only the app may send */
  static const guint8 statuses[] = { 3, 5, OTA_NET_STATUS_STOP, 32, 0xFF };

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      Fake f = { .script = script_unknown_status, .status = statuses[i] };
      g_autoptr (GError) error = NULL;
      OtaTransferState st;

      g_assert_false (run (&f, &st, &error));
      g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
      g_assert_cmpuint (st.reads, ==, 1);
    }
}

/* --- requests the app must refuse: STOP in place of the answer --------------- */

static void
script_hostile (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 3);
  dev_send (f, OTA_NET_STATUS_READ, f->seek, f->size, 0, 4);
  dev_expect_stop (f);
  /* one frame only; and a second request after STOP gets no answer */
  dev_expect_quiet (f, QUIET_MS);
  dev_send (f, OTA_NET_STATUS_READ, 0, 100, 0, 4);
  dev_expect_quiet (f, QUIET_MS);
  dev_finish (f, OTA_NET_STATUS_ERR);
}

static void
test_hostile (gconstpointer data)
{
  const guint32 *req = data;
  Fake f = { .script = script_hostile, .seek = req[0], .size = req[1] };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_false (run (&f, &st, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  g_assert_cmpuint (st.reads, ==, 1);
  g_assert_false (st.committed);
}

static const guint32 beyond_eof[] = { FILE_SIZE, 100 };
static const guint32 far_beyond_eof[] = { 0xFFFFFF00u, 0x200 };
static const guint32 too_large[] = { 0, 43 * 1024 };
static const guint32 zero_size[] = { 0, 0 };

/* --- malformed device messages ---------------------------------------------- */

static void
script_bad_sum (Fake *f)
{
  OtaNetHeader hdr = { .seek_addr = 0, .read_size = 4000, .status = OTA_NET_STATUS_READ };
  guint8 raw[OTA_NET_HEADER_SIZE];

  hdr.sum_check = ota_net_header_sum (&hdr) + 1;
  ota_net_header_encode (&hdr, raw);
  dev_send_raw (f, raw);
  dev_expect_quiet (f, QUIET_MS);
  dev_read (f, 0, 4000, 0);
  dev_finish (f, OTA_NET_STATUS_OK);
}

static void
script_garbage (Fake *f)
{
  static const guint8 garbage[OTA_NET_HEADER_SIZE] = "HTTP/1.1 200 OK\r\n\r\n";
  OtaNetHeader hdr;
  g_autoptr (GError) error = NULL;

  /* not a valid header by accident */
  g_assert_false (ota_net_header_parse_device (garbage, &hdr, &error));
  dev_send_raw (f, garbage);
  dev_expect_quiet (f, QUIET_MS);
  dev_read (f, 77, 4000, 0);
  dev_finish (f, OTA_NET_STATUS_OK);
}

static void
test_ignored (gconstpointer data)
{
  Fake f = { .script = *(const FakeScript *) data };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_true (run (&f, &st, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (st.bad_headers, ==, 1);
  g_assert_cmpuint (st.reads, ==, 1);
}

static const FakeScript bad_sum_script = script_bad_sum;
static const FakeScript garbage_script = script_garbage;

/* --- the connection ends ------------------------------------------------------ */

static void
script_close_midway (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_total_size (f, 8192, 0);
  dev_read (f, 8192, 8192, 50);
}

static void
script_close_mid_header (Fake *f)
{
  OtaNetHeader hdr = { .read_size = 100, .status = OTA_NET_STATUS_READ };
  guint8 raw[OTA_NET_HEADER_SIZE];

  dev_read (f, 0, 100, 0);
  hdr.sum_check = ota_net_header_sum (&hdr);
  ota_net_header_encode (&hdr, raw);
  ota_test_send (f->socket, raw, 10);
  dev_expect_quiet (f, 50);
}

static void
test_closed (gconstpointer data)
{
  Fake f = { .script = *(const FakeScript *) data };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (run (&f, &st, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL);
  /* noticed at once, not after the read timeout */
  g_assert_cmpint (ota_test_elapsed_ms (start), <, WAIT_MS / 2);
}

static void
script_silent (Fake *f)
{
  dev_read (f, 0, 1000, 0);
  /* say nothing more; the app gives up and closes without a word */
  g_assert_cmpint (ota_test_wait_close (f->socket, WAIT_MS), ==, 0);
}

static void
test_timeout (void)
{
  Fake f = { .script = script_silent };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_false (run_full (&f, 1, 300, NULL, &st, NULL, &error));
  elapsed = ota_test_elapsed_ms (start);
  g_assert_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT);
  g_assert_cmpint (elapsed, >=, 290);
  g_assert_cmpint (elapsed, <, 300 + 1500);
  g_assert_cmpuint (st.reads, ==, 1);
}

static const FakeScript close_midway = script_close_midway;
static const FakeScript close_mid_header = script_close_mid_header;

/* --- cancel: STOP only in place of the next answer ---------------------------- */

static void
script_cancel (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  if (f->announce != 0)
    dev_total_size (f, f->announce, 0);
  /* hold back the next READ; cancel meanwhile: that alone sends nothing */
  g_cancellable_cancel (f->cancel);
  dev_expect_quiet (f, QUIET_MS);
  dev_send (f, OTA_NET_STATUS_READ, OTA_NET_STAGE1_WINDOW, OTA_NET_STAGE1_WINDOW, 0, 10);
  dev_expect_stop (f);
  dev_expect_quiet (f, QUIET_MS);
  dev_finish (f, OTA_NET_STATUS_ERR);
}

static void
test_cancel (gconstpointer data)
{
  gboolean after_commit = GPOINTER_TO_INT (data);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Fake f = { .script = script_cancel, .cancel = cancellable };
  Progress p = { g_array_new (FALSE, FALSE, sizeof (OtaTransferState)) };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  f.announce = after_commit ? 65536 : 0;
  g_assert_false (run_full (&f, 1, WAIT_MS, cancellable, &st, &p, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (st.reads, ==, 1);
  g_assert_cmpint (st.committed, ==, after_commit);
  g_assert_cmpuint (st.all_size, ==, after_commit ? 65536 : 0);
  g_array_unref (p.states);
}

static void
script_cancel_close (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  g_cancellable_cancel (f->cancel);
  dev_expect_quiet (f, QUIET_MS);
  /* the device goes away instead of asking again: no STOP may follow */
  g_assert_true (g_socket_shutdown (f->socket, FALSE, TRUE, NULL));
  g_assert_cmpint (ota_test_wait_close (f->socket, WAIT_MS), ==, 0);
}

static void
test_cancel_device_closes (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Fake f = { .script = script_cancel_close, .cancel = cancellable };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (run_full (&f, 1, WAIT_MS, cancellable, &st, NULL, &error));
  g_assert_true (g_cancellable_is_cancelled (cancellable));
  /* the conversation ended without the READ a STOP could answer: the user
   * asked to cancel, and the device went away; the outcome is a cancel */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (st.committed);
  g_assert_cmpuint (st.reads, ==, 1);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, WAIT_MS / 2);
}

/* A cancel before the conversation starts: the first READ gets STOP. */
static void
script_cancel_first (Fake *f)
{
  dev_send (f, OTA_NET_STATUS_READ, 0, OTA_NET_STAGE1_WINDOW, 0, 0);
  dev_expect_stop (f);
  dev_finish (f, OTA_NET_STATUS_ERR);
}

static void
test_cancel_before_start (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Fake f = { .script = script_cancel_first };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_cancellable_cancel (cancellable);
  g_assert_false (run_full (&f, 1, WAIT_MS, cancellable, &st, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (st.reads, ==, 0);
}

/* --- a cancel overtaken by the point of no return (S5) ------------------------ */

/* The session's part: a safe cancel is dropped and a fresh cancellable is
 * watched from then on (the cancelled one is kept, never reset). */
static GCancellable *
late_cancel_hook (gpointer user_data)
{
  Fake *f = user_data;
  GCancellable *fresh;

  g_atomic_int_inc (&f->late_calls);
  if (!f->late_drop)
    return NULL;
  fresh = g_cancellable_new ();
  g_ptr_array_add (f->keep, g_object_ref (fresh));
  g_atomic_pointer_set (&f->cancel, fresh);
  return fresh;
}

typedef enum {
  LATE_DROP_REARM,
  LATE_DROP_DEAF,
  LATE_CONFIRMED
} LateMode;

/* The cancel comes after the answer to READ 1; the device then commits
 * before it asks again, so the STOP could only go out past the point of no
 * return. */
static void
script_late_cancel (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  g_cancellable_cancel (f->cancel);
  dev_expect_quiet (f, QUIET_MS);
  dev_total_size (f, 65536, 0);
  if (f->late_cancel != NULL && !f->late_drop)
    {
      /* confirmed for this case: STOP in place of the next answer */
      dev_send (f, OTA_NET_STATUS_READ, OTA_NET_STAGE1_WINDOW, OTA_NET_STAGE1_WINDOW, 0, 10);
      dev_expect_stop (f);
      dev_finish (f, OTA_NET_STATUS_ERR);
      return;
    }
  /* dropped: served as if nothing happened */
  dev_read (f, OTA_NET_STAGE1_WINDOW, OTA_NET_STAGE1_WINDOW, 10);
  if (f->late_cancel != NULL)
    {
      /* re-armed: a new (confirmed) cancel is heard, STOP at the next READ */
      g_cancellable_cancel (g_atomic_pointer_get (&f->cancel));
      dev_expect_quiet (f, QUIET_MS);
      dev_send (f, OTA_NET_STATUS_READ, 2 * OTA_NET_STAGE1_WINDOW, OTA_NET_STAGE1_WINDOW, 0, 20);
      dev_expect_stop (f);
      dev_finish (f, OTA_NET_STATUS_ERR);
      return;
    }
  dev_read (f, 2 * OTA_NET_STAGE1_WINDOW, OTA_NET_STAGE1_WINDOW, 20);
  dev_send (f, OTA_NET_STATUS_DOING, 0, 0, 0, 100);
  dev_expect_quiet (f, QUIET_MS);
  dev_send (f, OTA_NET_STATUS_OK, 0, 0, 0, 100);
  g_assert_cmpint (ota_test_wait_close (f->socket, WAIT_MS), ==, 0);
}

static void
test_late_cancel (gconstpointer data)
{
  LateMode mode = GPOINTER_TO_INT (data);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  Fake f = { .script = script_late_cancel, .cancel = cancellable, .keep = keep };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  gboolean ok;

  f.late_cancel = mode == LATE_DROP_DEAF ? NULL : late_cancel_hook;
  f.late_drop = mode == LATE_DROP_REARM;
  ok = run_full (&f, 1, WAIT_MS, cancellable, &st, NULL, &error);
  g_assert_true (st.committed);
  g_assert_cmpuint (st.all_size, ==, 65536);
  switch (mode)
    {
    case LATE_DROP_REARM:
      g_assert_cmpint (f.late_calls, ==, 1);
      g_assert_cmpuint (st.late_cancels, ==, 1);
      g_assert_false (ok);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (st.reads, ==, 2);
      break;
    case LATE_DROP_DEAF:
      g_assert_cmpuint (st.late_cancels, ==, 1);
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpuint (st.reads, ==, 3);
      break;
    case LATE_CONFIRMED:
    default:
      g_assert_cmpint (f.late_calls, ==, 1);
      g_assert_cmpuint (st.late_cancels, ==, 0);
      g_assert_false (ok);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_cmpuint (st.reads, ==, 1);
      break;
    }
}

/* --- the wait after the total size: the updater erases first (4.4) ---------- */

static void
test_erase_wait_formula (void)
{
  /* never below 120 s, 10 s + all_size at 32 KiB/s above that */
  g_assert_cmpuint (ota_transfer_erase_wait_ms (0, 30000), ==, 120000);
  g_assert_cmpuint (ota_transfer_erase_wait_ms (1024 * 1024, 30000), ==, 120000);
  g_assert_cmpuint (ota_transfer_erase_wait_ms (4 * 1024 * 1024, 30000), ==, 138000);
  g_assert_cmpuint (ota_transfer_erase_wait_ms (16 * 1024 * 1024, 30000), ==, 522000);
  g_assert_cmpuint (ota_transfer_erase_wait_ms (G_MAXUINT32, 30000), ==,
                    10000 + (guint64) G_MAXUINT32 * 1000 / (32 * 1024));
  /* and never shorter than the ordinary wait the user asked for */
  g_assert_cmpuint (ota_transfer_erase_wait_ms (0, 600000), ==, 600000);
}

/* A pause longer than --timeout between the total size and the next READ:
 * the device is erasing, the app waits. */
static void
script_erase_gap (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_total_size (f, FILE_SIZE, 0);
  /* nothing, not even a close, for far longer than the app's --timeout */
  dev_expect_quiet (f, f->gap_ms);
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 1);
  dev_send (f, OTA_NET_STATUS_DOING, 0, 0, 0, 100);
  dev_expect_quiet (f, QUIET_MS);
  dev_finish (f, OTA_NET_STATUS_OK);
}

static void
test_erase_wait_after_total (void)
{
  Fake f = { .script = script_erase_gap, .gap_ms = 1500 };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_true (run_full (&f, 2, 300, NULL, &st, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (st.committed);
  g_assert_cmpuint (st.reads, ==, 2);
}

/* The same pause anywhere else is a device that stopped answering. */
static void
script_gap_elsewhere (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_total_size (f, FILE_SIZE, 0);
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 1);
  /* the erase is over: now the ordinary --timeout applies */
  g_assert_cmpint (ota_test_wait_close (f->socket, f->gap_ms), ==, 0);
}

static void
test_erase_wait_not_elsewhere (void)
{
  Fake f = { .script = script_gap_elsewhere, .gap_ms = 1500 };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (run_full (&f, 2, 300, NULL, &st, NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, 1500);
  g_assert_cmpuint (st.reads, ==, 2);
}

/* A cancel during the erase wait gets the ordinary wait for its READ. */
static void
script_erase_cancel (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_total_size (f, FILE_SIZE, 0);
  g_cancellable_cancel (f->cancel);
  /* still erasing: no READ comes; the app gives up without a byte */
  g_assert_cmpint (ota_test_wait_close (f->socket, WAIT_MS), ==, 0);
}

static void
test_erase_wait_cancel (void)
{
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Fake f = { .script = script_erase_cancel, .cancel = cancellable };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;
  gint64 start = g_get_monotonic_time ();

  g_assert_false (run_full (&f, 2, 300, cancellable, &st, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (ota_test_elapsed_ms (start), <, 3000);
  g_assert_true (st.committed);
}

/* --- a device that asks but never reads the answers (zero window) -------- */

static void
script_zero_window (Fake *f)
{
  g_autoptr (GError) error = NULL;
  gint64 until;

  g_socket_set_option (f->socket, SOL_SOCKET, SO_RCVBUF, 4096, &error);
  g_assert_no_error (error);
  /* many requests at once, and not one byte of the answers read */
  for (guint i = 0; i < 40; i++)
    dev_send (f, OTA_NET_STATUS_READ, 0, OTA_NET_STAGE1_WINDOW, 0, 0);
  until = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;
  while (!g_atomic_int_get (&f->app_done) && g_get_monotonic_time () < until)
    g_usleep (1000);
  g_assert_true (g_atomic_int_get (&f->app_done));
  ota_test_wait_close (f->socket, WAIT_MS);
}

static void
test_zero_window (void)
{
  Fake f = { .script = script_zero_window, .small_buffers = TRUE };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_false (run_full (&f, 1, 300, NULL, &st, NULL, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "stopped taking data"));
  g_assert_null (strstr (error->message, "stopped answering"));
  g_assert_cmpuint (st.reads, <, 40);
}

/* --- the file changed after it was validated: STOP, never its new bytes --- */

typedef enum {
  CHANGE_REWRITE,
  CHANGE_TRUNCATE
} ChangeKind;

/* A private copy of the firmware file, its times set far in the past so
 * that any write now changes them whatever the timestamp resolution. */
static gchar *
private_copy (const gchar *name)
{
  gchar *path = g_build_filename (tmp_dir, name, NULL);
  struct utimbuf past = { .actime = 1000000000, .modtime = 1000000000 };

  g_assert_true (g_file_set_contents (path, (const gchar *) file_data, FILE_SIZE, NULL));
  g_assert_cmpint (g_utime (path, &past), ==, 0);
  return path;
}

/* Changes the file in place, as an editor or `cp` over it would: same
 * inode, new bytes (same size), or cut to half its size. */
static void
change_file (const gchar *path, ChangeKind kind)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileIOStream) io = NULL;
  g_autoptr (GError) error = NULL;

  io = g_file_open_readwrite (file, NULL, &error);
  g_assert_no_error (error);
  if (kind == CHANGE_TRUNCATE)
    g_assert_true (g_seekable_truncate (G_SEEKABLE (io), FILE_SIZE / 2, NULL, &error));
  else
    {
      g_autofree guint8 *other = g_memdup2 (file_data, FILE_SIZE);

      for (guint i = 0; i < FILE_SIZE; i++)
        other[i] ^= 0x5A;
      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (io)),
                                                other, FILE_SIZE, NULL, NULL, &error));
    }
  g_assert_no_error (error);
  g_assert_true (g_io_stream_close (G_IO_STREAM (io), NULL, &error));
  g_assert_no_error (error);
}

static void
script_file_changed (Fake *f)
{
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 0);
  dev_total_size (f, FILE_SIZE, 0);
  dev_read (f, 0, OTA_NET_STAGE1_WINDOW, 1);
  change_file (f->path, (ChangeKind) f->status);
  /* a window the file still holds, whatever the change: STOP, not data */
  dev_send (f, OTA_NET_STATUS_READ, OTA_NET_STAGE1_WINDOW, OTA_NET_STAGE1_WINDOW, 0, 2);
  dev_expect_stop (f);
  dev_expect_quiet (f, QUIET_MS);
  dev_finish (f, OTA_NET_STATUS_ERR);
}

static void
test_file_changed (gconstpointer data)
{
  ChangeKind kind = GPOINTER_TO_INT (data);
  g_autofree gchar *path = private_copy ("changed.bin");
  Fake f = { .script = script_file_changed, .path = path, .status = (guint8) kind };
  g_autoptr (GError) error = NULL;
  OtaTransferState st;

  g_assert_false (run (&f, &st, &error));
  g_assert_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE);
  g_assert_true (
      g_str_has_prefix (error->message, "the firmware file changed during the upgrade ("));
  g_assert_nonnull (strstr (error->message,
                            kind == CHANGE_TRUNCATE ? "its size went from" : "it was written to"));
  g_assert_true (st.committed);
  g_assert_cmpuint (st.reads, ==, 2);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  GRand *rand;
  int ret;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("ota-test-transfer-XXXXXX", &error);
  g_assert_no_error (error);
  file_path = g_build_filename (tmp_dir, "firmware.bin", NULL);
  file_data = g_malloc (FILE_SIZE);
  rand = g_rand_new_with_seed (0x0AC79);
  for (guint i = 0; i < FILE_SIZE; i++)
    file_data[i] = (guint8) g_rand_int (rand);
  g_rand_free (rand);
  g_assert_true (g_file_set_contents (file_path, (const gchar *) file_data, FILE_SIZE, NULL));

  g_test_add_func ("/ota/transfer/stage1-forward", test_stage1_forward);
  g_test_add_func ("/ota/transfer/stage2-backward", test_stage2_backward);
  g_test_add_func ("/ota/transfer/edges", test_edges);
  g_test_add_func ("/ota/transfer/err-before-commit", test_err_before_commit);
  g_test_add_func ("/ota/transfer/err-after-commit", test_err_after_commit);
  g_test_add_func ("/ota/transfer/same", test_same);
  g_test_add_func ("/ota/transfer/unknown-status", test_unknown_status);
  g_test_add_data_func ("/ota/transfer/stop/beyond-eof", beyond_eof, test_hostile);
  g_test_add_data_func ("/ota/transfer/stop/far-beyond-eof", far_beyond_eof, test_hostile);
  g_test_add_data_func ("/ota/transfer/stop/too-large", too_large, test_hostile);
  g_test_add_data_func ("/ota/transfer/stop/zero-size", zero_size, test_hostile);
  g_test_add_data_func ("/ota/transfer/ignored/bad-sum", &bad_sum_script, test_ignored);
  g_test_add_data_func ("/ota/transfer/ignored/garbage", &garbage_script, test_ignored);
  g_test_add_data_func ("/ota/transfer/closed/midway", &close_midway, test_closed);
  g_test_add_data_func ("/ota/transfer/closed/mid-header", &close_mid_header, test_closed);
  g_test_add_func ("/ota/transfer/timeout", test_timeout);
  g_test_add_data_func ("/ota/transfer/cancel/before-commit", GINT_TO_POINTER (FALSE), test_cancel);
  g_test_add_data_func ("/ota/transfer/cancel/after-commit", GINT_TO_POINTER (TRUE), test_cancel);
  g_test_add_func ("/ota/transfer/cancel/device-closes", test_cancel_device_closes);
  g_test_add_func ("/ota/transfer/cancel/before-start", test_cancel_before_start);
  g_test_add_data_func ("/ota/transfer/cancel/late-dropped-rearmed",
                        GINT_TO_POINTER (LATE_DROP_REARM), test_late_cancel);
  g_test_add_data_func ("/ota/transfer/cancel/late-dropped-no-hook",
                        GINT_TO_POINTER (LATE_DROP_DEAF), test_late_cancel);
  g_test_add_data_func ("/ota/transfer/cancel/late-confirmed", GINT_TO_POINTER (LATE_CONFIRMED),
                        test_late_cancel);

  g_test_add_func ("/ota/transfer/zero-window", test_zero_window);
  g_test_add_func ("/ota/transfer/erase-wait/formula", test_erase_wait_formula);
  g_test_add_func ("/ota/transfer/erase-wait/after-total-size", test_erase_wait_after_total);
  g_test_add_func ("/ota/transfer/erase-wait/not-elsewhere", test_erase_wait_not_elsewhere);
  g_test_add_func ("/ota/transfer/erase-wait/cancel", test_erase_wait_cancel);
  g_test_add_data_func ("/ota/transfer/file-changed/rewritten", GINT_TO_POINTER (CHANGE_REWRITE),
                        test_file_changed);
  g_test_add_data_func ("/ota/transfer/file-changed/truncated", GINT_TO_POINTER (CHANGE_TRUNCATE),
                        test_file_changed);

  ret = g_test_run ();

  g_unlink (file_path);
  g_rmdir (tmp_dir);
  g_free (file_path);
  g_free (tmp_dir);
  g_free (file_data);
  return ret;
}
