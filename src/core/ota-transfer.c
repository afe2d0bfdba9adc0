/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-transfer.h"
#include "ota-i18n.h"

#include "ota-connect.h"
#include "ota-error.h"
#include "ota-net-header.h"

void
ota_transfer_options_init (OtaTransferOptions *opts)
{
  opts->read_timeout_ms = 30000;
  opts->split_writes = FALSE;
  opts->late_cancel_func = NULL;
  opts->late_cancel_data = NULL;
}

guint
ota_transfer_erase_wait_ms (guint32 all_size, guint read_timeout_ms)
{
  guint64 ms
      = OTA_TRANSFER_ERASE_WAIT_BASE_MS + (guint64) all_size * 1000 / OTA_TRANSFER_ERASE_RATE;

  ms = MAX (ms, (guint64) OTA_TRANSFER_ERASE_WAIT_MIN_MS);
  ms = MAX (ms, (guint64) read_timeout_ms);
  return (guint) MIN (ms, (guint64) G_MAXUINT);
}

typedef struct {
  GSocket *socket;
  OtaFirmware *firmware;
  const OtaTransferOptions *opts;
  OtaTransferFunc func;
  gpointer user_data;
  OtaTransferState state;
  guint8 *frame;             /* header + the largest answer, reused for every READ */
  gint64 last_progress;      /* when the device last moved the conversation on */
  guint junk;                /* messages since then that did not */
  guint64 served;            /* data bytes answered on this connection */
  GCancellable *cancellable; /* what the waits watch (a reference); NULL: nothing */
  gboolean hold_fd;          /* its fd is held for the whole transfer */
  GPollFD cancel_fd;
  guint wait_ms;    /* the current wait for a message: read_timeout_ms, or
                     * the erase wait from the total size to the next READ */
  gboolean erasing; /* in the erase wait */
} Transfer;

/* A real device reads the file about once per stage (windows overlap a
 * little); one that asks for far more is going round in circles. */
#define SERVE_LIMIT(file_size) (4 * (file_size) + 1024 * 1024)

/* The device moved the conversation on: a request, or news about it. */
static void
made_progress (Transfer *t)
{
  t->last_progress = g_get_monotonic_time ();
  t->junk = 0;
}

static void
notify (Transfer *t)
{
  if (t->func != NULL)
    t->func (&t->state, t->user_data);
}

static gboolean
send_frame (Transfer *t, const guint8 *frame, gsize len, GCancellable *cancellable, GError **error)
{
  if (t->opts->split_writes && len > OTA_NET_HEADER_SIZE)
    {
      if (!ota_socket_send_all (t->socket, frame, OTA_NET_HEADER_SIZE, t->opts->read_timeout_ms,
                                cancellable, error))
        return FALSE;
      return ota_socket_send_all (t->socket, frame + OTA_NET_HEADER_SIZE, len - OTA_NET_HEADER_SIZE,
                                  t->opts->read_timeout_ms, cancellable, error);
    }
  return ota_socket_send_all (t->socket, frame, len, t->opts->read_timeout_ms, cancellable, error);
}

/* Receives the next 20-byte device message. Once @cancellable fires we keep
 * reading without it: a STOP may only be sent in answer to the next READ. */
static gboolean
recv_header (Transfer *t, guint8 raw[OTA_NET_HEADER_SIZE], GCancellable *cancellable,
             gboolean *cancelled, GError **error)
{
  gsize have = 0;

  while (have < OTA_NET_HEADER_SIZE)
    {
      g_autoptr (GError) local = NULL;
      gsize got = 0;

      if (ota_socket_recv_exact (t->socket, raw + have, OTA_NET_HEADER_SIZE - have, t->wait_ms,
                                 &got, *cancelled ? NULL : cancellable, &local))
        return TRUE;
      have += got;
      if (ota_error_is_cancelled (local))
        {
          g_debug ("cancel requested: answering the next READ with STOP");
          *cancelled = TRUE;
          /* the erase wait is for a device that goes on: a cancelled one
           * gets the ordinary time to ask for the READ our STOP answers */
          t->wait_ms = t->opts->read_timeout_ms;
          continue;
        }
      if (g_error_matches (local, OTA_ERROR, OTA_ERROR_TIMED_OUT))
        {
          if (have == 0 && t->erasing && !*cancelled)
            g_set_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
                         _ ("the device sent no request for %.1f s after it announced %u bytes to "
                            "write (enough to erase them at %u KiB/s)"),
                         t->wait_ms / 1000.0, t->state.all_size, OTA_TRANSFER_ERASE_RATE / 1024);
          else
            g_set_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
                         have > 0 ? _ ("the device stopped in the middle of a message for %.1f s")
                                  : _ ("the device sent no request for %.1f s"),
                         t->wait_ms / 1000.0);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

static gboolean
send_stop (Transfer *t, guint8 percent, GError **error)
{
  guint8 stop[OTA_NET_HEADER_SIZE];

  ota_net_stop_build (stop, percent);
  g_debug ("3335 > STOP");
  return send_frame (t, stop, sizeof stop, NULL, error);
}

typedef enum {
  ANSWER_SENT,
  ANSWER_REFUSED, /* a request we must not or cannot serve: answer it with STOP */
  ANSWER_FAILED,  /* the connection broke */
} AnswerResult;

static AnswerResult
answer_read (Transfer *t, const OtaNetHeader *req, GError **error)
{
  guint32 len = 0;
  gsize frame_len;

  if (!ota_net_read_request_check (req, ota_firmware_get_size (t->firmware), &len, error))
    return ANSWER_REFUSED;
  if (t->served + len > SERVE_LIMIT (ota_firmware_get_size (t->firmware)))
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   "the device asked for more than %" G_GUINT64_FORMAT
                   " bytes of a %" G_GUINT64_FORMAT
                   "-byte file in %u requests without finishing: it is going "
                   "round in circles",
                   t->served, ota_firmware_get_size (t->firmware), t->state.reads);
      return ANSWER_REFUSED;
    }
  if (!ota_firmware_read_at (t->firmware, req->seek_addr, t->frame + OTA_NET_HEADER_SIZE, len,
                             error))
    {
      g_autofree gchar *change = ota_firmware_dup_change (t->firmware);

      /* never serve bytes that were not validated: STOP instead (S3) */
      if (change != NULL)
        {
          g_clear_error (error);
          g_set_error (error, OTA_ERROR, OTA_ERROR_INVALID_FILE,
                       _ ("the firmware file changed during the upgrade (%s): the device was "
                          "answered with STOP, not with bytes that were never checked"),
                       change);
        }
      else
        g_prefix_error (error, _ ("reading the firmware file: "));
      return ANSWER_REFUSED;
    }
  frame_len = ota_net_answer_build (req, t->frame, len);
  /* no cancellable: an answer, once started, is finished, or the stream
   * would be out of step */
  if (!send_frame (t, t->frame, frame_len, NULL, error))
    return ANSWER_FAILED;
  t->state.reads++;
  t->served += len;
  if (t->state.committed)
    t->state.bytes_served += len;
  return ANSWER_SENT;
}

/* What to do with one device message. Returns FALSE when the conversation
 * is over (success, or @failure set). */
typedef struct {
  gboolean cancelled; /* the user asked to stop */
  gboolean deaf;      /* a late cancel was dropped: the cancellable is not watched */
  gboolean stop_sent;
  gboolean ok;
  GError *stop_reason; /* why we sent STOP, when it was not a cancel */
  GError *failure;
} Conversation;

/* The device passed the point of no return while our cancel waited for a
 * READ to answer with STOP: only a confirmed cancel may strand it (S5). */
static void
late_cancel (Transfer *t, Conversation *c)
{
  GCancellable *fresh = NULL;

  if (t->opts->late_cancel_func != NULL)
    {
      fresh = t->opts->late_cancel_func (t->opts->late_cancel_data);
      if (fresh == NULL)
        {
          g_debug ("total size with a confirmed cancel pending: STOP at the next READ");
          return;
        }
    }
  g_debug ("total size before the next READ: the cancel came too late and is dropped");
  c->cancelled = FALSE;
  t->state.late_cancels++;
  /* the old cancellable stays cancelled (it is never reset while in use);
   * from now on the waits watch the fresh one, or nothing */
  if (t->hold_fd)
    g_cancellable_release_fd (t->cancellable);
  g_clear_object (&t->cancellable);
  t->cancellable = fresh;
  t->hold_fd = fresh != NULL && g_cancellable_make_pollfd (fresh, &t->cancel_fd);
  c->deaf = fresh == NULL;
}

static gboolean
handle_message (Transfer *t, Conversation *c, const OtaNetHeader *hdr)
{
  g_autoptr (GError) local = NULL;

  switch (hdr->status)
    {
    case OTA_NET_STATUS_READ:
      if (c->stop_sent)
        {
          /* never answer twice: wait for ERR or the close */
          g_debug ("the device asked again after STOP; not answering");
          t->junk++;
          return TRUE;
        }
      made_progress (t);
      /* the erase is over: ordinary waits from here */
      t->erasing = FALSE;
      t->wait_ms = t->opts->read_timeout_ms;
      if (!c->cancelled)
        {
          switch (answer_read (t, hdr, &local))
            {
            case ANSWER_SENT:
              notify (t);
              return TRUE;
            case ANSWER_REFUSED:
              g_debug ("refusing the request: %s", local->message);
              c->stop_reason = g_steal_pointer (&local);
              break;
            case ANSWER_FAILED:
            default:
              c->failure = g_steal_pointer (&local);
              return FALSE;
            }
        }
      if (!send_stop (t, hdr->download_percent, &c->failure))
        return FALSE;
      c->stop_sent = TRUE;
      return TRUE;

      case OTA_NET_STATUS_DOING: {
        gboolean news = FALSE, commit = FALSE;

        if (hdr->all_size != 0 && !t->state.committed)
          {
            t->state.committed = TRUE;
            t->state.all_size = hdr->all_size;
            news = commit = TRUE;
            /* the updater idles, then erases the whole area before it asks
             * again: that one wait scales with the size (protocol.md 4.4) */
            t->erasing = TRUE;
            t->wait_ms = ota_transfer_erase_wait_ms (hdr->all_size, t->opts->read_timeout_ms);
            g_debug ("point of no return: the device will write %u bytes (next request "
                     "awaited for %.1f s)",
                     hdr->all_size, t->wait_ms / 1000.0);
          }
        if (hdr->download_percent == 100 && !t->state.done)
          {
            t->state.done = TRUE;
            news = TRUE;
          }
        /* the device sends each of these once; a repeated one is no news
         * and does not keep the conversation alive (see junk_check) */
        if (news)
          made_progress (t);
        else
          t->junk++;
        /* the caller learns of the commit first, so that a cancel asked for
         * from now on is judged as one after the point of no return */
        notify (t);
        if (commit && c->cancelled && !c->stop_sent)
          {
            late_cancel (t, c);
            notify (t);
          }
        /* a cancel that stands waits the ordinary time for its READ */
        if (c->cancelled)
          t->wait_ms = t->opts->read_timeout_ms;
        return TRUE;
      }

    case OTA_NET_STATUS_OK:
      if (c->stop_sent)
        {
          g_set_error_literal (&c->failure, OTA_ERROR, OTA_ERROR_PROTOCOL,
                               _ ("the device reported success after STOP"));
          return FALSE;
        }
      t->state.percent = 100;
      t->state.done = TRUE;
      notify (t);
      c->ok = TRUE;
      return FALSE;

    case OTA_NET_STATUS_ERR:
      if (c->stop_sent)
        return FALSE; /* the expected answer to STOP */
      if (t->state.bad_headers > 0)
        g_set_error (
            &c->failure, OTA_ERROR, OTA_ERROR_DEVICE_ERROR,
            g_dngettext (GETTEXT_PACKAGE,
                         "the device reported an error after %u malformed message from it",
                         "the device reported an error after %u malformed messages from it",
                         t->state.bad_headers),
            t->state.bad_headers);
      else
        g_set_error_literal (&c->failure, OTA_ERROR, OTA_ERROR_DEVICE_ERROR,
                             _ ("the device reported an error"));
      return FALSE;

    case OTA_NET_STATUS_SAME:
      g_set_error_literal (&c->failure, OTA_ERROR, OTA_ERROR_NOTHING_TO_DO,
                           _ ("the device already runs this firmware"));
      return FALSE;

    default:
      g_set_error (&c->failure, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   _ ("the device sent an unknown status %u"), hdr->status);
      return FALSE;
    }
}

/* Every wait for a message is bounded by the current wait (read_timeout_ms,
 * or the erase wait after the total size), but a device that keeps sending
 * messages that lead nowhere (bad checksums, the same status again) would
 * restart that wait for ever. So the time since the last message that moved
 * the conversation on (a request, the total size, the end of writing) is
 * bounded by the current wait too. */
static gboolean
junk_check (Transfer *t, GError **error)
{
  if (g_get_monotonic_time () - t->last_progress <= (gint64) t->wait_ms * 1000)
    return TRUE;
  g_set_error (error, OTA_ERROR, OTA_ERROR_TIMED_OUT,
               g_dngettext (GETTEXT_PACKAGE,
                            "the device sent no valid request for %.1f s, only %u message that "
                            "leads nowhere (%u with a bad checksum)",
                            "the device sent no valid request for %.1f s, only %u messages that "
                            "lead nowhere (%u with a bad checksum)",
                            t->junk),
               t->wait_ms / 1000.0, t->junk, t->state.bad_headers);
  return FALSE;
}

gboolean
ota_transfer_run (GSocket *socket, OtaFirmware *firmware, guint stage,
                  const OtaTransferOptions *opts, OtaTransferFunc func, gpointer user_data,
                  OtaTransferState *out_state, GCancellable *cancellable, GError **error)
{
  OtaTransferOptions defaults;
  g_autofree guint8 *frame = g_malloc (OTA_NET_HEADER_SIZE + OTA_NET_MAX_READ);
  Conversation c = { 0 };
  Transfer t = { 0 };
  gboolean going = TRUE;

  if (opts == NULL)
    {
      ota_transfer_options_init (&defaults);
      opts = &defaults;
    }
  t.socket = socket;
  t.firmware = firmware;
  t.opts = opts;
  t.func = func;
  t.user_data = user_data;
  t.frame = frame;
  t.state.stage = stage;
  t.last_progress = g_get_monotonic_time ();
  t.wait_ms = opts->read_timeout_ms;

  /* Every wait for the device polls the cancellable's fd, and GLib makes and
   * closes that fd for each wait unless it is held: holding it for the
   * whole transfer saves two syscalls per READ. */
  t.cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  t.hold_fd = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &t.cancel_fd);

  while (going)
    {
      guint8 raw[OTA_NET_HEADER_SIZE];
      g_autoptr (GError) local = NULL;
      OtaNetHeader hdr;

      if (!recv_header (&t, raw, c.deaf ? NULL : t.cancellable, &c.cancelled, &local))
        {
          /* a close after our STOP is the device's answer to it */
          if (!(c.stop_sent && g_error_matches (local, OTA_ERROR, OTA_ERROR_PROTOCOL)))
            c.failure = g_steal_pointer (&local);
          break;
        }
      if (!ota_net_header_parse_device (raw, &hdr, &local))
        {
          /* like the vendor's client: ignore it; the device's own timeout
           * (or ours) bounds what follows */
          t.state.bad_headers++;
          t.junk++;
          g_debug ("3335 < message with a bad checksum, ignored (%u so far)", t.state.bad_headers);
          if (!junk_check (&t, &c.failure))
            break;
          continue;
        }
      g_debug ("3335 < %s seek=%u size=%u all=%u percent=%u", ota_net_status_to_string (hdr.status),
               hdr.seek_addr, hdr.read_size, hdr.all_size, hdr.download_percent);
      if (hdr.download_percent <= 100)
        t.state.percent = hdr.download_percent;
      going = handle_message (&t, &c, &hdr);
      if (going && !junk_check (&t, &c.failure))
        break;
    }
  if (t.hold_fd)
    g_cancellable_release_fd (t.cancellable);
  g_clear_object (&t.cancellable);

  if (out_state != NULL)
    *out_state = t.state;
  if (c.ok)
    {
      g_clear_error (&c.stop_reason);
      return TRUE;
    }
  if (c.stop_reason != NULL)
    {
      /* the root cause, whatever happened after the STOP */
      g_clear_error (&c.failure);
      g_propagate_error (error, c.stop_reason);
      return FALSE;
    }
  /* the user cancelled: whether the device then took our STOP or went away
   * before asking again, the outcome is a cancel */
  if (c.cancelled
      && (c.stop_sent || g_error_matches (c.failure, OTA_ERROR, OTA_ERROR_PROTOCOL)
          || g_error_matches (c.failure, OTA_ERROR, OTA_ERROR_TIMED_OUT)))
    {
      g_clear_error (&c.failure);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("cancelled"));
      return FALSE;
    }
  if (c.failure != NULL)
    {
      g_propagate_error (error, c.failure);
      return FALSE;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _ ("cancelled"));
  return FALSE;
}
