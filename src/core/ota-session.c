/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-session.h"

#include "ota-connect.h"
#include "ota-ctp-client.h"
#include "ota-error.h"
#include "ota-http-client.h"
#include "ota-platform.h"

#define RECOVERY_HINT                                                                    \
  "The device is now in its updater, waiting for stage two. Rejoin its Wi-Fi (it may "   \
  "now be an open network called WIFI_OTA_XXXXXX) and flash the same file again to "     \
  "finish; do not power it off."

/* How the pending cancel was asked for (ota_session_cancel). */
typedef enum {
  CANCEL_NONE,
  CANCEL_SAFE,       /* before the point of no return: only if the device stays unchanged */
  CANCEL_CONFIRMED,  /* the user accepted leaving the device in its updater */
} CancelKind;

struct _OtaSession {
  GObject parent_instance;

  gchar *host;
  guint16 ctp_port, http_port, ota_port;
  guint timeout_ms;
  guint reboot_timeout_ms;
  guint retries;
  guint keepalive_ms;
  guint poll_ms;
  gboolean nagle_mode;

  OtaEventFunc event_func;
  gpointer event_data;
  GDestroyNotify event_destroy;

  gint64 start_time;
  gint committed;            /* atomic; written under cancel_lock */
  GMutex cancel_lock;
  GCancellable *op;          /* what every step of a flash waits on */
  CancelKind cancel_kind;    /* under cancel_lock */
  gint device_state;         /* atomic OtaDeviceState */
  gchar *new_version;

  /* progress rate, worker thread only */
  gint64 rate_time;
  guint64 rate_bytes;
  gdouble rate;
};

G_DEFINE_TYPE (OtaSession, ota_session, G_TYPE_OBJECT)

const gchar *
ota_device_state_to_string (OtaDeviceState state)
{
  switch (state)
    {
    case OTA_DEVICE_STATE_UNCHANGED:
      return "unchanged";
    case OTA_DEVICE_STATE_NEEDS_RECOVERY:
      return "needs-recovery";
    case OTA_DEVICE_STATE_UPDATED:
      return "updated";
    case OTA_DEVICE_STATE_UNKNOWN:
    default:
      return "unknown";
    }
}

static void
ota_session_finalize (GObject *object)
{
  OtaSession *self = OTA_SESSION (object);

  if (self->event_destroy != NULL)
    self->event_destroy (self->event_data);
  g_free (self->host);
  g_free (self->new_version);
  g_clear_object (&self->op);
  g_mutex_clear (&self->cancel_lock);
  G_OBJECT_CLASS (ota_session_parent_class)->finalize (object);
}

static void
ota_session_class_init (OtaSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_session_finalize;
}

static void
ota_session_init (OtaSession *self)
{
  self->host = g_strdup (OTA_DEFAULT_HOST);
  self->ctp_port = OTA_DEFAULT_CTP_PORT;
  self->http_port = OTA_DEFAULT_HTTP_PORT;
  self->ota_port = OTA_DEFAULT_OTA_PORT;
  self->timeout_ms = 30000;
  self->reboot_timeout_ms = 180000;
  self->retries = 3;
  self->keepalive_ms = 15000;
  self->poll_ms = 200;
  self->device_state = OTA_DEVICE_STATE_UNKNOWN;
  g_mutex_init (&self->cancel_lock);
  self->op = g_cancellable_new ();
}

OtaSession *
ota_session_new (void)
{
  return g_object_new (OTA_TYPE_SESSION, NULL);
}

void
ota_session_set_host (OtaSession *self, const gchar *host)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  g_return_if_fail (host != NULL);
  g_free (self->host);
  self->host = g_strdup (host);
}

const gchar *
ota_session_get_host (OtaSession *self)
{
  g_return_val_if_fail (OTA_IS_SESSION (self), NULL);
  return self->host;
}

void
ota_session_set_ports (OtaSession *self, guint16 ctp, guint16 http, guint16 ota)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->ctp_port = ctp;
  self->http_port = http;
  self->ota_port = ota;
}

void
ota_session_set_timeout (OtaSession *self, guint timeout_ms)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->timeout_ms = MAX (timeout_ms, 100u);
}

void
ota_session_set_reboot_timeout (OtaSession *self, guint timeout_ms)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->reboot_timeout_ms = timeout_ms;
}

void
ota_session_set_retries (OtaSession *self, guint retries)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->retries = retries;
}

void
ota_session_set_keepalive_interval (OtaSession *self, guint interval_ms)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->keepalive_ms = MAX (interval_ms, 10u);
}

void
ota_session_set_poll_interval (OtaSession *self, guint interval_ms)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->poll_ms = MAX (interval_ms, 10u);
}

void
ota_session_set_nagle_mode (OtaSession *self, gboolean on)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->nagle_mode = on;
}

void
ota_session_set_event_func (OtaSession *self, OtaEventFunc func, gpointer user_data,
                            GDestroyNotify destroy)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  if (self->event_destroy != NULL)
    self->event_destroy (self->event_data);
  self->event_func = func;
  self->event_data = user_data;
  self->event_destroy = destroy;
}

gboolean
ota_session_is_committed (OtaSession *self)
{
  g_return_val_if_fail (OTA_IS_SESSION (self), FALSE);
  return g_atomic_int_get (&self->committed) != 0;
}

OtaDeviceState
ota_session_get_device_state (OtaSession *self)
{
  g_return_val_if_fail (OTA_IS_SESSION (self), OTA_DEVICE_STATE_UNKNOWN);
  return (OtaDeviceState) g_atomic_int_get (&self->device_state);
}

const gchar *
ota_session_get_new_version (OtaSession *self)
{
  g_return_val_if_fail (OTA_IS_SESSION (self), NULL);
  return self->new_version;
}

static void
set_state (OtaSession *self, OtaDeviceState state)
{
  g_atomic_int_set (&self->device_state, (gint) state);
  /* under the lock: ota_session_cancel() judges a cancel by this flag */
  g_mutex_lock (&self->cancel_lock);
  g_atomic_int_set (&self->committed, state == OTA_DEVICE_STATE_NEEDS_RECOVERY);
  g_mutex_unlock (&self->cancel_lock);
}

gboolean
ota_session_cancel (OtaSession *self, gboolean confirmed)
{
  gboolean taken = FALSE;

  g_return_val_if_fail (OTA_IS_SESSION (self), FALSE);

  g_mutex_lock (&self->cancel_lock);
  if (confirmed || !g_atomic_int_get (&self->committed))
    {
      if (confirmed)
        self->cancel_kind = CANCEL_CONFIRMED;
      else if (self->cancel_kind == CANCEL_NONE)
        self->cancel_kind = CANCEL_SAFE;
      g_cancellable_cancel (self->op);
      taken = TRUE;
    }
  g_mutex_unlock (&self->cancel_lock);
  return taken;
}

static void
external_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  ota_session_cancel (OTA_SESSION (user_data), TRUE);
}

/* ---- events ------------------------------------------------------------ */

static void
emit (OtaSession *self, OtaEvent *event)
{
  event->t = (gdouble) (g_get_monotonic_time () - self->start_time) / G_USEC_PER_SEC;
  if (self->event_func != NULL)
    self->event_func (event, self->event_data);
}

static void G_GNUC_PRINTF (5, 6)
emit_log (OtaSession *self, guint stage, const gchar *level, const gchar *code,
          const gchar *format, ...)
{
  g_autoptr(OtaEvent) event = ota_event_new (OTA_EVENT_LOG);
  va_list args;

  va_start (args, format);
  event->message = g_strdup_vprintf (format, args);
  va_end (args);
  event->stage = stage;
  event->level = g_strdup (level);
  event->code = g_strdup (code);
  g_debug ("%s: %s", code, event->message);
  emit (self, event);
}

static void
emit_device (OtaSession *self, const OtaDescription *desc)
{
  g_autoptr(OtaEvent) event = ota_event_new (OTA_EVENT_DEVICE);

  event->device = ota_description_copy (desc);
  emit (self, event);
}

static void
emit_stage (OtaSession *self, guint stage, const gchar *state, const gchar *outcome,
            const GError *error)
{
  g_autoptr(OtaEvent) event = ota_event_new (OTA_EVENT_STAGE);

  event->stage = stage;
  event->state = g_strdup (state);
  event->outcome = g_strdup (outcome);
  if (error != NULL)
    event->message = g_strdup (error->message);
  emit (self, event);
}

static void
transfer_progress_cb (const OtaTransferState *st, gpointer user_data)
{
  OtaSession *self = user_data;
  g_autoptr(OtaEvent) event = ota_event_new (OTA_EVENT_PROGRESS);
  gint64 now = g_get_monotonic_time ();
  guint64 bytes = st->all_size > 0 ? MIN (st->bytes_served, (guint64) st->all_size) : 0;

  if (st->committed && st->stage == 1 && !ota_session_is_committed (self))
    {
      set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
      emit_log (self, 1, "warning", "point-of-no-return",
                "The device has started writing (%u bytes): from now on it cannot go back to "
                "its old firmware until stage two has finished.", st->all_size);
    }

  /* a smoothed rate over samples at least 250 ms apart */
  if (self->rate_time == 0 || bytes < self->rate_bytes)
    {
      self->rate_time = now;
      self->rate_bytes = bytes;
      self->rate = 0;
    }
  else if (now - self->rate_time >= 250000)
    {
      gdouble inst = (gdouble) (bytes - self->rate_bytes) * G_USEC_PER_SEC
                     / (gdouble) (now - self->rate_time);
      self->rate = self->rate == 0 ? inst : 0.7 * self->rate + 0.3 * inst;
      self->rate_time = now;
      self->rate_bytes = bytes;
    }

  event->stage = st->stage;
  event->percent = st->percent;
  event->bytes = bytes;
  event->total = st->all_size;
  event->rate = self->rate;
  event->eta = (self->rate > 0 && st->all_size > 0)
                   ? (gint64) ((gdouble) (st->all_size - bytes) / self->rate + 0.5)
                   : -1;
  event->committed = st->committed || ota_session_is_committed (self);
  emit (self, event);
}

/* ---- steps --------------------------------------------------------------- */

OtaDescription *
ota_session_read_device (OtaSession *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (OTA_IS_SESSION (self), NULL);
  if (self->start_time == 0)
    self->start_time = g_get_monotonic_time ();
  return ota_http_fetch_description (self->host, self->http_port, self->timeout_ms, cancellable,
                                     error);
}

/* The transfer's thread: the total size arrived before the READ our STOP
 * waited for. A safe cancel is dropped (the device is past the point of no
 * return); a confirmed one stands. */
static gboolean
late_cancel_cb (gpointer user_data)
{
  OtaSession *self = user_data;
  gboolean drop;

  g_mutex_lock (&self->cancel_lock);
  drop = self->cancel_kind == CANCEL_SAFE;
  if (drop)
    {
      self->cancel_kind = CANCEL_NONE;
      g_cancellable_reset (self->op);
    }
  g_mutex_unlock (&self->cancel_lock);
  if (drop)
    emit_log (self, 1, "warning", "cancel-too-late",
              "The device passed the point of no return before it asked for the data that "
              "would have carried the cancel, so the upgrade goes on. Cancelling now leaves "
              "the device in its updater: cancel again and confirm only if that is what you want.");
  return drop;
}

static gboolean
run_transfer (OtaSession *self, OtaFirmware *firmware, guint stage, OtaTransferState *state,
              GCancellable *cancellable, GError **error)
{
  g_autoptr(GSocketConnection) conn = NULL;
  OtaTransferOptions opts;
  GSocket *socket;
  gboolean ok;

  /* the device opens 3335 a moment after it answered NET_OTA_SINGLE */
  conn = ota_connect_retry (self->host, self->ota_port, self->timeout_ms, 5000, cancellable, error);
  if (conn == NULL)
    {
      g_prefix_error (error, "data channel: ");
      return FALSE;
    }
  socket = g_socket_connection_get_socket (conn);
  ota_transfer_options_init (&opts);
  opts.read_timeout_ms = self->timeout_ms;
  opts.late_cancel_func = late_cancel_cb;
  opts.late_cancel_data = self;
  if (self->nagle_mode)
    {
      opts.split_writes = TRUE;
      ota_platform_set_nodelay (socket, FALSE, NULL);
    }
  self->rate_time = 0;
  ok = ota_transfer_run (socket, firmware, stage, &opts, transfer_progress_cb, self, state,
                         cancellable, error);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  return ok;
}

/* Polls the description until ota_step is @want; ignores connection
 * failures (the device is rebooting, the PC rejoining its Wi-Fi) and other
 * steps (the old firmware still answers for ~2 s). */
static OtaDescription *
wait_for_step (OtaSession *self, const gchar *want, GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) self->reboot_timeout_ms * 1000;
  g_autofree gchar *last_problem = NULL;
  guint attempt_ms = MIN (self->timeout_ms, 3000u);

  for (;;)
    {
      g_autoptr(GError) local = NULL;
      g_autoptr(OtaDescription) desc = NULL;

      desc = ota_http_fetch_description (self->host, self->http_port, attempt_ms, cancellable,
                                         &local);
      if (desc != NULL && g_strcmp0 (desc->ota_step, want) == 0)
        return g_steal_pointer (&desc);
      if (ota_error_is_cancelled (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_free (last_problem);
      last_problem = local != NULL ? g_strdup (local->message)
                                   : g_strdup_printf ("the device answers with ota_step \"%s\"",
                                                      desc->ota_step != NULL ? desc->ota_step : "");
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_NO_REBOOT,
                       "the device did not come back within %.1f s (last: %s)",
                       self->reboot_timeout_ms / 1000.0, last_problem);
          return NULL;
        }
      if (!ota_sleep (self->poll_ms, cancellable, error))
        return NULL;
    }
}

static gboolean
stage_one (OtaSession *self, OtaFirmware *firmware, GCancellable *cancellable, GError **error)
{
  g_autoptr(OtaCtpClient) ctp = NULL;
  g_autoptr(GError) local = NULL;
  OtaTransferState st = { 0 };
  gboolean ok;

  emit_stage (self, 1, "start", NULL, NULL);
  emit_log (self, 1, "info", "connect", "Opening the control channel (port %u)",
            (guint) self->ctp_port);
  ctp = ota_ctp_client_connect (self->host, self->ctp_port, self->timeout_ms, cancellable, &local);
  if (ctp == NULL || !ota_ctp_client_app_access (ctp, self->timeout_ms, cancellable, &local))
    {
      emit_stage (self, 1, "end", ota_error_is_cancelled (local) ? "cancelled" : "error", local);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!ota_ctp_client_net_ota_single (ctp, self->timeout_ms, cancellable, &local))
    {
      emit_stage (self, 1, "end", ota_error_is_cancelled (local) ? "cancelled" : "error", local);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  emit_log (self, 1, "info", "transfer", "The device is ready; serving the updater (stage one)");
  /* the control session must stay up while the data channel runs */
  ota_ctp_client_start_keepalive (ctp, self->keepalive_ms);
  ok = run_transfer (self, firmware, 1, &st, cancellable, &local);
  ota_ctp_client_stop_keepalive (ctp);
  ota_ctp_client_close (ctp);

  if (st.committed)
    set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
  if (!ok)
    {
      emit_stage (self, 1, "end", ota_error_is_cancelled (local) ? "cancelled" : "error", local);
      if (ota_error_is_cancelled (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (st.committed)
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY,
                       "stage one failed after the point of no return: %s. " RECOVERY_HINT,
                       local->message);
          return FALSE;
        }
      if (g_error_matches (local, OTA_ERROR, OTA_ERROR_DEVICE_ERROR) && st.bad_headers == 0)
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_DEVICE_ERROR,
                       "stage one: %s before changing anything. Most likely the device already "
                       "runs this firmware; otherwise restart the device and try again.",
                       local->message);
          return FALSE;
        }
      g_prefix_error (&local, "stage one (the device is unchanged): ");
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
  emit_stage (self, 1, "end", "ok", NULL);
  return TRUE;
}

static gboolean
stage_two_once (OtaSession *self, OtaFirmware *firmware, gboolean *handshake_done,
                GCancellable *cancellable, GError **error)
{
  OtaTransferState st = { 0 };

  if (!*handshake_done)
    {
      g_autoptr(OtaCtpClient) ctp = NULL;
      g_autoptr(OtaDescription) desc = NULL;

      /* S6: APP_ACCESS, then the description, then 3335; no CTP afterwards */
      ctp = ota_ctp_client_connect (self->host, self->ctp_port, self->timeout_ms, cancellable,
                                    error);
      if (ctp == NULL || !ota_ctp_client_app_access (ctp, self->timeout_ms, cancellable, error))
        return FALSE;
      ota_ctp_client_close (ctp);
      desc = ota_http_fetch_description (self->host, self->http_port, self->timeout_ms,
                                         cancellable, error);
      if (desc == NULL)
        return FALSE;
      if (!ota_description_needs_stage_two (desc))
        {
          g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                       "the updater reports ota_step \"%s\" instead of \"1\"",
                       desc->ota_step != NULL ? desc->ota_step : "");
          return FALSE;
        }
      /* the loader asks for this once per boot; after a failed transfer it
       * only waits for a new data connection */
      *handshake_done = TRUE;
    }
  return run_transfer (self, firmware, 2, &st, cancellable, error);
}

static gboolean
stage_two (OtaSession *self, OtaFirmware *firmware, GCancellable *cancellable, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean handshake_done = FALSE;

  emit_stage (self, 2, "start", NULL, NULL);
  for (guint attempt = 0;; attempt++)
    {
      g_clear_error (&local);
      if (stage_two_once (self, firmware, &handshake_done, cancellable, &local))
        break;
      if (ota_error_is_cancelled (local))
        {
          emit_stage (self, 2, "end", "cancelled", local);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (attempt >= self->retries)
        {
          emit_stage (self, 2, "end", "error", local);
          g_set_error (error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY,
                       "stage two failed%s: %s. " RECOVERY_HINT,
                       attempt > 0 ? " after every retry" : "", local->message);
          return FALSE;
        }
      emit_log (self, 2, "warning", "retry", "Stage two failed (%s); trying again (%u of %u)",
                local->message, attempt + 1, self->retries);
      if (!ota_sleep (MIN (self->poll_ms * 2, 1000u), cancellable, &local))
        {
          emit_stage (self, 2, "end", "cancelled", local);
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  emit_stage (self, 2, "end", "ok", NULL);
  return TRUE;
}

static gboolean
flash (OtaSession *self, OtaFirmware *firmware, OtaUfw *ufw, GCancellable *cancellable,
       GError **error)
{
  g_autoptr(OtaDescription) desc = NULL;
  g_autoptr(OtaDescription) after = NULL;
  g_autoptr(GError) local = NULL;
  const gchar *file_version;

  self->start_time = g_get_monotonic_time ();
  set_state (self, OTA_DEVICE_STATE_UNKNOWN);
  g_clear_pointer (&self->new_version, g_free);

  emit_log (self, 0, "info", "device", "Reading the device description from %s port %u",
            self->host, (guint) self->http_port);
  desc = ota_http_fetch_description (self->host, self->http_port, self->timeout_ms, cancellable,
                                     &local);
  if (desc == NULL)
    {
      if (g_error_matches (local, OTA_ERROR, OTA_ERROR_NOT_REACHABLE)
          || g_error_matches (local, OTA_ERROR, OTA_ERROR_TIMED_OUT))
        {
          local->code = OTA_ERROR_NOT_REACHABLE;
          g_prefix_error (&local, "the device does not answer at %s: ", self->host);
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  emit_device (self, desc);
  if (!ota_description_is_single_backup (desc))
    {
      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      g_set_error (error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED,
                   "the device is not a single-backup build (ota_type \"%s\"): this upgrade method "
                   "does not apply to it",
                   desc->ota_type != NULL ? desc->ota_type : "missing");
      return FALSE;
    }

  if (ota_description_needs_stage_two (desc))
    {
      set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
      emit_log (self, 0, "warning", "recovery",
                "The device is in its updater, waiting for stage two: recovering it with this file");
    }
  else if (g_strcmp0 (desc->ota_step, "0") == 0)
    {
      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      if (!stage_one (self, firmware, cancellable, error))
        return FALSE;
      emit_log (self, 1, "info", "reboot-wait",
                "The device is restarting into its updater. If this PC does not rejoin its Wi-Fi "
                "by itself, join it again: it may now be an open network called WIFI_OTA_XXXXXX.");
      g_clear_pointer (&desc, ota_description_free);
      desc = wait_for_step (self, "1", cancellable, &local);
      if (desc == NULL)
        {
          if (ota_error_is_cancelled (local))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_set_error (error, OTA_ERROR, local->code, "after stage one: %s. " RECOVERY_HINT,
                         local->message);
          return FALSE;
        }
      emit_device (self, desc);
    }
  else
    {
      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                   "the device reports ota_step \"%s\", neither ready (\"0\") nor waiting for "
                   "stage two (\"1\")",
                   desc->ota_step != NULL ? desc->ota_step : "missing");
      return FALSE;
    }

  if (!stage_two (self, firmware, cancellable, error))
    return FALSE;

  emit_log (self, 2, "info", "reboot-wait",
            "The device is restarting into the new firmware. If this PC does not rejoin its Wi-Fi "
            "by itself, join it again.");
  after = wait_for_step (self, "0", cancellable, &local);
  if (after == NULL)
    {
      /* stage two said OK: the firmware is written; only the check is missing */
      set_state (self, OTA_DEVICE_STATE_UNKNOWN);
      if (!ota_error_is_cancelled (local))
        g_prefix_error (&local, "after stage two (the device said the upgrade succeeded): ");
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  set_state (self, OTA_DEVICE_STATE_UPDATED);
  self->new_version = g_strdup (after->firmware_version);
  emit_device (self, after);
  file_version = ufw != NULL ? ota_ufw_get_version (ufw) : NULL;
  if (file_version != NULL && g_strcmp0 (file_version, after->firmware_version) != 0)
    emit_log (self, 0, "warning", "version-mismatch",
              "The device now reports version \"%s\", the file says \"%s\"",
              after->firmware_version != NULL ? after->firmware_version : "", file_version);
  return TRUE;
}

gboolean
ota_session_flash (OtaSession *self, OtaFirmware *firmware, OtaUfw *ufw,
                   GCancellable *cancellable, GError **error)
{
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (OTA_IS_SESSION (self), FALSE);
  g_return_val_if_fail (OTA_IS_FIRMWARE (firmware), FALSE);

  /* the caller's cancellable is a confirmed cancel; every step waits on the
   * session's own, which a dropped late cancel can re-arm */
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (external_cancelled_cb), self, NULL);
  ok = flash (self, firmware, ufw, self->op, error);
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);
  return ok;
}
