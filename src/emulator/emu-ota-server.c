/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

#include "emu-ota-server.h"

#include <string.h>

#include "emu-socket.h"
#include "ota-net-header.h"
#include "ota-ufw-codec.h"
#include "ota-ufw.h"

/* Device seconds (protocol.md 4.4). */
#define ANSWER_TIMEOUT_SECS 5.0
#define ANSWER_TIMEOUT_SECS_SDK11 3.0
#define IDLE_SECS 5.0
#define OK_DELAY_SECS 0.5
#define REBOOT_DELAY_SECS 2.0

/* The emulated flash holds the stage-two image in memory to check its CRC
 * (the loader reads it backwards). */
#define MAX_FLASH_IMAGE (256u * 1024 * 1024)
/* Receive buffer: the largest READ the faults ask for, plus slack. */
#define RX_MAX (64 * 1024)
/* The read-too-large fault: 43 KiB, just over the device's 42 KiB limit. */
#define TOO_LARGE_READ (43 * 1024)

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
} Session;

/* --- helpers --- */

static void set_reason (Session *self, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_reason (Session *self, const gchar *format, ...)
{
  va_list args;

  if (self->reason != NULL)
    return;
  va_start (args, format);
  self->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

static Step
io_step (EmuIoResult r)
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

static Step
send_header (Session *self, guint8 status, guint32 seek, guint32 size, guint32 all,
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
  return io_step (emu_socket_send_all (self->sock, raw, sizeof raw, self->cancellable));
}

static void
emit_simple (Session *self, const gchar *name, const gchar *key, gdouble value)
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
drain_stray (Session *self, const gchar *rule, gboolean *counted)
{
  for (;;)
    {
      gboolean eof = FALSE;
      gsize n = emu_socket_recv_ready (self->sock, self->rx, RX_MAX, &eof);

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
static Step
pause_watch (Session *self, gdouble seconds, const gchar *rule)
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

static void
update_percent (Session *self)
{
  guint64 p = self->total > 0 ? self->written * 100 / self->total : 0;

  self->percent = (guint8) CLAMP (p, 1, 99);
}

/* --- one READ --- */

static Answer bad_answer (Session *self, guint k, const OtaNetHeader *h, gsize bytes,
                          gboolean sum_ok, const gchar *format, ...) G_GNUC_PRINTF (6, 7);

static Answer
bad_answer (Session *self, guint k, const OtaNetHeader *h, gsize bytes, gboolean sum_ok,
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
static Answer
recv_answer (Session *self, guint k, gint64 deadline, guint32 seek, guint32 size, gboolean relaxed,
             guint32 *out_len)
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
          gsize chunk = (gsize) MIN (left, (guint64) RX_MAX);

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
  extra = emu_socket_recv_ready (self->sock, self->rx + OTA_NET_HEADER_SIZE + n, RX_MAX - n, &eof);
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
static Step
stall (Session *self)
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

/* Asks for @size bytes at @seek and waits for a valid answer; the data is
 * then at self->rx + OTA_NET_HEADER_SIZE, *@out_len bytes. @flash_bytes: how
 * many of them the device writes (for the link model). */
static Step
do_read (Session *self, guint32 seek, guint32 size, gboolean probe, guint32 *out_len)
{
  guint k = ++self->read_k;
  guint32 req_seek = seek, req_size = size;
  gboolean relaxed = FALSE, garbage = FALSE, bad_sum = FALSE;
  g_autofree EmuFault *f = NULL;
  gint64 deadline, t_ready;
  Step s;

  if ((f = emu_device_take_fault (self->dev, "power-loss", self->stage, k)) != NULL)
    {
      g_clear_pointer (&f, g_free); /* nothing else is freed: the power is gone */
      emu_device_power_loss (self->dev, self->stage, k);
    }
  if ((f = emu_device_take_fault (self->dev, "drop", self->stage, k)) != NULL)
    {
      set_reason (self, "fault: dropped at READ %u", k);
      return STEP_DROPPED;
    }
  if ((f = emu_device_take_fault (self->dev, "stall", self->stage, k)) != NULL)
    {
      set_reason (self, "fault: stalled at READ %u", k);
      s = stall (self);
      return s == STEP_CANCELLED ? s : STEP_DROPPED;
    }
  if ((f = emu_device_take_fault (self->dev, "err", self->stage, k)) != NULL)
    {
      set_reason (self, "fault: ERR at READ %u", k);
      s = send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
      self->status_sent = "ERR";
      return s == STEP_CONTINUE ? STEP_ERR : s;
    }
  if ((f = emu_device_take_fault (self->dev, "slow-erase", self->stage, k)) != NULL)
    {
      gdouble gap = emu_device_scaled (self->dev, f->secs);

      emu_link_device_pause (&self->link, gap);
      if ((s = pause_watch (self, gap, "S1")) != STEP_CONTINUE)
        return s;
    }
  g_clear_pointer (&f, g_free);
  if ((f = emu_device_take_fault (self->dev, "bad-sum", self->stage, k)) != NULL)
    bad_sum = TRUE;
  g_clear_pointer (&f, g_free);
  if ((f = emu_device_take_fault (self->dev, "read-beyond-eof", self->stage, k)) != NULL)
    {
      req_seek = self->have_header ? self->hdr.total_size + 4096 : G_MAXUINT32 - 65536;
      relaxed = TRUE;
    }
  else if ((f = emu_device_take_fault (self->dev, "read-too-large", self->stage, k)) != NULL)
    {
      req_size = TOO_LARGE_READ;
      relaxed = TRUE;
    }
  else if ((f = emu_device_take_fault (self->dev, "garbage", self->stage, k)) != NULL)
    garbage = relaxed = TRUE;

  /* measured_s starts where ideal_s does: with the first request. */
  if (self->t_first_read == 0)
    self->t_first_read = g_get_monotonic_time ();
  if ((s = pause_watch (self, emu_link_request (&self->link), "S1")) != STEP_CONTINUE)
    return s;

  if (garbage)
    {
      guint8 junk[OTA_NET_HEADER_SIZE];

      for (gsize i = 0; i < sizeof junk; i++)
        junk[i] = (guint8) g_random_int_range (0, 256);
      s = io_step (emu_socket_send_all (self->sock, junk, sizeof junk, self->cancellable));
    }
  else
    s = send_header (self, OTA_NET_STATUS_READ, req_seek, req_size, 0, bad_sum);
  {
    cJSON *ev = cJSON_CreateObject ();

    cJSON_AddNumberToObject (ev, "stage", self->stage);
    cJSON_AddNumberToObject (ev, "read", k);
    cJSON_AddNumberToObject (ev, "seek", req_seek);
    cJSON_AddNumberToObject (ev, "size", req_size);
    cJSON_AddNumberToObject (ev, "percent", self->percent);
    cJSON_AddBoolToObject (ev, "probe", probe);
    emu_device_emit (self->dev, "read", ev);
  }
  if (s != STEP_CONTINUE)
    return s;

  /* from here the device only waits for the app */
  t_ready = g_get_monotonic_time ();
  deadline = g_get_monotonic_time ()
             + emu_device_timeout_us (self->dev, emu_device_get_options (self->dev)->sdk_1_1
                                                     ? ANSWER_TIMEOUT_SECS_SDK11
                                                     : ANSWER_TIMEOUT_SECS);
  for (;;)
    {
      Answer a = recv_answer (self, k, deadline, req_seek, req_size, relaxed, out_len);

      switch (a)
        {
        case ANS_OK:
          break;
        case ANS_BAD:
          continue; /* ignored, as the device does: it keeps waiting */
        case ANS_STOP:
          emit_simple (self, "stop", "read", k);
          set_reason (self, "the app answered READ %u with STOP", k);
          s = send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
          self->status_sent = "ERR";
          return s == STEP_CONTINUE ? STEP_STOPPED : s;
        case ANS_TIMEOUT:
          emit_simple (self, "timeout", "read", k);
          set_reason (self, "no valid answer to READ %u in time", k);
          s = send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
          self->status_sent = "ERR";
          return s == STEP_CONTINUE ? STEP_TIMEOUT : s;
        case ANS_EOF:
          set_reason (self, "the app closed the connection at READ %u", k);
          return STEP_DROPPED;
        case ANS_CANCELLED:
        default:
          return STEP_CANCELLED;
        }
      break;
    }
  /* the app's share of the time: what the device waited for the answer,
   * not what it spent on it afterwards (checks, copies, the event log) */
  self->app_us += MAX (self->t_answer_in - t_ready, 0);

  if (relaxed)
    {
      /* The app coped with the odd request; now ask for what is needed. */
      return do_read (self, seek, size, probe, out_len);
    }
  return STEP_CONTINUE;
}

/* --- the stage --- */

static const OtaUfwEntry *
find_entry (Session *self, guint16 type)
{
  for (guint i = 0; i < self->hdr.entry_count; i++)
    if (self->entries[i].type == type)
      return &self->entries[i];
  return NULL;
}

/* Probe READs at offset 0 until the header, the entry table and script.ver
 * are known, then checks them (header CRC, list CRC, entry bounds). */
static Step
probe (Session *self)
{
  guint64 table_end = 0;

  for (;;)
    {
      guint32 got = 0;
      guint32 size = self->window;
      Step s;

      if (!self->have_header && self->head->len >= OTA_UFW_HEADER_SIZE)
        {
          g_autoptr (GError) error = NULL;

          if (!ota_ufw_header_decode (self->head->data, &self->hdr, &error))
            {
              set_reason (self, "bad UFW header: %s", error->message);
              return STEP_ERR;
            }
          self->have_header = TRUE;
          table_end = OTA_UFW_HEADER_SIZE + (guint64) self->hdr.entry_count * OTA_UFW_ENTRY_SIZE;
          if (self->hdr.entry_count == 0 || self->hdr.entry_count > OTA_UFW_MAX_ENTRIES
              || table_end > self->hdr.total_size)
            {
              set_reason (self, "bad UFW header: %u entries in %u bytes", self->hdr.entry_count,
                          self->hdr.total_size);
              return STEP_ERR;
            }
        }
      if (self->have_header && self->entries == NULL && self->head->len >= table_end)
        {
          g_autoptr (GError) error = NULL;

          self->entries = ota_ufw_table_decode (&self->hdr, self->head->data + OTA_UFW_HEADER_SIZE,
                                                table_end - OTA_UFW_HEADER_SIZE,
                                                self->hdr.total_size, &error);
          if (self->entries == NULL)
            {
              set_reason (self, "bad UFW entry table: %s", error->message);
              return STEP_ERR;
            }
          self->flash = find_entry (self, OTA_UFW_TYPE_FLASH);
          self->ota = find_entry (self, OTA_UFW_TYPE_OTA_LOADER);
          self->script = find_entry (self, OTA_UFW_TYPE_SCRIPT_VER);
        }
      if (self->entries != NULL)
        {
          guint64 script_end
              = self->script != NULL ? (guint64) self->script->offset + self->script->size : 0;

          if (self->script == NULL || script_end <= self->head->len)
            break;
          if (self->script->offset > self->head->len)
            {
              /* script.ver far away: one READ for it alone. */
              guint32 want = (guint32) MIN ((guint64) self->script->size, (guint64) self->window);

              s = do_read (self, self->script->offset, want, TRUE, &got);
              if (s != STEP_CONTINUE)
                return s;
              g_free (self->file_version);
              self->file_version = g_strndup ((const gchar *) self->rx + OTA_NET_HEADER_SIZE, got);
              s = pause_watch (self, emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, 0),
                               "S1");
              if (s != STEP_CONTINUE)
                return s;
              break;
            }
        }

      if (self->have_header)
        size = (guint32) MIN ((guint64) size, (guint64) self->hdr.total_size - self->head->len);
      s = do_read (self, self->head->len, size, TRUE, &got);
      if (s != STEP_CONTINUE)
        return s;
      g_byte_array_append (self->head, self->rx + OTA_NET_HEADER_SIZE, got);
      s = pause_watch (self, emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, 0), "S1");
      if (s != STEP_CONTINUE)
        return s;
      if (got < size && !self->have_header && self->head->len < OTA_UFW_HEADER_SIZE)
        {
          set_reason (self, "the file is shorter than a UFW header (%u bytes)", self->head->len);
          return STEP_ERR;
        }
    }

  if (self->file_version == NULL && self->script != NULL)
    self->file_version
        = g_strndup ((const gchar *) self->head->data + self->script->offset, self->script->size);
  if (self->file_version != NULL)
    {
      g_strstrip (self->file_version);
      if (!g_utf8_validate (self->file_version, -1, NULL) || self->file_version[0] == '\0')
        g_clear_pointer (&self->file_version, g_free);
    }

  if (self->flash == NULL)
    {
      set_reason (self, "the file has no flash.bin entry");
      return STEP_ERR;
    }
  if (self->stage == 1 && self->ota == NULL)
    {
      set_reason (self, "the file has no ota.bin entry: no loader for stage two");
      return STEP_ERR;
    }
  return STEP_CONTINUE;
}

/* Stage one reads ota.bin forwards. */
static Step
transfer_forward (Session *self)
{
  guint64 off = 0;

  while (off < self->total)
    {
      guint32 n = (guint32) MIN ((guint64) self->window, self->total - off);
      guint32 got = 0;
      Step s = do_read (self, self->target->offset + (guint32) off, n, FALSE, &got);

      if (s != STEP_CONTINUE)
        return s;
      self->crc = ota_crc16 (self->crc, self->rx + OTA_NET_HEADER_SIZE, got);
      off += got;
      self->written = off;
      update_percent (self);
      s = pause_watch (self, emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, got), "S1");
      if (s != STEP_CONTINUE)
        return s;
    }
  return STEP_CONTINUE;
}

/* Stage two: each window ends at the byte needed, so the reads walk
 * backwards; the first window ends at the end of flash.bin, a window never
 * starts before offset 0. */
static Step
transfer_backward (Session *self)
{
  guint64 start = self->target->offset;
  guint64 end = start + self->total;

  while (end > start)
    {
      guint64 seek = end > self->window ? end - self->window : 0;
      guint64 used_from = MAX (seek, start);
      guint32 got = 0;
      Step s = do_read (self, (guint32) seek, (guint32) (end - seek), FALSE, &got);
      gdouble d;

      if (s != STEP_CONTINUE)
        return s;
      memcpy (self->image + (used_from - start),
              self->rx + OTA_NET_HEADER_SIZE + (used_from - seek), end - used_from);
      self->written += end - used_from;
      d = emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, end - used_from)
          + emu_link_erase (&self->link, self->written);
      end = used_from;
      update_percent (self);
      s = pause_watch (self, d, "S1");
      if (s != STEP_CONTINUE)
        return s;
    }
  return STEP_CONTINUE;
}

static void
emit_result (Session *self, const gchar *result)
{
  cJSON *f = cJSON_CreateObject ();
  gdouble measured = self->t_first_read != 0
                         ? (gdouble) (g_get_monotonic_time () - self->t_first_read) / G_USEC_PER_SEC
                         : 0;

  cJSON_AddNumberToObject (f, "stage", self->stage);
  cJSON_AddStringToObject (f, "result", result);
  if (self->status_sent != NULL)
    cJSON_AddStringToObject (f, "status", self->status_sent);
  if (self->reason != NULL)
    cJSON_AddStringToObject (f, "reason", self->reason);
  cJSON_AddBoolToObject (f, "committed", self->committed);
  cJSON_AddNumberToObject (f, "reads", self->read_k);
  cJSON_AddNumberToObject (f, "written", (gdouble) self->written);
  if (self->file_version != NULL)
    cJSON_AddStringToObject (f, "file_version", self->file_version);
  emu_device_emit (self->dev, "result", f);

  f = cJSON_CreateObject ();
  cJSON_AddNumberToObject (f, "stage", self->stage);
  cJSON_AddStringToObject (f, "result", result);
  cJSON_AddNumberToObject (f, "ideal_s", self->link.ideal_s);
  cJSON_AddNumberToObject (f, "measured_s", measured);
  cJSON_AddNumberToObject (f, "app_s", (gdouble) self->app_us / G_USEC_PER_SEC);
  cJSON_AddNumberToObject (f, "reads", self->read_k);
  cJSON_AddNumberToObject (f, "bytes", (gdouble) self->written);
  emu_device_emit (self->dev, "model", f);
}

static const gchar *
step_result (Step s)
{
  switch (s)
    {
    case STEP_STOPPED:
      return "stopped";
    case STEP_DROPPED:
      return "dropped";
    case STEP_CANCELLED:
      return "cancelled";
    case STEP_CONTINUE:
      return "ok";
    case STEP_ERR:
    case STEP_TIMEOUT:
    default:
      return "err";
    }
}

/* Runs the stage; returns TRUE when it ended with OK (the caller resets the
 * connection). */
static gboolean
run (Session *self)
{
  Step s = probe (self);
  gdouble idle = emu_device_scaled (self->dev, IDLE_SECS);
  guint32 have_crc, have_size;

  if (s == STEP_ERR && self->status_sent == NULL)
    {
      send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
      self->status_sent = "ERR";
    }
  if (s != STEP_CONTINUE)
    {
      emit_result (self, step_result (s));
      return FALSE;
    }

  self->target = self->stage == 1 ? self->ota : self->flash;
  if (self->stage == 1 && emu_device_get_identity (self->dev, &have_crc, &have_size)
      && have_crc == self->flash->data_crc && have_size == self->flash->size)
    {
      gboolean sdk11 = emu_device_get_options (self->dev)->sdk_1_1;

      set_reason (self, "the device runs this firmware already");
      send_header (self, sdk11 ? OTA_NET_STATUS_SAME : OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
      self->status_sent = sdk11 ? "SAME" : "ERR";
      emit_result (self, sdk11 ? "same" : "err");
      return FALSE;
    }

  self->total = self->target->size2;
  if (self->stage == 2)
    {
      if (self->total > MAX_FLASH_IMAGE)
        {
          set_reason (self, "flash.bin of %u bytes does not fit the emulated flash", self->total);
          send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
          self->status_sent = "ERR";
          emit_result (self, "err");
          return FALSE;
        }
      self->image = g_malloc (MAX (self->total, 1));
    }

  /* A pause before the announcement (the device erasing first): the window
   * in which an app's cancel, waiting for a READ to answer with STOP, is
   * overtaken by the point of no return. */
  {
    g_autofree EmuFault *slow = emu_device_take_fault (self->dev, "slow-commit", self->stage, 0);

    if (slow != NULL)
      {
        gdouble gap = emu_device_scaled (self->dev, slow->secs);

        emu_link_device_pause (&self->link, gap);
        s = pause_watch (self, gap, "S1");
        if (s != STEP_CONTINUE)
          {
            emit_result (self, step_result (s));
            return FALSE;
          }
      }
  }

  /* The point of no return. */
  s = send_header (self, OTA_NET_STATUS_DOING, 0, 0, self->total, FALSE);
  self->committed = TRUE;
  if (self->stage == 1)
    emu_device_set_stage2_pending (self->dev);
  emit_simple (self, "total-size", "all_size", self->total);
  update_percent (self);
  if (s == STEP_CONTINUE)
    {
      emu_link_device_pause (&self->link, idle);
      s = pause_watch (self, idle, "S2");
    }
  if (s == STEP_CONTINUE)
    s = self->stage == 1 ? transfer_forward (self) : transfer_backward (self);

  if (s == STEP_CONTINUE)
    {
      guint16 crc = self->stage == 1 ? self->crc : ota_crc16 (0, self->image, self->total);

      if (crc != self->target->data_crc)
        {
          set_reason (self, "%s data CRC 0x%04x, expected 0x%04x", self->target->name, crc,
                      self->target->data_crc);
          send_header (self, OTA_NET_STATUS_ERR, 0, 0, 0, FALSE);
          self->status_sent = "ERR";
          s = STEP_ERR;
        }
    }
  if (s == STEP_CONTINUE)
    {
      self->percent = 100;
      s = send_header (self, OTA_NET_STATUS_DOING, 0, 0, 0, FALSE);
      emit_simple (self, "percent-100", NULL, 0);
    }
  if (s == STEP_CONTINUE)
    {
      gdouble ok_delay = emu_device_scaled (self->dev, OK_DELAY_SECS);

      emu_link_device_pause (&self->link, idle + ok_delay);
      s = pause_watch (self, idle + ok_delay, "S2");
    }
  if (s == STEP_CONTINUE)
    s = send_header (self, OTA_NET_STATUS_OK, 0, 0, 0, FALSE);
  if (s != STEP_CONTINUE)
    {
      emit_result (self, step_result (s));
      if (s != STEP_CANCELLED && self->stage == 1)
        emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS,
                                   "stage one failed after the total-size message");
      return FALSE;
    }

  self->status_sent = "OK";
  emit_result (self, "ok");
  if (self->stage == 2)
    emu_device_install (self->dev, self->file_version != NULL ? self->file_version : "unknown",
                        self->flash->data_crc, self->flash->size);
  emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS,
                             self->stage == 1 ? "stage one done" : "stage two done");
  return TRUE;
}

void
emu_ota_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable)
{
  Session self = { 0 };
  EmuMode mode = emu_device_get_mode (dev);
  gboolean ok = FALSE;
  cJSON *f;

  self.dev = dev;
  self.sock = sock;
  self.cancellable = cancellable;
  self.stage = mode == EMU_MODE_LOADER ? 2 : 1;
  self.window = self.stage == 1 ? OTA_NET_STAGE1_WINDOW : OTA_NET_STAGE2_WINDOW;
  self.head = g_byte_array_new ();
  self.rx = g_malloc (OTA_NET_HEADER_SIZE + RX_MAX);
  emu_link_init (&self.link, &emu_device_get_options (dev)->link);

  if (self.stage == 2 && !emu_device_get_description_fetched (dev))
    {
      /* The loader's order is CTP, description, 3335. */
      emu_device_violation (dev, "S6", 2,
                            "3335 connection to the loader before the description was fetched");
      f = cJSON_CreateObject ();
      cJSON_AddNumberToObject (f, "stage", 2);
      cJSON_AddStringToObject (f, "reason", "description not fetched since boot");
      emu_device_emit (dev, "ota-refused", f);
    }
  else
    {
      emu_device_set_transfer_active (dev, TRUE);
      ok = run (&self);
      emu_device_set_transfer_active (dev, FALSE);
    }

  f = cJSON_CreateObject ();
  cJSON_AddStringToObject (f, "port", "ota");
  cJSON_AddStringToObject (f, "reason", ok ? "reset after OK" : "closed");
  emu_device_emit (dev, "disconnect", f);
  if (ok)
    emu_socket_close_reset (sock);
  else
    emu_socket_close (sock);
  g_object_unref (sock);

  g_byte_array_unref (self.head);
  g_free (self.entries);
  g_free (self.file_version);
  g_free (self.image);
  g_free (self.rx);
  g_free (self.reason);
}
