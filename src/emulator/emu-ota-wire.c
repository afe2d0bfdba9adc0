/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

/* The wire of a 3335 attempt: device frames out, the app's answers in and
 * checked (S4), and the device's pauses, in which it watches for bytes it
 * did not ask for (S1-S3). */

#include "emu-ota-session.h"

void
emu_ota_set_reason (EmuOtaSession *self, const gchar *format, ...)
{
  va_list args;

  if (self->reason != NULL)
    return;
  va_start (args, format);
  self->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

Step
emu_ota_io_step (EmuIoResult r)
{
  switch (r)
    {
    case EMU_IO_OK:
      return STEP_CONTINUE;
    case EMU_IO_CANCELLED:
      return STEP_CANCELLED;
    case EMU_IO_TIMEOUT:
    case EMU_IO_EOF:
    default:
      return STEP_DROPPED;
    }
}

Step
emu_ota_send_header (EmuOtaSession *self, guint8 status, guint32 seek, guint32 size, guint32 all,
                     gboolean corrupt_sum)
{
  OtaNetHeader h = { 0 };
  guint8 raw[OTA_NET_HEADER_SIZE];

  h.seek_addr = seek;
  h.read_size = size;
  h.all_size = all;
  h.status = status;
  h.download_percent = self->percent;
  h.sum_check = ota_net_header_sum (&h);
  if (corrupt_sum)
    h.sum_check ^= 0x5A5A;
  ota_net_header_encode (&h, raw);
  return emu_ota_io_step (emu_socket_send_all (self->sock, raw, sizeof raw, self->cancellable));
}

Step
emu_ota_send_err (EmuOtaSession *self, Step on_sent)
{
  Step s = emu_ota_send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);

  self->status_sent = "ERR";
  return s == STEP_CONTINUE ? on_sent : s;
}

void
emu_ota_emit_simple (EmuOtaSession *self, const gchar *name, const gchar *key, gdouble value)
{
  cJSON *f = cJSON_CreateObject ();

  cJSON_AddNumberToObject (f, "stage", self->stage);
  if (key != NULL)
    cJSON_AddNumberToObject (f, key, value);
  emu_device_emit (self->dev, name, f);
}

/* Bytes the app sent while the device asked for nothing: rule @rule ("S1"
 * between READs, "S2" after the total-size or percent-100 message), or S3
 * when they are a STOP frame. At most one violation per call. */
static Step
drain_stray (EmuOtaSession *self, const gchar *rule, gboolean *counted)
{
  for (;;)
    {
      gboolean eof = FALSE;
      gsize n = emu_socket_recv_ready (self->sock, self->rx, EMU_OTA_RX_MAX, &eof);

      if (n > 0 && !*counted)
        {
          OtaNetHeader h;

          *counted = TRUE;
          if (n >= OTA_NET_HEADER_SIZE)
            ota_net_header_decode (self->rx, &h);
          if (n >= OTA_NET_HEADER_SIZE && h.status == OTA_NET_STATUS_STOP
              && ota_net_frame_sum_ok (self->rx, OTA_NET_HEADER_SIZE))
            emu_device_violation (self->dev, "S3", self->stage,
                                  "STOP frame sent when no READ was waiting for an answer");
          else if (g_strcmp0 (rule, "S2") == 0)
            emu_device_violation (self->dev, "S2", self->stage,
                                  "%" G_GSIZE_FORMAT " bytes sent after the %s message, "
                                  "before the next READ",
                                  n, self->percent == 100 ? "percent-100" : "total-size");
          else
            emu_device_violation (self->dev, "S1", self->stage,
                                  "%" G_GSIZE_FORMAT " unsolicited bytes on 3335 while no READ "
                                  "was outstanding",
                                  n);
        }
      if (n == 0)
        return eof ? STEP_DROPPED : STEP_CONTINUE;
    }
}

/* A device pause of @seconds (real) during which the app must send
 * nothing; whatever arrives is a violation of @rule. */
Step
emu_ota_pause_watch (EmuOtaSession *self, gdouble seconds, const gchar *rule)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  gboolean counted = FALSE;

  for (;;)
    {
      Step s = drain_stray (self, rule, &counted);
      EmuIoResult r;

      if (s != STEP_CONTINUE)
        return s;
      if (g_get_monotonic_time () >= deadline)
        return STEP_CONTINUE;
      r = emu_socket_wait (self->sock, deadline, self->cancellable);
      if (r == EMU_IO_CANCELLED)
        return STEP_CANCELLED;
      if (r == EMU_IO_TIMEOUT)
        return drain_stray (self, rule, &counted);
    }
}

/* --- one READ --- */

static Answer bad_answer (EmuOtaSession *self, guint k, const OtaNetHeader *h, gsize bytes,
                          gboolean sum_ok, const gchar *format, ...) G_GNUC_PRINTF (6, 7);

static Answer
bad_answer (EmuOtaSession *self, guint k, const OtaNetHeader *h, gsize bytes, gboolean sum_ok,
            const gchar *format, ...)
{
  g_autofree gchar *detail = NULL;
  cJSON *f = cJSON_CreateObject ();
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);
  cJSON_AddNumberToObject (f, "stage", self->stage);
  cJSON_AddNumberToObject (f, "read", k);
  cJSON_AddNumberToObject (f, "seek", h->seek_addr);
  cJSON_AddNumberToObject (f, "bytes", (gdouble) bytes);
  cJSON_AddBoolToObject (f, "sum_ok", sum_ok);
  cJSON_AddBoolToObject (f, "accepted", FALSE);
  emu_device_emit (self->dev, "answer", f);
  emu_device_violation (self->dev, "S4", self->stage, "READ %u: %s", k, detail);
  return ANS_BAD;
}

/* Receives one frame of the app before @deadline and checks it against the
 * request. @relaxed: the request was a fault (garbage, beyond the end, too
 * large): any answer with a good sum and no more bytes than asked will do. */
Answer
emu_ota_recv_answer (EmuOtaSession *self, guint k, gint64 deadline, guint32 seek, guint32 size,
                     gboolean relaxed, guint32 *out_len)
{
  OtaNetHeader h;
  EmuIoResult r;
  guint32 n;
  gboolean sum_ok;
  gboolean eof = FALSE;
  gsize extra;

  r = emu_socket_recv_exact (self->sock, self->rx, OTA_NET_HEADER_SIZE, deadline,
                             self->cancellable);
  if (r == EMU_IO_TIMEOUT)
    return ANS_TIMEOUT;
  if (r == EMU_IO_CANCELLED)
    return ANS_CANCELLED;
  if (r != EMU_IO_OK)
    return ANS_EOF;
  ota_net_header_decode (self->rx, &h);

  if (h.status == OTA_NET_STATUS_STOP)
    {
      if (ota_net_frame_sum_ok (self->rx, OTA_NET_HEADER_SIZE))
        return ANS_STOP;
      return bad_answer (self, k, &h, 0, FALSE, "STOP frame with a wrong sum");
    }
  if (h.status != OTA_NET_STATUS_READ)
    return bad_answer (self, k, &h, 0, ota_net_frame_sum_ok (self->rx, OTA_NET_HEADER_SIZE),
                       "answer with status %u (%s) instead of READ", h.status,
                       ota_net_status_to_string (h.status));

  n = h.read_size;
  if (n > size)
    {
      /* Consume what the header announces (bounded), then refuse it. */
      guint64 left = n;

      while (left > 0)
        {
          gsize chunk = (gsize) MIN (left, (guint64) EMU_OTA_RX_MAX);

          r = emu_socket_recv_exact (self->sock, self->rx + OTA_NET_HEADER_SIZE, chunk, deadline,
                                     self->cancellable);
          if (r != EMU_IO_OK)
            break;
          left -= chunk;
        }
      bad_answer (self, k, &h, n, FALSE, "more bytes than asked: read_size %u, asked for %u", n,
                  size);
      if (r == EMU_IO_CANCELLED)
        return ANS_CANCELLED;
      if (r == EMU_IO_EOF)
        return ANS_EOF;
      return r == EMU_IO_TIMEOUT ? ANS_TIMEOUT : ANS_BAD;
    }

  r = emu_socket_recv_exact (self->sock, self->rx + OTA_NET_HEADER_SIZE, n, deadline,
                             self->cancellable);
  self->t_answer_in = g_get_monotonic_time ();
  if (r == EMU_IO_TIMEOUT)
    return ANS_TIMEOUT;
  if (r == EMU_IO_CANCELLED)
    return ANS_CANCELLED;
  if (r != EMU_IO_OK)
    return ANS_EOF;

  sum_ok = ota_net_frame_sum_ok (self->rx, OTA_NET_HEADER_SIZE + n);
  if (!sum_ok)
    return bad_answer (self, k, &h, n, FALSE, "wrong sum 0x%08x", h.sum_check);
  if (h.all_size != 0)
    return bad_answer (self, k, &h, n, TRUE, "all_size %u in an answer (must be 0)", h.all_size);
  if (!relaxed)
    {
      guint32 expected = size;

      if (h.seek_addr != seek)
        return bad_answer (self, k, &h, n, TRUE, "seek_addr %u does not match the request (%u)",
                           h.seek_addr, seek);
      if (self->have_header)
        expected = (guint32) MIN ((guint64) size, (guint64) self->hdr.total_size - seek);
      if (n == 0 || (self->have_header && n != expected))
        return bad_answer (self, k, &h, n, TRUE,
                           "read_size %u does not match the request "
                           "(%u at %u)",
                           n, expected, seek);
    }

  /* Bytes right behind a complete answer overflow the device's buffer. */
  extra = emu_socket_recv_ready (self->sock, self->rx + OTA_NET_HEADER_SIZE + n, EMU_OTA_RX_MAX - n,
                                 &eof);
  if (extra > 0)
    emu_device_violation (
        self->dev, "S4", self->stage,
        "READ %u: more bytes than asked: %" G_GSIZE_FORMAT " bytes after the answer", k, extra);

  {
    cJSON *f = cJSON_CreateObject ();

    cJSON_AddNumberToObject (f, "stage", self->stage);
    cJSON_AddNumberToObject (f, "read", k);
    cJSON_AddNumberToObject (f, "seek", h.seek_addr);
    cJSON_AddNumberToObject (f, "bytes", n);
    cJSON_AddBoolToObject (f, "sum_ok", TRUE);
    cJSON_AddBoolToObject (f, "accepted", TRUE);
    emu_device_emit (self->dev, "answer", f);
  }
  *out_len = n;
  return eof ? ANS_EOF : ANS_OK;
}

/* Keeps the connection open, sending nothing, until the app goes. */
Step
emu_ota_stall (EmuOtaSession *self)
{
  gboolean counted = FALSE;

  for (;;)
    {
      Step s = drain_stray (self, "S1", &counted);
      EmuIoResult r;

      if (s != STEP_CONTINUE)
        return s;
      r = emu_socket_wait (self->sock, -1, self->cancellable);
      if (r == EMU_IO_CANCELLED)
        return STEP_CANCELLED;
    }
}
