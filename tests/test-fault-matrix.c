/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "TestFaultMatrix"

/* The fault matrix: every fault of the emulator (docs/emulator.md) at the
 * start, the middle and the end of each stage, before and after the
 * total-size message, flashed with the real `otaflash --cli`. Each row
 * checks the exit code, the result message (how the run ended and the
 * cause it reports), that the "device_state" the
 * flasher reports is the state the device is really in, zero device-safety
 * violations (and the emulator's --strict exit status), and, where the
 * device can be recovered, that running the same command again (after a
 * power cycle where the row needs one) finishes the upgrade and the device
 * confirms the new version.
 *
 * Stage one of the test file: READ 1 is the probe (before the total size),
 * READs 2..5 carry ota.bin. Stage two: READ 1 probe, READs 2..9 flash.bin
 * (walking backwards). Each of the nine transfer faults (drop, stall,
 * bad-sum, err, garbage, read-beyond-eof, read-too-large, slow-erase,
 * power-loss) has a row at stage one READ 1, 2, 3, 5 and stage two READ 1,
 * 2, 5, 9 (but a stall at READ 2, the first after the total size, which is
 * waited out as the updater's erase: a silence longer than --timeout there
 * is a row of its own). Test paths are /matrix/<group>/<row>, one ctest entry per group
 * (tests/reliability-tests.cmake), each group a position so that none runs
 * much longer than the others. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "ota-ctp-frame.h" /* autoptr for cJSON */
#include "ota-test-cli.h"
#include "ota-test-emu.h"

#define OLD "1.0.0" /* what a fresh emulator runs */
#define NEW "1.0.2" /* the file's script.ver */

typedef enum {
  AGAIN_NONE,        /* nothing to recover (or nothing that a second run should change) */
  AGAIN_SAME,        /* run the same command again on the same device */
  AGAIN_POWER_CYCLE, /* power cycle (ota_test_emu_restart), then run it again */
  AGAIN_INFO_AFTER_POWER_CYCLE, /* power cycle, then --info must show the new version */
} Again;

typedef struct {
  const gchar *path;        /* "group/row" */
  const gchar *faults[3];   /* --fault specs */
  const gchar *emu_args[3]; /* more emulator options */
  const gchar *cli_args[5]; /* more CLI options */
  gint exit_code;
  const gchar *message;      /* part of the result message (NULL: not checked) */
  const gchar *cause;        /* a second part: the reported cause (NULL: not checked) */
  const gchar *device_state; /* the result's device_state */
  const gchar *installed;    /* what the device runs afterwards */
  gboolean pending;          /* stage two pending afterwards */
  gboolean untouched;        /* no control-channel connection at all */
  Again again;
} Row;

/* clang-format off */
#define F(...) { __VA_ARGS__ }
#define NONE { NULL }
/* clang-format on */

/* the parts of the result message: how the run ended, then why */
#define UNCHANGED "stage one: "
#define NO_RETURN "stage one failed after the point of no return: "
#define S2_FAILED "stage two failed: "
#define S2_FAILED_ALL "stage two failed after every retry: "
#define CLOSED "the device closed the connection"
#define SILENT "the device sent no request for 1.0 s" /* --timeout 1 */
#define MALFORMED "the device reported an error after 1 malformed message from it"
#define DEV_ERR "the device reported an error"
#define BEYOND "beyond the end of the 379248-byte file" /* the fixture's file */
#define TOO_LARGE "the device asked for 44032 bytes at once (at most 43008 are allowed)"

static const Row rows[] = {
  /* ---- the description and the control channel: nothing is changed ---- */
  { "refused/dual-backup", F ("dual-backup"), NONE, NONE, 5, "not a single-backup build", NULL,
    "unchanged", OLD, FALSE, TRUE, AGAIN_SAME },
  { "refused/desc-no-ota-type", F ("desc-no-ota-type"), NONE, NONE, 5, "ota_type \"missing\"", NULL,
    "unchanged", OLD, FALSE, TRUE, AGAIN_SAME },
  { "refused/desc-malformed", F ("desc-malformed"), NONE, NONE, 7, "not valid JSON", NULL,
    "unknown", OLD, FALSE, TRUE, AGAIN_SAME },
  { "refused/http-404", F ("http-404"), NONE, NONE, 5, "HTTP 404", NULL, "unknown", OLD, FALSE,
    TRUE, AGAIN_SAME },
  { "refused/busy", F ("busy"), NONE, NONE, 5, "errno 3", NULL, "unchanged", OLD, FALSE, FALSE,
    AGAIN_SAME },
  { "refused/refuse-ota", F ("refuse-ota"), NONE, NONE, 5, "NET_OTA_SINGLE status \"0\"", NULL,
    "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  /* the updater's description: polled after the reboot, read again in stage two */
  { "refused/loader-desc-malformed", F ("desc-malformed:stage=2"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "refused/loader-http-404", F ("http-404:stage=2"), NONE, NONE, 0, NEW, NULL, "updated", NEW,
    FALSE, FALSE, AGAIN_NONE },
  { "refused/loader-dual-backup", F ("dual-backup:stage=2"), NONE, NONE, 0, NEW, NULL, "updated",
    NEW, FALSE, FALSE, AGAIN_NONE },
  { "refused/same-firmware", NONE, F ("--installed-ufw", "@UFW"), NONE, 7,
    "most likely the device already runs this firmware", NULL, "unchanged", NEW, FALSE, FALSE,
    AGAIN_NONE },
  { "refused/same-firmware-sdk-1.1", NONE, F ("--installed-ufw", "@UFW", "--sdk=1.1"), NONE, 6,
    "already runs this firmware", NULL, "unchanged", NEW, FALSE, FALSE, AGAIN_NONE },

  /* ---- stage one, before the total size (READ 1): the device is unchanged ---- */
  { "stage1-before/drop", F ("drop:stage=1,read=1"), NONE, NONE, 7, UNCHANGED, CLOSED, "unchanged",
    OLD, FALSE, FALSE, AGAIN_SAME },
  { "stage1-before/stall", F ("stall:stage=1,read=1"), NONE, F ("--timeout", "1"), 7, UNCHANGED,
    SILENT, "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  { "stage1-before/bad-sum", F ("bad-sum:stage=1,read=1"), NONE, NONE, 7, UNCHANGED, MALFORMED,
    "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  /* ERR before the total size is what the device does for the firmware it already runs */
  { "stage1-before/err", F ("err:stage=1,read=1"), NONE, NONE, 7,
    "stage one: the device reported an error before changing anything",
    "most likely the device already runs this firmware", "unchanged", OLD, FALSE, FALSE,
    AGAIN_SAME },
  { "stage1-before/garbage", F ("garbage:stage=1,read=1"), NONE, NONE, 7, UNCHANGED, MALFORMED,
    "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  { "stage1-before/read-beyond-eof", F ("read-beyond-eof:stage=1,read=1"), NONE, NONE, 7, UNCHANGED,
    BEYOND, "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  { "stage1-before/read-too-large", F ("read-too-large:stage=1,read=1"), NONE, NONE, 7, UNCHANGED,
    TOO_LARGE, "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  { "stage1-before/slow-erase", F ("slow-erase:stage=1,read=1,secs=50"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage1-before/slow-erase-timeout", F ("slow-erase:stage=1,read=1,secs=150"), NONE,
    F ("--timeout", "1"), 7, UNCHANGED, SILENT, "unchanged", OLD, FALSE, FALSE, AGAIN_SAME },
  /* a power cut before the total size: the connection closes, nothing was written */
  { "stage1-before/power-loss", F ("power-loss:stage=1,read=1"), NONE, NONE, 7, UNCHANGED, CLOSED,
    "unchanged", OLD, FALSE, FALSE, AGAIN_POWER_CYCLE },

  /* ---- stage one after the total size, start of ota.bin (READ 2): left in the updater ---- */
  { "stage1-after-start/drop", F ("drop:stage=1,read=2"), NONE, NONE, 8, NO_RETURN, CLOSED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  /* READ 2 is the first after the total size: the updater erases first, and a silence there
   * longer than --timeout is waited out (docs/protocol.md, "The wait after the total size");
   * a stall there would only end after max (120 s, ...), so it is not a row */
  { "stage1-after-start/erase-longer-than-timeout", F ("slow-erase:stage=1,read=2,secs=150"), NONE,
    F ("--timeout", "1"), 0, NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage1-after-start/bad-sum", F ("bad-sum:stage=1,read=2"), NONE, NONE, 8, NO_RETURN, MALFORMED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-start/err", F ("err:stage=1,read=2"), NONE, NONE, 8, NO_RETURN, DEV_ERR,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-start/garbage", F ("garbage:stage=1,read=2"), NONE, NONE, 8, NO_RETURN, MALFORMED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-start/read-beyond-eof", F ("read-beyond-eof:stage=1,read=2"), NONE, NONE, 8,
    NO_RETURN, BEYOND, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-start/read-too-large", F ("read-too-large:stage=1,read=2"), NONE, NONE, 8,
    NO_RETURN, TOO_LARGE, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-start/slow-erase", F ("slow-erase:stage=1,read=2,secs=50"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage1-after-start/power-loss", F ("power-loss:stage=1,read=2"), NONE, NONE, 8, NO_RETURN,
    CLOSED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_POWER_CYCLE },

  /* ---- stage one after the total size, middle of ota.bin (READ 3): left in the updater ---- */
  { "stage1-after-middle/drop", F ("drop:stage=1,read=3"), NONE, NONE, 8, NO_RETURN, CLOSED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/stall", F ("stall:stage=1,read=3"), NONE, F ("--timeout", "1"), 8,
    NO_RETURN, SILENT, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/bad-sum", F ("bad-sum:stage=1,read=3"), NONE, NONE, 8, NO_RETURN,
    MALFORMED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/err", F ("err:stage=1,read=3"), NONE, NONE, 8, NO_RETURN, DEV_ERR,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/garbage", F ("garbage:stage=1,read=3"), NONE, NONE, 8, NO_RETURN,
    MALFORMED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/read-beyond-eof", F ("read-beyond-eof:stage=1,read=3"), NONE, NONE, 8,
    NO_RETURN, BEYOND, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/read-too-large", F ("read-too-large:stage=1,read=3"), NONE, NONE, 8,
    NO_RETURN, TOO_LARGE, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/slow-erase", F ("slow-erase:stage=1,read=3,secs=50"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage1-after-middle/slow-erase-timeout", F ("slow-erase:stage=1,read=3,secs=150"), NONE,
    F ("--timeout", "1"), 8, NO_RETURN, SILENT, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-middle/power-loss", F ("power-loss:stage=1,read=3"), NONE, NONE, 8, NO_RETURN,
    CLOSED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_POWER_CYCLE },

  /* ---- stage one after the total size, end of ota.bin (READ 5): left in the updater ---- */
  { "stage1-after-end/drop", F ("drop:stage=1,read=5"), NONE, NONE, 8, NO_RETURN, CLOSED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/stall", F ("stall:stage=1,read=5"), NONE, F ("--timeout", "1"), 8, NO_RETURN,
    SILENT, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/bad-sum", F ("bad-sum:stage=1,read=5"), NONE, NONE, 8, NO_RETURN, MALFORMED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/err", F ("err:stage=1,read=5"), NONE, NONE, 8, NO_RETURN, DEV_ERR,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/garbage", F ("garbage:stage=1,read=5"), NONE, NONE, 8, NO_RETURN, MALFORMED,
    "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/read-beyond-eof", F ("read-beyond-eof:stage=1,read=5"), NONE, NONE, 8,
    NO_RETURN, BEYOND, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/read-too-large", F ("read-too-large:stage=1,read=5"), NONE, NONE, 8,
    NO_RETURN, TOO_LARGE, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage1-after-end/slow-erase", F ("slow-erase:stage=1,read=5,secs=50"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage1-after-end/power-loss", F ("power-loss:stage=1,read=5"), NONE, NONE, 8, NO_RETURN,
    CLOSED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_POWER_CYCLE },

  /* ---- stage two: the updater retries, so does otaflash (--retries, default 3) ---- */
  /* READ 1 is the probe, before the total size; READ 2 the start of the transfer (the end of
   * flash.bin: the updater reads backwards), 5 the middle, 9 the end. A cell that is not here
   * is in stage2-stranded (--retries 0) or power-loss-stage2. */
  { "stage2-retried-before-total/drop", F ("drop:stage=2,read=1"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/stall", F ("stall:stage=2,read=1"), NONE, F ("--timeout", "1"), 0,
    NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/bad-sum", F ("bad-sum:stage=2,read=1"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/err", F ("err:stage=2,read=1"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/garbage", F ("garbage:stage=2,read=1"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/read-beyond-eof", F ("read-beyond-eof:stage=2,read=1"), NONE, NONE,
    0, NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/read-too-large", F ("read-too-large:stage=2,read=1"), NONE, NONE,
    0, NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-before-total/slow-erase", F ("slow-erase:stage=2,read=1,secs=50"), NONE, NONE,
    0, NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-start/erase-longer-than-timeout", F ("slow-erase:stage=2,read=2,secs=150"),
    NONE, F ("--timeout", "1"), 0, NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-start/bad-sum", F ("bad-sum:stage=2,read=2"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-start/err", F ("err:stage=2,read=2"), NONE, NONE, 0, NEW, NULL, "updated", NEW,
    FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-start/garbage", F ("garbage:stage=2,read=2"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-start/read-too-large", F ("read-too-large:stage=2,read=2"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-start/slow-erase", F ("slow-erase:stage=2,read=2,secs=50"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  /* two faults, two retries */
  { "stage2-retried-start/two-faults", F ("drop:stage=2,read=2", "err:stage=2,read=4"), NONE, NONE,
    0, NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-middle/drop", F ("drop:stage=2,read=5"), NONE, NONE, 0, NEW, NULL, "updated",
    NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-middle/garbage", F ("garbage:stage=2,read=5"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-middle/read-beyond-eof", F ("read-beyond-eof:stage=2,read=5"), NONE, NONE, 0,
    NEW, NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-middle/slow-erase", F ("slow-erase:stage=2,read=5,secs=50"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/drop", F ("drop:stage=2,read=9"), NONE, NONE, 0, NEW, NULL, "updated", NEW,
    FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/stall", F ("stall:stage=2,read=9"), NONE, F ("--timeout", "1"), 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/bad-sum", F ("bad-sum:stage=2,read=9"), NONE, NONE, 0, NEW, NULL, "updated",
    NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/err", F ("err:stage=2,read=9"), NONE, NONE, 0, NEW, NULL, "updated", NEW,
    FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/read-beyond-eof", F ("read-beyond-eof:stage=2,read=9"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/read-too-large", F ("read-too-large:stage=2,read=9"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "stage2-retried-end/slow-erase", F ("slow-erase:stage=2,read=9,secs=50"), NONE, NONE, 0, NEW,
    NULL, "updated", NEW, FALSE, FALSE, AGAIN_NONE },

  /* ---- stage two without (enough) retries: stranded in the updater, recovered ---- */
  { "stage2-stranded/drop-start", F ("drop:stage=2,read=2"), NONE, F ("--retries", "0"), 8,
    S2_FAILED, CLOSED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage2-stranded/stall-middle", F ("stall:stage=2,read=5"), NONE,
    F ("--retries", "0", "--timeout", "1"), 8, S2_FAILED, SILENT, "needs-recovery", OLD, TRUE,
    FALSE, AGAIN_SAME },
  { "stage2-stranded/err-middle", F ("err:stage=2,read=5"), NONE, F ("--retries", "0"), 8,
    S2_FAILED, DEV_ERR, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage2-stranded/bad-sum-middle", F ("bad-sum:stage=2,read=5"), NONE, F ("--retries", "0"), 8,
    S2_FAILED, MALFORMED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage2-stranded/garbage-end", F ("garbage:stage=2,read=9"), NONE, F ("--retries", "0"), 8,
    S2_FAILED, MALFORMED, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage2-stranded/read-beyond-eof-start", F ("read-beyond-eof:stage=2,read=2"), NONE,
    F ("--retries", "0"), 8, S2_FAILED, BEYOND, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage2-stranded/read-too-large-middle", F ("read-too-large:stage=2,read=5"), NONE,
    F ("--retries", "0"), 8, S2_FAILED, TOO_LARGE, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },
  { "stage2-stranded/err-every-retry", F ("err:stage=2,times=5"), NONE, F ("--retries", "2"), 8,
    S2_FAILED_ALL, DEV_ERR, "needs-recovery", OLD, TRUE, FALSE, AGAIN_SAME },

  /* ---- power loss in stage two: the process exits as a power cut would; the retry finds
   * the device gone, and the device comes back in its updater after the power cycle ---- */
  { "power-loss-stage2/before-total", F ("power-loss:stage=2,read=1"), NONE, F ("--retries", "1"),
    8, S2_FAILED_ALL, "cannot connect to 127.0.0.1", "needs-recovery", OLD, TRUE, FALSE,
    AGAIN_POWER_CYCLE },
  { "power-loss-stage2/start", F ("power-loss:stage=2,read=2"), NONE, F ("--retries", "1"), 8,
    S2_FAILED_ALL, "cannot connect to 127.0.0.1", "needs-recovery", OLD, TRUE, FALSE,
    AGAIN_POWER_CYCLE },
  { "power-loss-stage2/middle", F ("power-loss:stage=2,read=5"), NONE, F ("--retries", "1"), 8,
    S2_FAILED_ALL, "cannot connect to 127.0.0.1", "needs-recovery", OLD, TRUE, FALSE,
    AGAIN_POWER_CYCLE },
  { "power-loss-stage2/end", F ("power-loss:stage=2,read=9"), NONE, F ("--retries", "1"), 8,
    S2_FAILED_ALL, "cannot connect to 127.0.0.1", "needs-recovery", OLD, TRUE, FALSE,
    AGAIN_POWER_CYCLE },

  /* ---- restarts: late, or never ---- */
  { "reboot/late-after-stage1", F ("late-reboot:stage=1,secs=50"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "reboot/late-after-stage2", F ("late-reboot:stage=2,secs=50"), NONE, NONE, 0, NEW, NULL,
    "updated", NEW, FALSE, FALSE, AGAIN_NONE },
  { "reboot/too-late-after-stage1", F ("late-reboot:stage=1,secs=250"), NONE,
    F ("--reboot-timeout", "1.5"), 9, "did not come back within 1.5 s", NULL, "needs-recovery", OLD,
    TRUE, FALSE, AGAIN_SAME },
  { "reboot/too-late-after-stage2", F ("late-reboot:stage=2,secs=250"), NONE,
    F ("--reboot-timeout", "1.5"), 9, "did not come back within 1.5 s", NULL, "unknown", NEW, FALSE,
    FALSE, AGAIN_NONE },
  { "reboot/never-after-stage1", F ("no-reboot:stage=1"), NONE, F ("--reboot-timeout", "1.5"), 9,
    "did not come back within 1.5 s", NULL, "needs-recovery", OLD, TRUE, FALSE, AGAIN_POWER_CYCLE },
  { "reboot/never-after-stage2", F ("no-reboot:stage=2"), NONE, F ("--reboot-timeout", "1.5"), 9,
    "did not come back within 1.5 s", NULL, "unknown", NEW, FALSE, FALSE,
    AGAIN_INFO_AFTER_POWER_CYCLE },
};

typedef struct {
  gchar *dir;
  gchar *ufw;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("otaflash-matrix-XXXXXX", &error);
  g_assert_no_error (error);
  /* stage one: 1 probe + 4 READs; stage two: 1 probe + 8 READs */
  f->ufw = ota_test_make_ufw (f->dir, 300 * 1024 + 17, 70 * 1024 + 3, 42, NEW, OTA_UFW_CORRUPT_NONE,
                              &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->ufw);
  g_rmdir (f->dir);
  g_free (f->ufw);
  g_free (f->dir);
}

/* ---- checks -------------------------------------------------------------------- */

static OtaTestEmu *
start_emu (const Row *row, Fixture *f)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  OtaTestEmu *emu;

  for (guint i = 0; i < G_N_ELEMENTS (row->faults) && row->faults[i] != NULL; i++)
    {
      g_ptr_array_add (args, (gpointer) "--fault");
      g_ptr_array_add (args, (gpointer) row->faults[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (row->emu_args) && row->emu_args[i] != NULL; i++)
    g_ptr_array_add (
        args, (gpointer) (g_str_equal (row->emu_args[i], "@UFW") ? f->ufw : row->emu_args[i]));
  g_ptr_array_add (args, NULL);
  emu = ota_test_emu_start ((const gchar *const *) args->pdata, &error);
  g_assert_no_error (error);
  return emu;
}

static guint
count_ctp_connects (OtaTestEmu *emu)
{
  g_autoptr (cJSON) events = ota_test_emu_get_events (emu, "connect");
  const cJSON *ev;
  guint n = 0;

  cJSON_ArrayForEach (ev, events)
  {
    const cJSON *port = cJSON_GetObjectItem (ev, "port");
    if (cJSON_IsString (port) && g_str_equal (port->valuestring, "ctp"))
      n++;
  }
  return n;
}

/* What the flasher says about the device must be what the device is. */
static void
assert_truthful (OtaTestCliRun *r, OtaTestEmu *emu, const gchar *before)
{
  const gchar *state = ota_test_cli_result_string (r, "device_state");
  g_autofree gchar *installed = ota_test_emu_get_installed_version (emu);
  gboolean pending = ota_test_emu_get_stage2_pending (emu);

  if (g_str_equal (state, "updated"))
    g_assert_true (g_str_equal (installed, NEW) && !pending);
  else if (g_str_equal (state, "unchanged"))
    g_assert_true (g_str_equal (installed, before) && !pending);
  else if (g_str_equal (state, "needs-recovery"))
    g_assert_true (pending);
  else
    g_assert_cmpstr (state, ==, "unknown");
  if (r->status != 0)
    {
      g_assert_nonnull (ota_test_cli_result_string (r, "next_step"));
      if (pending)
        ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "next_step"),
                                      "WIFI_OTA_XXXXXX");
    }
}

/* The first `retry` warning of the run names @cause. */
static void
assert_retry_cause (OtaTestCliRun *r, const gchar *cause)
{
  for (guint i = 0; i < r->lines->len; i++)
    {
      g_autoptr (cJSON) obj = cJSON_Parse (g_ptr_array_index (r->lines, i));
      const gchar *event = cJSON_GetStringValue (cJSON_GetObjectItem (obj, "event"));
      const gchar *code = cJSON_GetStringValue (cJSON_GetObjectItem (obj, "code"));

      if (g_strcmp0 (event, "log") == 0 && g_strcmp0 (code, "retry") == 0)
        {
          ota_test_cli_assert_contains (
              r, cJSON_GetStringValue (cJSON_GetObjectItem (obj, "message")), cause);
          return;
        }
    }
  ota_test_cli_assert_contains (r, NULL, "a retry warning");
}

static OtaTestCliRun *
flash (OtaTestEmu *emu, Fixture *f, const gchar *const *cli_args)
{
  g_autoptr (GPtrArray) extra = g_ptr_array_new ();

  for (guint i = 0; cli_args != NULL && cli_args[i] != NULL; i++)
    g_ptr_array_add (extra, (gpointer) cli_args[i]);
  g_ptr_array_add (extra, f->ufw);
  g_ptr_array_add (extra, NULL);
  return ota_test_cli_run_json (emu, (const gchar *const *) extra->pdata, NULL, NULL);
}

/* The second run that finishes the upgrade, on @emu as it is now. */
static void
flash_again (OtaTestEmu *emu, Fixture *f, gboolean was_pending)
{
  g_autoptr (OtaTestCliRun) r = flash (emu, f, NULL);

  if (r->status != 0)
    ota_test_cli_assert_contains (r, "exit code of the second run 0", "exit code 0");
  g_assert_cmpstr (ota_test_cli_result_string (r, "status"), ==, "success");
  g_assert_cmpstr (ota_test_cli_result_string (r, "firmware_version"), ==, NEW);
  g_assert_cmpuint (ota_test_cli_count_events (r, "log", "code", "recovery"), ==,
                    was_pending ? 1 : 0);
  assert_truthful (r, emu, OLD);
  ota_test_emu_assert_installed (emu, NEW, FALSE);
}

static OtaTestEmu *
power_cycle (OtaTestEmu *emu, gboolean pending)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *ssid = NULL;
  OtaTestEmu *again;

  again = ota_test_emu_restart (emu, NULL, &error);
  g_assert_no_error (error);
  /* the updater comes back on its open recovery network */
  ssid = ota_test_emu_get_ssid (again);
  g_assert_true (g_str_has_prefix (ssid, pending ? "WIFI_OTA_" : "wifi_camera_"));
  g_assert_cmpint (ota_test_emu_get_stage2_pending (again), ==, pending);
  return again;
}

static void
test_row (Fixture *f, gconstpointer data)
{
  const Row *row = data;
  g_autoptr (OtaTestEmu) emu = start_emu (row, f);
  g_autoptr (OtaTestEmu) again = NULL;
  g_autoptr (OtaTestCliRun) r = flash (emu, f, row->cli_args);
  const gchar *message = ota_test_cli_result_string (r, "message");

  if (r->status != row->exit_code)
    ota_test_cli_assert_contains (r, message, "(the expected exit code)");
  if (row->message != NULL)
    ota_test_cli_assert_contains (r, message, row->message);
  if (row->cause != NULL)
    ota_test_cli_assert_contains (r, message, row->cause);
  /* a power cut in stage two: the result names the last attempt (the device is gone), the
   * retry warning what happened first */
  if (row->faults[0] != NULL && g_str_has_prefix (row->faults[0], "power-loss:stage=2"))
    assert_retry_cause (r, CLOSED);
  g_assert_cmpstr (ota_test_cli_result_string (r, "device_state"), ==, row->device_state);
  if (row->faults[0] != NULL)
    g_assert_cmpuint (ota_test_emu_count_events (emu, "fault"), >=, 1);
  ota_test_emu_assert_installed (emu, row->installed, row->pending);
  assert_truthful (r, emu, row->emu_args[0] != NULL ? NEW : OLD);
  if (row->untouched)
    g_assert_cmpuint (count_ctp_connects (emu), ==, 0);
  if (row->exit_code == 0)
    g_assert_cmpstr (ota_test_cli_result_string (r, "firmware_version"), ==, NEW);

  switch (row->again)
    {
    case AGAIN_SAME:
      if (row->pending)
        {
          /* as a technician must: wait until the device is back, in its
           * updater (boot 1 was the main firmware), and rejoin its Wi-Fi */
          g_autoptr (cJSON) boot = ota_test_emu_wait_event_nth (emu, "boot", 2, 30000);
          g_assert_nonnull (boot);
          g_assert_cmpstr (cJSON_GetStringValue (cJSON_GetObjectItem (boot, "mode")), ==, "loader");
        }
      flash_again (emu, f, row->pending);
      ota_test_emu_assert_clean (emu);
      break;
    case AGAIN_POWER_CYCLE:
      ota_test_emu_assert_clean (emu);
      again = power_cycle (emu, row->pending);
      flash_again (again, f, row->pending);
      ota_test_emu_assert_clean (again);
      break;
      case AGAIN_INFO_AFTER_POWER_CYCLE: {
        const gchar *info[] = { "--info", NULL };
        g_autoptr (OtaTestCliRun) ri = NULL;

        ota_test_emu_assert_clean (emu);
        again = power_cycle (emu, row->pending);
        ri = ota_test_cli_run_json (again, info, NULL, NULL);
        g_assert_cmpint (ri->status, ==, 0);
        g_assert_cmpstr (ota_test_cli_result_string (ri, "firmware_version"), ==, NEW);
        ota_test_emu_assert_clean (again);
        break;
      }
    case AGAIN_NONE:
    default:
      ota_test_emu_assert_clean (emu);
      break;
    }
}

/* ---- power loss by SIGKILL: the emulator process killed mid-stage-two ---- */

typedef struct {
  OtaTestEmu *emu;
  gboolean killed;
} KillData;

static void
kill_in_stage_two_cb (GPid pid, const gchar *line, gpointer user_data)
{
  KillData *k = user_data;
  g_autoptr (cJSON) obj = cJSON_Parse (line);
  const cJSON *ev = obj != NULL ? cJSON_GetObjectItem (obj, "event") : NULL;
  const cJSON *stage = obj != NULL ? cJSON_GetObjectItem (obj, "stage") : NULL;
  const cJSON *bytes = obj != NULL ? cJSON_GetObjectItem (obj, "bytes") : NULL;

  /* the first progress of stage two with data served: mid-transfer */
  if (k->killed || !cJSON_IsString (ev) || !g_str_equal (ev->valuestring, "progress")
      || !cJSON_IsNumber (stage) || stage->valueint != 2 || !cJSON_IsNumber (bytes)
      || bytes->valuedouble <= 0)
    return;
  k->killed = TRUE;
  g_subprocess_force_exit (k->emu->proc);
}

static void
test_sigkill_stage_two (Fixture *f, gconstpointer data)
{
  /* a slower flash so that the transfer is still running when the kill lands */
  const gchar *emu_args[] = { "--flash-rate", "400000", NULL };
  const gchar *cli_args[] = { "--json", "--retries", "1", f->ufw, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaTestEmu) emu = ota_test_emu_start (emu_args, &error);
  g_autoptr (OtaTestEmu) again = NULL;
  g_autoptr (OtaTestCliRun) r = NULL;
  g_auto (GStrv) argv = NULL;
  KillData k = { NULL, FALSE };

  g_assert_no_error (error);
  k.emu = emu;
  argv = ota_test_cli_argv (emu, cli_args);
  r = ota_test_cli_run ((const gchar *const *) argv, kill_in_stage_two_cb, &k, 0);
  ota_test_cli_check_json (r);
  g_assert_true (k.killed);
  g_assert_cmpint (r->status, ==, 8);
  g_assert_cmpstr (ota_test_cli_result_string (r, "status"), ==, "needs-recovery");
  g_assert_cmpstr (ota_test_cli_result_string (r, "device_state"), ==, "needs-recovery");
  ota_test_cli_assert_contains (r, ota_test_cli_result_string (r, "next_step"), "WIFI_OTA_XXXXXX");
  /* killed: no exit status to check, but no violation before the kill */
  ota_test_emu_stop (emu);
  g_assert_cmpuint (ota_test_emu_count_violations (emu), ==, 0);
  ota_test_emu_assert_installed (emu, OLD, TRUE);

  again = power_cycle (emu, TRUE);
  flash_again (again, f, TRUE);
  ota_test_emu_assert_clean (again);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree gchar *path = g_strdup_printf ("/matrix/%s", rows[i].path);
      g_test_add (path, Fixture, &rows[i], fixture_setup, test_row, fixture_teardown);
    }
  g_test_add ("/matrix/power-loss-stage2/sigkill-mid-transfer", Fixture, NULL, fixture_setup,
              test_sigkill_stage_two, fixture_teardown);
  return g_test_run ();
}
