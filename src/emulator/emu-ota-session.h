/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One stage attempt on 3335, shared by the state machine (emu-ota-server.c)
 * and its wire (emu-ota-wire.c: frames out, answers in, the pauses in which
 * the device watches for bytes it did not ask for). Private to the two. */

#include "emu-device.h"
#include "emu-link.h"
#include "emu-socket.h"
#include "ota-net-header.h"
#include "ota-ufw-codec.h"
#include "ota-ufw.h"

G_BEGIN_DECLS

/* Receive buffer: the largest READ the faults ask for, plus slack. */
#define EMU_OTA_RX_MAX (64 * 1024)

typedef enum {
  STEP_CONTINUE,
  STEP_ERR,       /* the device sent ERR (or SAME) */
  STEP_STOPPED,   /* the app answered with STOP; the device sent ERR */
  STEP_TIMEOUT,   /* no valid answer in time; the device sent ERR */
  STEP_DROPPED,   /* the connection is gone (app closed, or a fault) */
  STEP_CANCELLED, /* reboot or shutdown */
} Step;

typedef enum {
  ANS_OK,
  ANS_BAD, /* counted as a violation and ignored */
  ANS_STOP,
  ANS_TIMEOUT,
  ANS_EOF,
  ANS_CANCELLED,
} Answer;

typedef struct {
  EmuDevice *dev;
  GSocket *sock;
  GCancellable *cancellable;
  gint stage;
  guint32 window;
  guint read_k;
  gboolean committed; /* total-size message sent */

  /* what the device learnt of the file */
  GByteArray *head; /* bytes from offset 0, from probe reads */
  gboolean have_header;
  OtaUfwHeader hdr;
  OtaUfwEntry *entries;
  const OtaUfwEntry *flash, *ota, *script;
  gchar *file_version;

  /* the transfer */
  const OtaUfwEntry *target; /* ota.bin (stage one) or flash.bin (stage two) */
  guint32 total;
  guint64 written;
  guint8 percent;
  guint16 crc;   /* stage one: running CRC of ota.bin */
  guint8 *image; /* stage two: flash.bin as written */

  EmuLink link;
  gint64 t_first_read; /* 0: no READ yet */
  gint64 app_us;       /* waiting for answers: READ sent and logged -> answer in, summed */
  gint64 t_answer_in;  /* when the last answer's bytes were all in */
  guint8 *rx;
  gchar *reason;
  const gchar *status_sent; /* "ERR", "SAME", "OK" */
} EmuOtaSession;

void emu_ota_set_reason (EmuOtaSession *self, const gchar *format, ...) G_GNUC_PRINTF (2, 3);
Step emu_ota_send_header (EmuOtaSession *self, guint8 status, guint32 seek, guint32 size,
                          guint32 all, gboolean corrupt_sum);
/* The one way the device says ERR: sends it, remembers it was sent, and
 * returns @on_sent (what the attempt ends with), or the I/O failure. */
Step emu_ota_send_err (EmuOtaSession *self, Step on_sent);
Step emu_ota_io_step (EmuIoResult r);
void emu_ota_emit_simple (EmuOtaSession *self, const gchar *name, const gchar *key, gdouble value);
/* A device pause of @seconds (real) during which the app must send
 * nothing; whatever arrives is a violation of @rule ("S1" or "S2"). */
Step emu_ota_pause_watch (EmuOtaSession *self, gdouble seconds, const gchar *rule);
/* Receives one answer to READ @k before @deadline and checks it against
 * the request (@relaxed: any well-formed answer will do). */
Answer emu_ota_recv_answer (EmuOtaSession *self, guint k, gint64 deadline, guint32 seek,
                            guint32 size, gboolean relaxed, guint32 *out_len);
/* Keeps the connection open, sending nothing, until the app goes. */
Step emu_ota_stall (EmuOtaSession *self);

G_END_DECLS
