/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaEmu"

/* The device side of 3335: one attempt of stage one (main firmware) or
 * stage two (updater) as a state machine: probe the file, commit (the
 * total-size message, the idle pause, the erase), transfer, verify, finish.
 * Faults come from the table in emu-ota-faults.c; frames and the safety
 * checks of the wire from emu-ota-wire.c. */

#include "emu-ota-server.h"

#include <string.h>

#include "emu-ota-faults.h"
#include "emu-ota-session.h"
#include "ota-ufw.h"

/* Device seconds (protocol.md 4.4-4.6). */
#define ANSWER_TIMEOUT_SECS 5.0
#define ANSWER_TIMEOUT_SECS_SDK11 3.0
#define IDLE_SECS 5.0
#define OK_DELAY_SECS 0.5
#define REBOOT_DELAY_SECS 2.0
/* --devices: from a failed stage one to the unit going away */
#define UNIT_FAILED_SECS 1.0
#define TEARDOWN_SECS 2.5   /* after ERR: ~2 s for the ACK, then ~0.5 s */
#define DESC_POLL_SECS 0.05 /* real seconds between looks at the HTTP counter */

/* The emulated flash holds the stage-two image in memory to check its CRC
 * (the loader reads it backwards). */
#define MAX_FLASH_IMAGE (256u * 1024 * 1024)
/* The read-too-large fault: 43 KiB, just over the device's 42 KiB limit. */
#define TOO_LARGE_READ (43 * 1024)

static void
update_percent (EmuOtaSession *self)
{
  guint64 p = self->total > 0 ? self->written * 100 / self->total : 0;

  self->percent = (guint8) CLAMP (p, 1, 99);
}

/* --- one READ --- */

static void
emit_read (EmuOtaSession *self, guint k, guint32 seek, guint32 size, gboolean probe)
{
  cJSON *ev = cJSON_CreateObject ();

  cJSON_AddNumberToObject (ev, "stage", self->stage);
  cJSON_AddNumberToObject (ev, "read", k);
  cJSON_AddNumberToObject (ev, "seek", seek);
  cJSON_AddNumberToObject (ev, "size", size);
  cJSON_AddNumberToObject (ev, "percent", self->percent);
  cJSON_AddBoolToObject (ev, "probe", probe);
  emu_device_emit (self->dev, "read", ev);
}

/* Sends READ k as @plan says (a normal header, one with a bad sum, or 20
 * random bytes). */
static Step
send_request (EmuOtaSession *self, const EmuReadPlan *plan, guint32 seek, guint32 size)
{
  guint8 junk[OTA_NET_HEADER_SIZE];

  if (plan->request != EMU_REQUEST_GARBAGE)
    return emu_ota_send_header (self, OTA_NET_STATUS_READ, seek, size, 0, plan->bad_sum);
  for (gsize i = 0; i < sizeof junk; i++)
    junk[i] = (guint8) g_random_int_range (0, 256);
  return emu_ota_io_step (emu_socket_send_all (self->sock, junk, sizeof junk, self->cancellable));
}

/* Waits for a valid answer to READ @k until the device's answer timeout. */
static Step
await_answer (EmuOtaSession *self, guint k, guint32 seek, guint32 size, gboolean relaxed,
              guint32 *out_len)
{
  gboolean sdk11 = emu_device_get_options (self->dev)->sdk_1_1;
  gint64 t_ready = g_get_monotonic_time ();
  gint64 deadline = t_ready
                    + emu_device_timeout_us (self->dev, sdk11 ? ANSWER_TIMEOUT_SECS_SDK11
                                                              : ANSWER_TIMEOUT_SECS);

  for (;;)
    {
      switch (emu_ota_recv_answer (self, k, deadline, seek, size, relaxed, out_len))
        {
        case ANS_OK:
          /* the app's share of the time: what the device waited for the
           * answer, not what it spent on it afterwards */
          self->app_us += MAX (self->t_answer_in - t_ready, 0);
          return STEP_CONTINUE;
        case ANS_BAD:
          continue; /* ignored, as the device does: it keeps waiting */
        case ANS_STOP:
          emu_ota_emit_simple (self, "stop", "read", k);
          emu_ota_set_reason (self, "the app answered READ %u with STOP", k);
          return emu_ota_send_err (self, STEP_STOPPED);
        case ANS_TIMEOUT:
          emu_ota_emit_simple (self, "timeout", "read", k);
          emu_ota_set_reason (self, "no valid answer to READ %u in time", k);
          return emu_ota_send_err (self, STEP_TIMEOUT);
        case ANS_EOF:
          emu_ota_set_reason (self, "the app closed the connection at READ %u", k);
          return STEP_DROPPED;
        case ANS_CANCELLED:
        default:
          return STEP_CANCELLED;
        }
    }
}

/* Asks for @size bytes at @seek and waits for a valid answer; the data is
 * then at self->rx + OTA_NET_HEADER_SIZE, *@out_len bytes. */
static Step
do_read (EmuOtaSession *self, guint32 seek, guint32 size, gboolean probe, guint32 *out_len)
{
  guint k = ++self->read_k;
  guint32 req_seek = seek, req_size = size;
  EmuReadPlan plan;
  Step s;

  emu_ota_faults_at_read (self->dev, self->stage, k, &plan);
  switch (plan.action)
    {
    case EMU_READ_POWER_LOSS:
      emu_device_power_loss (self->dev, self->stage, k);
    case EMU_READ_DROP:
      emu_ota_set_reason (self, "fault: dropped at READ %u", k);
      return STEP_DROPPED;
    case EMU_READ_STALL:
      emu_ota_set_reason (self, "fault: stalled at READ %u", k);
      s = emu_ota_stall (self);
      return s == STEP_CANCELLED ? s : STEP_DROPPED;
    case EMU_READ_ERR:
      emu_ota_set_reason (self, "fault: ERR at READ %u", k);
      return emu_ota_send_err (self, STEP_ERR);
    case EMU_READ_NORMAL:
    default:
      break;
    }
  if (plan.gap_secs > 0)
    {
      gdouble gap = emu_device_scaled (self->dev, plan.gap_secs);

      emu_link_device_pause (&self->link, gap);
      if ((s = emu_ota_pause_watch (self, gap, "S1")) != STEP_CONTINUE)
        return s;
    }
  if (plan.request == EMU_REQUEST_BEYOND_EOF)
    req_seek = self->have_header ? self->hdr.total_size + 4096 : G_MAXUINT32 - 65536;
  else if (plan.request == EMU_REQUEST_TOO_LARGE)
    req_size = TOO_LARGE_READ;

  /* measured_s starts where ideal_s does: with the first request. */
  if (self->t_first_read == 0)
    self->t_first_read = g_get_monotonic_time ();
  if ((s = emu_ota_pause_watch (self, emu_link_request (&self->link), "S1")) != STEP_CONTINUE)
    return s;
  s = send_request (self, &plan, req_seek, req_size);
  emit_read (self, k, req_seek, req_size, probe);
  if (s != STEP_CONTINUE)
    return s;

  s = await_answer (self, k, req_seek, req_size, plan.request != EMU_REQUEST_NORMAL, out_len);
  if (s == STEP_CONTINUE && plan.request != EMU_REQUEST_NORMAL)
    {
      /* The app coped with the odd request; now ask for what is needed. */
      return do_read (self, seek, size, probe, out_len);
    }
  return s;
}

/* --- the stage --- */

static const OtaUfwEntry *
find_entry (EmuOtaSession *self, guint16 type)
{
  for (guint i = 0; i < self->hdr.entry_count; i++)
    if (self->entries[i].type == type)
      return &self->entries[i];
  return NULL;
}

/* Probe READs at offset 0 until the header, the entry table and script.ver
 * are known, then checks them (header CRC, list CRC, entry bounds). */
static Step
probe (EmuOtaSession *self)
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
              emu_ota_set_reason (self, "bad UFW header: %s", error->message);
              return STEP_ERR;
            }
          self->have_header = TRUE;
          table_end = OTA_UFW_HEADER_SIZE + (guint64) self->hdr.entry_count * OTA_UFW_ENTRY_SIZE;
          if (self->hdr.entry_count == 0 || self->hdr.entry_count > OTA_UFW_MAX_ENTRIES
              || table_end > self->hdr.total_size)
            {
              emu_ota_set_reason (self, "bad UFW header: %u entries in %u bytes",
                                  self->hdr.entry_count, self->hdr.total_size);
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
              emu_ota_set_reason (self, "bad UFW entry table: %s", error->message);
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
              s = emu_ota_pause_watch (
                  self, emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, 0), "S1");
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
      s = emu_ota_pause_watch (self, emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, 0),
                               "S1");
      if (s != STEP_CONTINUE)
        return s;
      if (got < size && !self->have_header && self->head->len < OTA_UFW_HEADER_SIZE)
        {
          emu_ota_set_reason (self, "the file is shorter than a UFW header (%u bytes)",
                              self->head->len);
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
      emu_ota_set_reason (self, "the file has no flash.bin entry");
      return STEP_ERR;
    }
  if (self->stage == 1 && self->ota == NULL)
    {
      emu_ota_set_reason (self, "the file has no ota.bin entry: no loader for stage two");
      return STEP_ERR;
    }
  return STEP_CONTINUE;
}

/* Stage one reads ota.bin forwards. */
static Step
transfer_forward (EmuOtaSession *self)
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
      s = emu_ota_pause_watch (self, emu_link_answer (&self->link, OTA_NET_HEADER_SIZE + got, got),
                               "S1");
      if (s != STEP_CONTINUE)
        return s;
    }
  return STEP_CONTINUE;
}

/* Stage two: each window ends at the byte needed, so the reads walk
 * backwards; the first window ends at the end of flash.bin, a window never
 * starts before offset 0. */
static Step
transfer_backward (EmuOtaSession *self)
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
      s = emu_ota_pause_watch (self, d, "S1");
      if (s != STEP_CONTINUE)
        return s;
    }
  return STEP_CONTINUE;
}

static void
emit_result (EmuOtaSession *self, const gchar *result)
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

/* A pause of the device in which the app must send nothing (@rule S1 or
 * S2), part of the ideal time. */
static Step
device_pause (EmuOtaSession *self, gdouble seconds, const gchar *rule)
{
  emu_link_device_pause (&self->link, seconds);
  return emu_ota_pause_watch (self, seconds, rule);
}

/* The point of no return: the total-size message, the idle pause and, in
 * stage two, the erase of the whole update area before the next READ. */
static Step
commit (EmuOtaSession *self)
{
  const EmuOptions *opts = emu_device_get_options (self->dev);
  g_autofree EmuFault *slow = emu_ota_faults_at (self->dev, EMU_OTA_AT_COMMIT, self->stage, NULL);
  Step s;

  /* A pause before the announcement (the device erasing first): the window
   * in which an app's cancel, waiting for a READ to answer with STOP, is
   * overtaken by the point of no return. */
  if (slow != NULL)
    {
      s = device_pause (self, emu_device_scaled (self->dev, slow->secs), "S1");
      if (s != STEP_CONTINUE)
        return s;
    }

  s = emu_ota_send_header (self, OTA_NET_STATUS_DOING, 0, 0, self->total, FALSE);
  self->committed = TRUE;
  if (self->stage == 1)
    emu_device_set_stage2_pending (self->dev);
  emu_ota_emit_simple (self, "total-size", "all_size", self->total);
  update_percent (self);
  if (s == STEP_CONTINUE)
    s = device_pause (self, emu_device_scaled (self->dev, IDLE_SECS), "S2");
  if (s == STEP_CONTINUE && self->stage == 2 && opts->erase_rate > 0)
    {
      gdouble secs = (gdouble) self->total / opts->erase_rate;
      cJSON *f = cJSON_CreateObject ();

      cJSON_AddNumberToObject (f, "stage", self->stage);
      cJSON_AddNumberToObject (f, "bytes", self->total);
      cJSON_AddNumberToObject (f, "seconds", secs);
      cJSON_AddNumberToObject (f, "scaled_s", emu_device_scaled (self->dev, secs));
      emu_device_emit (self->dev, "erase", f);
      s = device_pause (self, emu_device_scaled (self->dev, secs), "S2");
    }
  return s;
}

/* Stage one: a flash.bin the device runs already changes nothing. */
static gboolean
is_installed (EmuOtaSession *self)
{
  guint32 have_crc, have_size;

  return self->stage == 1 && emu_device_get_identity (self->dev, &have_crc, &have_size)
         && have_crc == self->flash->data_crc && have_size == self->flash->size;
}

/* The written image against the entry's CRC, and the bytes 3333 copied
 * into the buffer meanwhile (protocol.md 4.5). */
static Step
verify (EmuOtaSession *self)
{
  guint64 corrupted = self->stage == 2 ? emu_device_get_corrupted_bytes (self->dev) : 0;
  guint16 crc = self->stage == 1 ? self->crc : ota_crc16 (0, self->image, self->total);

  if (corrupted > 0)
    {
      emu_ota_set_reason (self,
                          "the image failed verification: %" G_GUINT64_FORMAT
                          " bytes that arrived on the CTP port were copied into the transfer "
                          "buffer",
                          corrupted);
      return emu_ota_send_err (self, STEP_ERR);
    }
  if (crc != self->target->data_crc)
    {
      emu_ota_set_reason (self, "%s data CRC 0x%04x, expected 0x%04x", self->target->name, crc,
                          self->target->data_crc);
      return emu_ota_send_err (self, STEP_ERR);
    }
  return STEP_CONTINUE;
}

/* Percent 100, the idle pause, 0.5 s, OK. */
static Step
finish (EmuOtaSession *self)
{
  Step s;

  self->percent = 100;
  s = emu_ota_send_header (self, OTA_NET_STATUS_DOING, 0, 0, 0, FALSE);
  emu_ota_emit_simple (self, "percent-100", NULL, 0);
  if (s == STEP_CONTINUE)
    s = device_pause (self, emu_device_scaled (self->dev, IDLE_SECS + OK_DELAY_SECS), "S2");
  if (s == STEP_CONTINUE)
    s = emu_ota_send_header (self, OTA_NET_STATUS_OK, 0, 0, 0, FALSE);
  return s;
}

/* After OK: stage one reboots into the updater; stage two installs the new
 * firmware and reboots into it, unless a fault says otherwise. */
static void
after_ok (EmuOtaSession *self)
{
  const gchar *fault = NULL;
  g_autofree EmuFault *f = NULL;

  if (self->stage == 1)
    {
      emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS, "stage one done");
      return;
    }
  f = emu_ota_faults_at (self->dev, EMU_OTA_AT_OK, 2, &fault);
  if (f == NULL)
    {
      emu_device_install (self->dev, self->file_version != NULL ? self->file_version : "unknown",
                          self->flash->data_crc, self->flash->size);
      emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS, "stage two done");
    }
  else if (g_str_equal (fault, "stay-in-updater"))
    emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS,
                               "stage two done; fault: back into the updater");
  else
    {
      emu_device_keep_old_firmware (self->dev);
      emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS,
                                 "stage two done; fault: back into the old firmware");
    }
}

/* The hostile ok-without-read fault: OK before any READ or total size;
 * nothing changes on the device. */
static gboolean
ok_without_read (EmuOtaSession *self)
{
  g_autofree EmuFault *f = emu_ota_faults_at (self->dev, EMU_OTA_AT_START, self->stage, NULL);

  if (f == NULL)
    return FALSE;
  emu_ota_set_reason (self, "fault: OK before any READ");
  if (emu_ota_send_header (self, OTA_NET_STATUS_OK, 0, 0, 0, FALSE) == STEP_CONTINUE)
    self->status_sent = "OK";
  emit_result (self, "ok");
  return TRUE;
}

/* Runs the stage; returns TRUE when it ended with OK (the caller resets the
 * connection). */
static gboolean
run (EmuOtaSession *self)
{
  Step s;

  /* Closed with a FIN, not a reset: a reset right behind the first bytes
   * of a connection may destroy them before the app reads them. */
  if (ok_without_read (self))
    return FALSE;

  s = probe (self);
  if (s == STEP_ERR && self->status_sent == NULL)
    emu_ota_send_err (self, STEP_ERR);
  if (s != STEP_CONTINUE)
    {
      emit_result (self, step_result (s));
      return FALSE;
    }

  self->target = self->stage == 1 ? self->ota : self->flash;
  if (is_installed (self))
    {
      gboolean sdk11 = emu_device_get_options (self->dev)->sdk_1_1;

      emu_ota_set_reason (self, "the device runs this firmware already");
      if (sdk11)
        {
          emu_ota_send_header (self, OTA_NET_STATUS_SAME, 0, 0, 0, FALSE);
          self->status_sent = "SAME";
        }
      else
        emu_ota_send_err (self, STEP_ERR);
      emit_result (self, sdk11 ? "same" : "err");
      return FALSE;
    }

  self->total = self->target->size2;
  if (self->stage == 2)
    {
      if (self->total > MAX_FLASH_IMAGE)
        {
          emu_ota_set_reason (self, "flash.bin of %u bytes does not fit the emulated flash",
                              self->total);
          emu_ota_send_err (self, STEP_ERR);
          emit_result (self, "err");
          return FALSE;
        }
      self->image = g_malloc (MAX (self->total, 1));
    }

  s = commit (self);
  if (s == STEP_CONTINUE)
    s = self->stage == 1 ? transfer_forward (self) : transfer_backward (self);
  if (s == STEP_CONTINUE)
    s = verify (self);
  if (s == STEP_CONTINUE)
    s = finish (self);
  if (s != STEP_CONTINUE)
    {
      emit_result (self, step_result (s));
      if (s != STEP_CANCELLED && self->stage == 1 && self->committed)
        emu_device_request_reboot (self->dev, REBOOT_DELAY_SECS,
                                   "stage one failed after the total-size message");
      return FALSE;
    }

  self->status_sent = "OK";
  emit_result (self, "ok");
  after_ok (self);
  return TRUE;
}

/* Stage two's gate: the updater serves 3335 only after the description
 * was fetched (its HTTP counter). At boot a client that comes too early is
 * closed; after an updater restart it waits until the fetch. FALSE: do not
 * run the stage. */
static gboolean
description_gate (EmuOtaSession *self)
{
  cJSON *f;
  gboolean restarted;

  if (self->stage != 2 || emu_device_get_description_fetched (self->dev))
    return TRUE;
  restarted = emu_device_get_updater_restarted (self->dev);
  /* The loader's order is CTP, description, 3335. */
  emu_device_violation (self->dev, "S6", 2,
                        "3335 connection to the loader before the description was fetched%s",
                        restarted ? " again after its restart" : "");
  f = cJSON_CreateObject ();
  cJSON_AddNumberToObject (f, "stage", 2);
  if (!restarted)
    {
      cJSON_AddStringToObject (f, "reason", "description not fetched since boot");
      emu_device_emit (self->dev, "ota-refused", f);
      return FALSE;
    }
  cJSON_AddStringToObject (f, "reason", "description not fetched since the updater restarted");
  emu_device_emit (self->dev, "ota-waiting", f);
  while (!emu_device_get_description_fetched (self->dev))
    if (emu_ota_pause_watch (self, DESC_POLL_SECS, "S1") != STEP_CONTINUE)
      return FALSE;
  return TRUE;
}

void
emu_ota_server_serve (EmuDevice *dev, GSocket *sock, GCancellable *cancellable)
{
  EmuOtaSession self = { 0 };
  EmuMode mode = emu_device_get_mode (dev);
  gboolean ok = FALSE;
  cJSON *f;

  self.dev = dev;
  self.sock = sock;
  self.cancellable = cancellable;
  self.stage = mode == EMU_MODE_LOADER ? 2 : 1;
  self.window = self.stage == 1 ? OTA_NET_STAGE1_WINDOW : OTA_NET_STAGE2_WINDOW;
  self.head = g_byte_array_new ();
  self.rx = g_malloc (OTA_NET_HEADER_SIZE + EMU_OTA_RX_MAX);
  emu_link_init (&self.link, &emu_device_get_options (dev)->link);

  if (description_gate (&self))
    {
      emu_device_set_transfer_active (dev, TRUE);
      ok = run (&self);
      emu_device_set_transfer_active (dev, FALSE);
    }

  if (self.stage == 2 && g_strcmp0 (self.status_sent, "ERR") == 0
      && !g_cancellable_is_cancelled (cancellable))
    {
      g_autofree EmuFault *restart = NULL;

      /* The updater's teardown closes whichever client is connected by
       * then: one that came meanwhile is reset. */
      emu_device_ota_teardown (dev, emu_device_scaled (dev, TEARDOWN_SECS), cancellable);
      restart = emu_ota_faults_at (dev, EMU_OTA_AT_ERR, 2, NULL);
      if (restart != NULL)
        emu_device_restart_updater (dev);
    }

  /* --devices: a unit whose stage one failed keeps its firmware; the
   * technician puts it aside and the next one down */
  if (self.stage == 1 && g_strcmp0 (self.status_sent, "ERR") == 0
      && !g_cancellable_is_cancelled (cancellable))
    emu_device_unit_over (dev, UNIT_FAILED_SECS, "stage one failed");

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
