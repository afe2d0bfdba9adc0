/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Serves one stage of the OTA data channel (TCP 3335): the device asks, we
 * answer, until it says OK or ERR. The device-safety rules S1-S4 of
 * protocol.md are kept here and nowhere else: one answer per READ and nothing
 * else, one write per answer, STOP only in place of an answer. */

#include <gio/gio.h>
#include "ota-firmware.h"

G_BEGIN_DECLS

typedef struct {
  guint stage;          /* 1 or 2, as given by the caller */
  guint percent;        /* the device's own download_percent */
  guint32 all_size;     /* bytes this stage writes; 0 until the total-size message */
  gboolean committed;   /* total-size seen: from here the device cannot go back */
  guint64 bytes_served; /* data bytes answered after the total-size message */
  guint reads;          /* READ requests answered */
  guint bad_headers;    /* device messages with a bad checksum, ignored */
  gboolean done;        /* the device said percent 100 (writing finished) */
  guint late_cancels;   /* cancels dropped because the total size came first */
} OtaTransferState;

/* Called in the thread that runs the transfer, after every message that
 * changes the state. Keep it cheap. */
typedef void (*OtaTransferFunc) (const OtaTransferState *state, gpointer user_data);

/* Called in the transfer's thread when the total-size message arrives while
 * a cancel is pending whose STOP has not gone out yet (a STOP may only answer
 * a READ, and the device sent the total size first). Past this message a
 * STOP leaves the device in its updater, which must be an explicit, confirmed
 * choice (protocol.md S5). Return NULL when the cancel was confirmed for this
 * case: the STOP goes out at the next READ. Return a new cancellable (the
 * transfer takes the reference) to drop the cancel and go on serving: the
 * transfer watches that one from now on. A cancellable in use is never
 * reset (GLib leaves that undefined). */
typedef GCancellable *(*OtaTransferLateCancelFunc) (gpointer user_data);

typedef struct {
  guint read_timeout_ms; /* longest wait for the device's next message, except
                          * the first request after the total size (below) */
  gboolean split_writes; /* benchmark only: header and data in two writes */
  /* NULL: a late cancel is dropped and no cancellable is watched again
   * during this transfer */
  OtaTransferLateCancelFunc late_cancel_func;
  gpointer late_cancel_data;
} OtaTransferOptions;

void ota_transfer_options_init (OtaTransferOptions *opts);

/* After the total-size message the updater idles 5 s, then erases the whole
 * update area before its next READ (protocol.md 4.4): ~400 KiB/s typically,
 * 32 KiB/s on slow or worn NOR flash. So that one wait is
 *   max (120 s, 10 s + all_size / 32 KiB/s)
 * and never shorter than @read_timeout_ms; every other wait is the
 * ordinary read_timeout_ms. A cancel shortens it back to read_timeout_ms
 * (the STOP still waits for a READ to answer, S3). */
#define OTA_TRANSFER_ERASE_WAIT_MIN_MS 120000u
#define OTA_TRANSFER_ERASE_WAIT_BASE_MS 10000u
#define OTA_TRANSFER_ERASE_RATE (32u * 1024u) /* bytes per second, worst case */
guint ota_transfer_erase_wait_ms (guint32 all_size, guint read_timeout_ms);

/* Runs the conversation on a connected socket until the device reports the
 * end. Returns TRUE on OK. Errors:
 *  - OTA_ERROR_DEVICE_ERROR: the device sent ERR (state->committed tells
 *    whether it had passed the point of no return);
 *  - OTA_ERROR_NOTHING_TO_DO: SAME, the device runs this firmware already;
 *  - OTA_ERROR_PROTOCOL: the device asked for something outside the file or
 *    too large (answered with STOP), sent an unknown status, or closed;
 *  - OTA_ERROR_TIMED_OUT: no message within read_timeout_ms (or the erase
 *    wait after the total size);
 *  - OTA_ERROR_INVALID_FILE: the firmware file changed after it was opened
 *    (ota_firmware_check_unchanged()): the READ that found it was answered
 *    with STOP, so the device never gets bytes that were not validated
 *    (state->committed tells whether it had passed the point of no return);
 *  - G_IO_ERROR_CANCELLED: @cancellable was triggered; the next READ was
 *    answered with STOP (never anything at another moment) and the device's
 *    ERR awaited. A cancel still pending when the total-size message arrives
 *    goes through opts->late_cancel_func (see there).
 * @out_state (may be NULL) receives the final state in every case. */
gboolean ota_transfer_run (GSocket *socket, OtaFirmware *firmware, guint stage,
                           const OtaTransferOptions *opts, OtaTransferFunc func, gpointer user_data,
                           OtaTransferState *out_state, GCancellable *cancellable, GError **error);

G_END_DECLS
