/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-session.h"

#include "ota-connect.h"
#include "ota-ctp-client.h"
#include "ota-error.h"
#include "ota-http-client.h"
#include "ota-i18n.h"
#include "ota-platform.h"

/* How the pending cancel was asked for (ota_session_cancel). */
typedef enum {
  CANCEL_NONE,
  CANCEL_SAFE,      /* before the point of no return: only if the device stays unchanged */
  CANCEL_CONFIRMED, /* the user accepted leaving the device in its updater */
} CancelKind;

/* The whole upgrade as weighted steps (as fwupd's FuProgress): the overall
 * percentage of an event is the steps done plus the current one's part. */
typedef enum {
  STEP_READ_DEVICE,
  STEP_STAGE_ONE,
  STEP_REBOOT_ONE,
  STEP_STAGE_TWO,
  STEP_REBOOT_TWO,
  N_STEPS
} Step;

static const guint step_weight[N_STEPS] = { 2, 23, 10, 60, 5 };

/* At most this long for stage two's control exchange (best-effort: the
 * updater's stub need not answer, protocol.md 4.5). */
#define STAGE_TWO_APP_ACCESS_MS 3000

/* At most this long to join the device's network before stage one (a scan
 * takes a few seconds, an association and DHCP a few more), and to put the
 * PC's own network back at the end. */
#define WIFI_JOIN_MS 60000
#define WIFI_RESTORE_MS 30000
/* After a join, how long the device's own server may take to answer. */
#define WIFI_SETTLE_MS 10000

struct _OtaSession {
  GObject parent_instance;

  gchar *host;
  guint16 ctp_port, http_port, ota_port;
  guint timeout_ms;
  guint reboot_timeout_ms;
  guint retries;
  guint retry_delay_ms;
  guint keepalive_ms;
  guint poll_ms;
  gboolean nagle_mode;

  OtaEventFunc event_func;
  gpointer event_data;
  GDestroyNotify event_destroy;

  gint64 start_time;
  gint committed; /* atomic; written under cancel_lock */
  GMutex cancel_lock;
  gboolean running;       /* under cancel_lock */
  GCancellable *op;       /* under cancel_lock: what the steps wait on; replaced, never
                           * reset, when a late cancel is dropped */
  GPtrArray *spent_ops;   /* dropped cancellables, kept until the flash ends */
  CancelKind cancel_kind; /* under cancel_lock */
  gboolean recovery_only; /* this flash is stage two alone */
  Step step;              /* worker thread only */
  gint device_state;      /* atomic OtaDeviceState */
  gchar *new_version;

  /* Wi-Fi (ota_session_set_wifi) */
  OtaWifi *wifi;
  OtaWifiFilter *wifi_filter;
  gchar *wifi_request; /* NULL: auto */
  gchar *wifi_password;
  gboolean host_from_gateway;
  gboolean wifi_restore; /* remember and put back the PC's network */
  /* during a flash, worker thread only */
  gboolean wifi_remembered;
  gchar *wifi_home;    /* the PC's network before the flash; NULL: none */
  gchar *wifi_network; /* the device network the PC is on */
  gchar *wifi_product; /* the product's own (not recovery) network, when known */

  OtaSessionEarlierFileFunc earlier_file;
  gpointer earlier_file_data;
  GDestroyNotify earlier_file_destroy;

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
  if (self->earlier_file_destroy != NULL)
    self->earlier_file_destroy (self->earlier_file_data);
  g_free (self->host);
  g_free (self->new_version);
  g_clear_object (&self->wifi);
  g_clear_object (&self->wifi_filter);
  g_free (self->wifi_request);
  g_free (self->wifi_password);
  g_free (self->wifi_home);
  g_free (self->wifi_network);
  g_free (self->wifi_product);
  g_clear_object (&self->op);
  g_ptr_array_unref (self->spent_ops);
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
  self->retry_delay_ms = 3000;
  self->keepalive_ms = 15000;
  self->poll_ms = 200;
  self->device_state = OTA_DEVICE_STATE_UNKNOWN;
  self->wifi_restore = TRUE;
  g_mutex_init (&self->cancel_lock);
  self->op = g_cancellable_new ();
  self->spent_ops = g_ptr_array_new_with_free_func (g_object_unref);
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
ota_session_set_retry_delay (OtaSession *self, guint delay_ms)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->retry_delay_ms = delay_ms;
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
ota_session_set_wifi (OtaSession *self, OtaWifi *wifi, OtaWifiFilter *filter, const gchar *ssid,
                      const gchar *password, gboolean host_from_gateway)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  g_return_if_fail (wifi == NULL || OTA_IS_WIFI (wifi));
  g_set_object (&self->wifi, wifi);
  g_clear_object (&self->wifi_filter);
  self->wifi_filter = filter != NULL ? g_object_ref (filter) : ota_wifi_filter_new (NULL);
  g_free (self->wifi_request);
  self->wifi_request = g_strcmp0 (ssid, "auto") == 0 ? NULL : g_strdup (ssid);
  g_free (self->wifi_password);
  self->wifi_password = g_strdup (password);
  self->host_from_gateway = wifi != NULL && host_from_gateway;
}

void
ota_session_set_wifi_restore (OtaSession *self, gboolean restore)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  self->wifi_restore = restore;
}

void
ota_session_set_earlier_file_func (OtaSession *self, OtaSessionEarlierFileFunc func,
                                   gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (OTA_IS_SESSION (self));
  if (self->earlier_file_destroy != NULL)
    self->earlier_file_destroy (self->earlier_file_data);
  self->earlier_file = func;
  self->earlier_file_data = user_data;
  self->earlier_file_destroy = destroy;
}

const gchar *
ota_session_get_wifi_network (OtaSession *self)
{
  g_return_val_if_fail (OTA_IS_SESSION (self), NULL);
  return self->wifi_network;
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

const gchar *
ota_cancel_answer_to_string (OtaCancelAnswer answer)
{
  switch (answer)
    {
    case OTA_CANCEL_TAKEN:
      return "taken";
    case OTA_CANCEL_NEEDS_CONFIRMATION:
      return "needs-confirmation";
    case OTA_CANCEL_NOT_RUNNING:
    default:
      return "not-running";
    }
}

OtaCancelAnswer
ota_session_cancel (OtaSession *self, OtaCancelKind kind)
{
  OtaCancelAnswer answer = OTA_CANCEL_NEEDS_CONFIRMATION;

  g_return_val_if_fail (OTA_IS_SESSION (self), OTA_CANCEL_NOT_RUNNING);

  g_mutex_lock (&self->cancel_lock);
  if (!self->running)
    answer = OTA_CANCEL_NOT_RUNNING;
  else if (kind == OTA_CANCEL_CONFIRMED || !g_atomic_int_get (&self->committed))
    {
      if (kind == OTA_CANCEL_CONFIRMED)
        self->cancel_kind = CANCEL_CONFIRMED;
      else if (self->cancel_kind == CANCEL_NONE)
        self->cancel_kind = CANCEL_SAFE;
      g_cancellable_cancel (self->op);
      answer = OTA_CANCEL_TAKEN;
    }
  g_mutex_unlock (&self->cancel_lock);
  return answer;
}

/* What the next step waits on (a reference). */
static GCancellable *
current_op (OtaSession *self)
{
  GCancellable *op;

  g_mutex_lock (&self->cancel_lock);
  op = g_object_ref (self->op);
  g_mutex_unlock (&self->cancel_lock);
  return op;
}

static void
external_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  ota_session_cancel (OTA_SESSION (user_data), OTA_CANCEL_CONFIRMED);
}

/* ---- events ------------------------------------------------------------ */

/* The overall percentage: the steps before the current one, plus @part
 * (0..1) of it. A recovery (stage two alone) spreads over its own steps. */
static guint
overall (OtaSession *self, gdouble part)
{
  guint total = 0, done = 0;
  Step first = self->recovery_only ? STEP_STAGE_TWO : STEP_READ_DEVICE;

  for (Step s = first; s < N_STEPS; s++)
    {
      total += step_weight[s];
      if (s < self->step)
        done += step_weight[s];
    }
  if (self->step < N_STEPS && self->step >= first)
    done += (guint) (CLAMP (part, 0.0, 1.0) * step_weight[self->step]);
  return total > 0 ? MIN (done * 100 / total, 100u) : 0;
}

static void
emit (OtaSession *self, OtaEvent *event)
{
  event->t = (gdouble) (g_get_monotonic_time () - self->start_time) / G_USEC_PER_SEC;
  if (self->event_func != NULL)
    self->event_func (event, self->event_data);
}

/* @format is English (the JSON Lines); the event's text is its translation
 * (xgettext finds the formats: emit_log's 5th and emit_wifi's 6th argument,
 * tests/check-translations.sh). */
static void G_GNUC_PRINTF (2, 0) set_message (OtaEvent *event, const gchar *format, va_list args)
{
  const gchar *translated = _ (format);
  va_list copy;

  if (translated != format)
    {
      G_VA_COPY (copy, args);
      event->text = g_strdup_vprintf (translated, copy);
      va_end (copy);
    }
  event->message = g_strdup_vprintf (format, args);
}

/* A log event: @step and @network for OTA_EVENT_CODE_WIFI. */
static void G_GNUC_PRINTF (7, 0)
    emit_log_va (OtaSession *self, guint stage, OtaLogLevel level, OtaEventCode code,
                 OtaWifiStep step, const gchar *network, const gchar *format, va_list args)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_LOG);

  set_message (event, format, args);
  event->stage = stage;
  event->level = level;
  event->code = code;
  event->wifi_step = step;
  event->network = g_strdup (network);
  event->overall = overall (self, 0);
  g_debug ("%s: %s", ota_event_code_to_string (code), event->message);
  emit (self, event);
}

static void G_GNUC_PRINTF (5, 6) emit_log (OtaSession *self, guint stage, OtaLogLevel level,
                                           OtaEventCode code, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  emit_log_va (self, stage, level, code, OTA_WIFI_STEP_NONE, NULL, format, args);
  va_end (args);
}

/* A restart: with Wi-Fi steps the event names the device's network (the
 * front-ends then say otaflash rejoins it, ota_advice_event_hint()). */
static void
emit_reboot_wait (OtaSession *self, guint stage, const gchar *message)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_LOG);

  event->message = g_strdup (message);
  if (_ (message) != message)
    event->text = g_strdup (_ (message));
  event->stage = stage;
  event->level = OTA_LOG_LEVEL_INFO;
  event->code = OTA_EVENT_CODE_REBOOT_WAIT;
  event->network = g_strdup (self->wifi_network);
  event->overall = overall (self, 0);
  emit (self, event);
}

static void
emit_device (OtaSession *self, const OtaDescription *desc)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_DEVICE);

  event->device = ota_description_copy (desc);
  event->overall = overall (self, 0);
  emit (self, event);
}

static void
emit_stage (OtaSession *self, guint stage, OtaStageState state, OtaStageOutcome outcome,
            const GError *error)
{
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_STAGE);

  event->stage = stage;
  event->state = state;
  event->outcome = outcome;
  if (error != NULL)
    event->message = g_strdup (error->message);
  event->overall
      = overall (self, state == OTA_STAGE_STATE_END && outcome == OTA_STAGE_OUTCOME_OK ? 1.0 : 0.0);
  emit (self, event);
}

static void
emit_stage_failed (OtaSession *self, guint stage, const GError *error)
{
  emit_stage (self, stage, OTA_STAGE_STATE_END,
              ota_error_is_cancelled (error) ? OTA_STAGE_OUTCOME_CANCELLED
                                             : OTA_STAGE_OUTCOME_ERROR,
              error);
}

static void
transfer_progress_cb (const OtaTransferState *st, gpointer user_data)
{
  OtaSession *self = user_data;
  g_autoptr (OtaEvent) event = ota_event_new (OTA_EVENT_PROGRESS);
  gint64 now = g_get_monotonic_time ();
  guint64 bytes = st->all_size > 0 ? MIN (st->bytes_served, (guint64) st->all_size) : 0;

  if (st->committed && st->stage == 1 && !ota_session_is_committed (self))
    {
      set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
      emit_log (self, 1, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_POINT_OF_NO_RETURN,
                "The device has started writing (%u bytes): from now on it cannot go back to "
                "its old firmware until stage two has finished.",
                st->all_size);
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
  event->overall = overall (self, MIN (st->percent, 100u) / 100.0);
  emit (self, event);
}

/* ---- Wi-Fi steps (docs/wifi.md) ------------------------------------------ */

static void G_GNUC_PRINTF (6, 7)
    emit_wifi (OtaSession *self, guint stage, OtaLogLevel level, OtaWifiStep step,
               const gchar *network, const gchar *format, ...)
{
  va_list args;

  va_start (args, format);
  emit_log_va (self, stage, level, OTA_EVENT_CODE_WIFI, step, network, format, args);
  va_end (args);
}

static void
wifi_set_network (OtaSession *self, const gchar *ssid)
{
  g_free (self->wifi_network);
  self->wifi_network = g_strdup (ssid);
  if (!ota_wifi_ssid_is_recovery (ssid))
    {
      g_free (self->wifi_product);
      self->wifi_product = g_strdup (ssid);
    }
}

/* With host_from_gateway, the device's address is the gateway of the
 * network just joined (the device is the network's router). */
static gboolean
wifi_take_gateway (OtaSession *self, GCancellable *op, GError **error)
{
  g_autofree gchar *ssid = NULL;
  g_autofree gchar *gateway = NULL;

  gint64 settle = g_get_monotonic_time () + (gint64) WIFI_SETTLE_MS * 1000;

  if (!self->host_from_gateway)
    return TRUE;
  /* the address may come a moment after the association (DHCP) */
  for (;;)
    {
      g_clear_pointer (&ssid, g_free);
      g_clear_pointer (&gateway, g_free);
      if (!ota_wifi_get_current (self->wifi, &ssid, &gateway, op, error))
        return FALSE;
      if ((gateway != NULL && *gateway != '\0') || g_get_monotonic_time () >= settle)
        break;
      if (!ota_sleep (self->poll_ms, op, error))
        return FALSE;
    }
  if (gateway == NULL || *gateway == '\0')
    {
      g_set_error (
          error, OTA_ERROR, OTA_ERROR_WIFI,
          _ ("the network %s gave this PC no gateway, which would be the device's address; "
             "give the address instead"),
          self->wifi_network);
      return FALSE;
    }
  g_free (self->host);
  self->host = g_steal_pointer (&gateway);
  return TRUE;
}

/* Before anything else: remember the PC's network and join the device's. */
static gboolean
wifi_begin (OtaSession *self, GError **error)
{
  g_autoptr (GCancellable) op = current_op (self);
  g_autofree gchar *current = NULL;
  g_autofree gchar *target = NULL;
  gint64 deadline = ota_wifi_deadline_in (WIFI_JOIN_MS);

  self->wifi_remembered = FALSE;
  g_clear_pointer (&self->wifi_home, g_free);
  g_clear_pointer (&self->wifi_network, g_free);
  g_clear_pointer (&self->wifi_product, g_free);
  if (self->wifi == NULL)
    return TRUE;

  if (!ota_wifi_check (self->wifi, deadline, op, error)
      || !ota_wifi_get_current (self->wifi, &current, NULL, op, error))
    return FALSE;
  /* a batch remembered the PC's network before its first unit */
  if (self->wifi_restore)
    {
      if (!ota_wifi_remember (self->wifi, op, error))
        return FALSE;
      self->wifi_remembered = TRUE;
      self->wifi_home = g_strdup (current);
      if (current != NULL)
        emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_REMEMBER, current,
                   "This PC is on %s; it goes back to it at the end", current);
      else
        emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_REMEMBER, NULL,
                   "This PC is on no Wi-Fi network; it leaves the device's at the end");
    }

  if (self->wifi_request != NULL)
    target = g_strdup (self->wifi_request);
  else if (current != NULL && ota_wifi_filter_is_device (self->wifi_filter, current))
    target = g_strdup (current); /* joined by hand: the rejoins are still ours */
  else
    {
      g_autoptr (GPtrArray) all = ota_wifi_scan (self->wifi, deadline, op, error);
      g_autoptr (OtaWifiNetwork) pick = NULL;

      if (all == NULL)
        return FALSE;
      pick = ota_wifi_filter_pick_auto (self->wifi_filter, all, NULL, error);
      if (pick == NULL)
        return FALSE;
      target = g_strdup (pick->ssid);
    }

  if (g_strcmp0 (current, target) != 0)
    {
      emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_JOIN, target,
                 "Joining the device's network %s", target);
      if (!ota_wifi_join (self->wifi, target, self->wifi_password, deadline, op, error))
        return FALSE;
    }
  wifi_set_network (self, target);
  if (!wifi_take_gateway (self, op, error))
    return FALSE;
  if (g_strcmp0 (current, target) != 0)
    emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_JOINED, target,
               "Joined the device's network %s (device address %s)", target, self->host);
  else
    emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_JOINED, target,
               "Already on the device's network %s (device address %s)", target, self->host);
  return TRUE;
}

/* The device restarted (@after_restart: it dropped the PC first) or the PC
 * lost its network: wait for the device's network to come back and join it. */
static gboolean
wifi_rejoin (OtaSession *self, guint stage, gboolean after_restart, GError **error)
{
  g_autoptr (GCancellable) op = current_op (self);
  g_autoptr (OtaWifiNetwork) back = NULL;
  g_autofree gchar *want = NULL;
  gint64 deadline = ota_wifi_deadline_in (self->reboot_timeout_ms);

  if (self->wifi == NULL)
    return TRUE;
  want = self->wifi_product != NULL
             ? g_strdup_printf (_ ("%s or a recovery network (%s)"), self->wifi_product,
                                OTA_WIFI_RECOVERY_PATTERN)
             : g_strdup_printf (_ ("the product's network or a recovery network (%s)"),
                                OTA_WIFI_RECOVERY_PATTERN);
  if (after_restart)
    emit_wifi (self, stage, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_WAIT, self->wifi_product,
               "The device restarts and drops this PC from %s; waiting for %s", self->wifi_network,
               want);
  else
    emit_wifi (self, stage, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_WAIT, self->wifi_product,
               "This PC is no longer on %s; waiting for %s", self->wifi_network, want);
  back = ota_wifi_rejoin (self->wifi, after_restart ? self->wifi_network : NULL, self->wifi_product,
                          TRUE, self->wifi_product == NULL ? self->wifi_filter : NULL,
                          self->wifi_password, deadline, op, error);
  if (back == NULL)
    return FALSE;
  wifi_set_network (self, back->ssid);
  if (!wifi_take_gateway (self, op, error))
    return FALSE;
  emit_wifi (self, stage, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_JOINED, back->ssid,
             "Rejoined the device's network %s (device address %s)", back->ssid, self->host);
  return TRUE;
}

/* Between stage two's tries: a Wi-Fi drop without a restart is harmless,
 * the PC rejoins. *@rejoined: the connection changed (a held control port
 * is gone). */
static gboolean
wifi_ensure (OtaSession *self, gboolean *rejoined, GError **error)
{
  g_autoptr (GCancellable) op = current_op (self);
  g_autofree gchar *current = NULL;

  *rejoined = FALSE;
  if (self->wifi == NULL)
    return TRUE;
  if (!ota_wifi_get_current (self->wifi, &current, NULL, op, error))
    return FALSE;
  if (g_strcmp0 (current, self->wifi_network) == 0)
    return TRUE;
  *rejoined = TRUE;
  return wifi_rejoin (self, 2, FALSE, error);
}

/* After the flash, whatever its outcome: the PC's own network back. Not
 * cancellable by the flash's cancel (that one may be what ended it). */
static void
wifi_end (OtaSession *self)
{
  g_autoptr (GCancellable) own = g_cancellable_new ();
  g_autoptr (GError) local = NULL;
  const gchar *home = self->wifi_home;

  if (self->wifi == NULL || !self->wifi_remembered)
    return;
  self->wifi_remembered = FALSE;
  if (home != NULL)
    emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORE, home,
               "Putting this PC back on %s", home);
  else
    emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORE, NULL,
               "Leaving the device's network (this PC was on no network before)");
  if (!ota_wifi_restore (self->wifi, ota_wifi_deadline_in (WIFI_RESTORE_MS), own, &local))
    {
      if (home != NULL)
        emit_wifi (self, 0, OTA_LOG_LEVEL_WARNING, OTA_WIFI_STEP_RESTORE, home,
                   "This PC could not be put back on %s (%s); reconnect it by hand", home,
                   local->message);
      else
        emit_wifi (self, 0, OTA_LOG_LEVEL_WARNING, OTA_WIFI_STEP_RESTORE, NULL,
                   "This PC could not leave the device's network (%s)", local->message);
    }
  else if (home != NULL)
    emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORED, home, "This PC is back on %s",
               home);
  else
    emit_wifi (self, 0, OTA_LOG_LEVEL_INFO, OTA_WIFI_STEP_RESTORED, NULL,
               "This PC is off the device's network");
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
 * return) and the transfer watches a fresh cancellable from now on; the
 * cancelled one is kept, never reset while in use. A confirmed one stands. */
static GCancellable *
late_cancel_cb (gpointer user_data)
{
  OtaSession *self = user_data;
  GCancellable *fresh = NULL;

  g_mutex_lock (&self->cancel_lock);
  if (self->cancel_kind == CANCEL_SAFE)
    {
      self->cancel_kind = CANCEL_NONE;
      g_ptr_array_add (self->spent_ops, self->op);
      self->op = g_cancellable_new ();
      fresh = g_object_ref (self->op);
    }
  g_mutex_unlock (&self->cancel_lock);
  if (fresh != NULL)
    emit_log (self, 1, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_CANCEL_TOO_LATE,
              "The device passed the point of no return before it asked for the data that "
              "would have carried the cancel, so the upgrade goes on. Cancelling now leaves "
              "the device in its updater: cancel again and confirm only if that is what you want.");
  return fresh;
}

static gboolean
run_transfer (OtaSession *self, OtaFirmware *firmware, guint stage, OtaTransferState *state,
              GError **error)
{
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GCancellable) op = current_op (self);
  g_autoptr (GError) local = NULL;
  OtaTransferOptions opts;
  GSocket *socket;
  gboolean ok;

  /* the device opens 3335 a moment after it answered NET_OTA_SINGLE */
  conn = ota_connect_retry (self->host, self->ota_port, self->timeout_ms, 5000, op, &local);
  if (conn == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), _ ("data channel: "));
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
  ok = ota_transfer_run (socket, firmware, stage, &opts, transfer_progress_cb, self, state, op,
                         error);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  /* a stage only succeeds on evidence: the device read and announced the size */
  if (ok && (state->reads == 0 || !state->committed))
    {
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                           stage == 1
                               ? _ ("the device said the stage succeeded without reading the "
                                    "updater")
                               : _ ("the device said the stage succeeded without reading the "
                                    "firmware"));
      return FALSE;
    }
  return ok;
}

/* Polls the description until ota_step is @want; ignores connection
 * failures (the device is rebooting, the PC rejoining its Wi-Fi) and other
 * steps (the old firmware still answers for ~2 s). @gone_then_step1, when
 * not NULL, is set when the device went away and came back with ota_step
 * "1" (back in its updater): the wait ends there. */
static OtaDescription *
wait_for_step (OtaSession *self, const gchar *want, gboolean *back_in_updater, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) self->reboot_timeout_ms * 1000;
  g_autofree gchar *last_problem = NULL;
  g_autoptr (GCancellable) op = current_op (self);
  guint attempt_ms = MIN (self->timeout_ms, 3000u);
  gboolean gone = FALSE;

  for (;;)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (OtaDescription) desc = NULL;

      desc = ota_http_fetch_description (self->host, self->http_port, attempt_ms, op, &local);
      if (desc != NULL && g_strcmp0 (desc->ota_step, want) == 0)
        return g_steal_pointer (&desc);
      if (ota_error_is_cancelled (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (desc == NULL)
        gone = TRUE;
      else if (back_in_updater != NULL && gone && ota_description_needs_stage_two (desc))
        {
          *back_in_updater = TRUE;
          return g_steal_pointer (&desc);
        }
      g_free (last_problem);
      last_problem = local != NULL ? g_strdup (local->message)
                                   : g_strdup_printf ("the device answers with ota_step \"%s\"",
                                                      desc->ota_step != NULL ? desc->ota_step : "");
      if (g_get_monotonic_time () >= deadline)
        {
          if (back_in_updater != NULL && desc != NULL && ota_description_needs_stage_two (desc))
            {
              *back_in_updater = TRUE;
              return g_steal_pointer (&desc);
            }
          g_set_error (error, OTA_ERROR, OTA_ERROR_NO_REBOOT,
                       _ ("the device did not come back within %.1f s (last: %s)"),
                       self->reboot_timeout_ms / 1000.0, last_problem);
          return NULL;
        }
      if (!ota_sleep (self->poll_ms, op, error))
        return NULL;
    }
}

static gboolean
stage_one (OtaSession *self, OtaFirmware *firmware, GError **error)
{
  g_autoptr (OtaCtpClient) ctp = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GCancellable) op = current_op (self);
  OtaTransferState st = { 0 };
  gboolean ok;

  self->step = STEP_STAGE_ONE;
  emit_stage (self, 1, OTA_STAGE_STATE_START, OTA_STAGE_OUTCOME_NONE, NULL);
  emit_log (self, 1, OTA_LOG_LEVEL_INFO, OTA_EVENT_CODE_CONNECT,
            "Opening the control channel (port %u)", (guint) self->ctp_port);
  ctp = ota_ctp_client_connect (self->host, self->ctp_port, self->timeout_ms, op, &local);
  if (ctp == NULL || !ota_ctp_client_app_access (ctp, self->timeout_ms, op, &local)
      || !ota_ctp_client_net_ota_single (ctp, self->timeout_ms, op, &local))
    {
      emit_stage_failed (self, 1, local);
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  emit_log (self, 1, OTA_LOG_LEVEL_INFO, OTA_EVENT_CODE_TRANSFER,
            "The device is ready; serving the updater (stage one)");
  /* the control session must stay up while the data channel runs */
  ota_ctp_client_start_keepalive (ctp, self->keepalive_ms);
  ok = run_transfer (self, firmware, 1, &st, &local);
  ota_ctp_client_stop_keepalive (ctp);
  ota_ctp_client_close (ctp);

  if (st.committed)
    set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
  if (!ok)
    {
      emit_stage_failed (self, 1, local);
      if (ota_error_is_cancelled (local))
        g_propagate_error (error, g_steal_pointer (&local));
      else if (st.committed)
        g_set_error (error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY,
                     _ ("stage one failed after the point of no return: %s"), local->message);
      else if (g_error_matches (local, OTA_ERROR, OTA_ERROR_DEVICE_ERROR) && st.bad_headers == 0)
        /* the current SDK answers an identical firmware with ERR at once */
        g_set_error (error, OTA_ERROR, OTA_ERROR_DEVICE_ERROR,
                     _ ("stage one: %s before changing anything; most likely the device already "
                        "runs this firmware"),
                     local->message);
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local), _ ("stage one: "));
      return FALSE;
    }
  set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
  emit_stage (self, 1, OTA_STAGE_STATE_END, OTA_STAGE_OUTCOME_OK, NULL);
  return TRUE;
}

/* Stage two's control port (protocol.md 4.5): one best-effort APP_ACCESS,
 * then the connection is held open and silent until stage two ends, so that
 * no other client's bytes can reach the buffer the updater flashes from. */
static void
hold_control_port (OtaSession *self, OtaCtpClient **ctp)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GCancellable) op = current_op (self);
  g_autoptr (OtaCtpClient) client = NULL;
  guint ms = MIN (self->timeout_ms, (guint) STAGE_TWO_APP_ACCESS_MS);

  if (*ctp != NULL)
    return;
  client = ota_ctp_client_connect (self->host, self->ctp_port, ms, op, &local);
  if (client == NULL)
    {
      if (!ota_error_is_cancelled (local))
        emit_log (self, 2, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_HOLD_PORT,
                  "The updater's control port cannot be held (%s); going on without it",
                  local->message);
      return;
    }
  if (!ota_ctp_client_app_access (client, ms, op, &local) && !ota_error_is_cancelled (local))
    emit_log (self, 2, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_APP_ACCESS,
              "The updater did not answer the control exchange (%s); its data channel does not "
              "need it, going on",
              local->message);
  *ctp = g_steal_pointer (&client);
}

static gboolean
stage_two_once (OtaSession *self, OtaFirmware *firmware, guint attempt, OtaCtpClient **ctp,
                GError **error)
{
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (GCancellable) op = current_op (self);
  OtaTransferState st = { 0 };
  gboolean rejoined = FALSE;

  /* the PC may have lost the device's network since the last try */
  if (attempt > 0 && !wifi_ensure (self, &rejoined, error))
    return FALSE;
  if (rejoined)
    {
      g_autoptr (OtaDescription) back = NULL;

      /* the held control port went with the old connection */
      if (*ctp != NULL)
        ota_ctp_client_close (*ctp);
      g_clear_object (ctp);
      back = wait_for_step (self, "1", NULL, error);
      if (back == NULL)
        return FALSE;
    }

  /* S6: the control exchange, then the description, then 3335. The
   * description is fetched before every try: after a restart the updater
   * serves 3335 only once it was read again (protocol.md 4.6). */
  hold_control_port (self, ctp);
  if (g_cancellable_set_error_if_cancelled (op, error))
    return FALSE;
  desc = ota_http_fetch_description (self->host, self->http_port, self->timeout_ms, op, error);
  if (desc == NULL)
    return FALSE;
  if (!ota_description_needs_stage_two (desc))
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_PROTOCOL,
                   _ ("the updater reports ota_step \"%s\" instead of \"1\""),
                   desc->ota_step != NULL ? desc->ota_step : "");
      return FALSE;
    }
  return run_transfer (self, firmware, 2, &st, error);
}

static gboolean
stage_two (OtaSession *self, OtaFirmware *firmware, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (OtaCtpClient) ctp = NULL;
  gboolean ok = FALSE;

  self->step = STEP_STAGE_TWO;
  emit_stage (self, 2, OTA_STAGE_STATE_START, OTA_STAGE_OUTCOME_NONE, NULL);
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr (GCancellable) op = NULL;

      g_clear_error (&local);
      if (stage_two_once (self, firmware, attempt, &ctp, &local))
        {
          ok = TRUE;
          break;
        }
      if (ota_error_is_cancelled (local))
        {
          emit_stage_failed (self, 2, local);
          break;
        }
      /* a firmware file that changed stays changed: no retry can help */
      if (attempt >= self->retries || g_error_matches (local, OTA_ERROR, OTA_ERROR_INVALID_FILE))
        {
          emit_stage_failed (self, 2, local);
          if (attempt > 0)
            g_set_error (error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY,
                         _ ("stage two failed after every retry: %s"), local->message);
          else
            g_set_error (error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY, _ ("stage two failed: %s"),
                         local->message);
          g_clear_error (&local);
          break;
        }
      emit_log (self, 2, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_RETRY,
                "Stage two failed (%s); trying again (%u of %u)", local->message, attempt + 1,
                self->retries);
      /* after ERR the updater tears its connection down for ~2.5 s */
      op = current_op (self);
      g_clear_error (&local);
      if (!ota_sleep (self->retry_delay_ms, op, &local))
        {
          emit_stage_failed (self, 2, local);
          break;
        }
    }
  /* the control port is held until stage two ends */
  if (ctp != NULL)
    ota_ctp_client_close (ctp);
  if (ok)
    emit_stage (self, 2, OTA_STAGE_STATE_END, OTA_STAGE_OUTCOME_OK, NULL);
  else if (local != NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return ok;
}

/* After stage two said OK: the device must come back with the new firmware. */
static gboolean
confirm (OtaSession *self, const OtaDescription *before, OtaUfw *ufw, GError **error)
{
  g_autoptr (OtaDescription) after = NULL;
  g_autoptr (GError) local = NULL;
  gboolean back_in_updater = FALSE;
  const gchar *file_version = ufw != NULL ? ota_ufw_get_version (ufw) : NULL;
  const gchar *old_version = before != NULL ? before->firmware_version : NULL;

  self->step = STEP_REBOOT_TWO;
  emit_reboot_wait (self, 2, N_ ("The device is restarting into the new firmware"));
  if (wifi_rejoin (self, 2, TRUE, &local))
    after = wait_for_step (self, "0", &back_in_updater, &local);
  if (after == NULL)
    {
      /* stage two said OK: the firmware is written; only the check is missing */
      set_state (self, OTA_DEVICE_STATE_UNKNOWN);
      if (ota_error_is_cancelled (local))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_propagate_prefixed_error (
            error, g_steal_pointer (&local),
            _ ("after stage two (the device said the upgrade succeeded): "));
      return FALSE;
    }
  if (back_in_updater)
    {
      emit_device (self, after);
      set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_NEEDS_RECOVERY,
                           _ ("after stage two said it succeeded, the device restarted into its "
                              "updater again"));
      return FALSE;
    }
  if (file_version != NULL && g_strcmp0 (file_version, after->firmware_version) != 0)
    {
      if (old_version != NULL && g_strcmp0 (old_version, after->firmware_version) == 0)
        {
          emit_device (self, after);
          set_state (self, OTA_DEVICE_STATE_UNCHANGED);
          g_set_error (error, OTA_ERROR, OTA_ERROR_DEVICE_ERROR,
                       _ ("the device restarted but still runs %s; the file holds %s"), old_version,
                       file_version);
          return FALSE;
        }
      emit_log (self, 0, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_VERSION_MISMATCH,
                "The device now reports version \"%s\", the file says \"%s\"",
                after->firmware_version != NULL ? after->firmware_version : "", file_version);
    }
  set_state (self, OTA_DEVICE_STATE_UPDATED);
  self->new_version = g_strdup (after->firmware_version);
  self->step = N_STEPS;
  emit_device (self, after);
  return TRUE;
}

/* A unit left mid-upgrade with another file (the history knows): stage two
 * with this one installs this one, which the technician should know. */
static void
warn_earlier_file (OtaSession *self, const OtaDescription *desc, OtaUfw *ufw)
{
  g_autofree gchar *name = NULL;
  g_autofree gchar *sha256 = NULL;
  g_autofree gchar *base = NULL;
  const gchar *now = ufw != NULL ? ota_ufw_get_sha256 (ufw) : NULL;

  if (self->earlier_file == NULL || desc->uuid == NULL || *desc->uuid == '\0' || now == NULL
      || !self->earlier_file (desc->uuid, &name, &sha256, self->earlier_file_data))
    return;
  if (sha256 == NULL || g_ascii_strcasecmp (sha256, now) == 0)
    return;
  base = name != NULL ? g_path_get_basename (name) : g_strdup ("?");
  emit_log (self, 0, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_RECOVERY_OTHER_FILE,
            "This device was left mid-upgrade with another file, %s (SHA-256 %.12s…); stage two "
            "now installs this file (SHA-256 %.12s…) instead",
            base, sha256, now);
}

static gboolean
flash (OtaSession *self, OtaFirmware *firmware, OtaUfw *ufw, GError **error)
{
  g_autoptr (OtaDescription) desc = NULL;
  g_autoptr (OtaDescription) before = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GCancellable) op = current_op (self);

  self->start_time = g_get_monotonic_time ();
  self->step = STEP_READ_DEVICE;
  self->recovery_only = FALSE;
  set_state (self, OTA_DEVICE_STATE_UNKNOWN);
  g_clear_pointer (&self->new_version, g_free);

  if (!wifi_begin (self, error))
    {
      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      return FALSE;
    }
  emit_log (self, 0, OTA_LOG_LEVEL_INFO, OTA_EVENT_CODE_DEVICE,
            "Reading the device description from %s port %u", self->host, (guint) self->http_port);
  desc = ota_http_fetch_description (self->host, self->http_port, self->timeout_ms, op, &local);
  /* just joined: the device's server may answer a moment after the PC got
   * its address */
  for (gint64 settle = g_get_monotonic_time () + (gint64) WIFI_SETTLE_MS * 1000;
       desc == NULL && self->wifi != NULL && !ota_error_is_cancelled (local)
       && g_get_monotonic_time () < settle;)
    {
      g_clear_error (&local);
      if (!ota_sleep (self->poll_ms, op, &local))
        break;
      desc = ota_http_fetch_description (self->host, self->http_port, self->timeout_ms, op, &local);
    }
  if (desc == NULL)
    {
      /* a device that does not answer in time is not reachable */
      if (g_error_matches (local, OTA_ERROR, OTA_ERROR_TIMED_OUT))
        g_set_error_literal (error, OTA_ERROR, OTA_ERROR_NOT_REACHABLE, local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  emit_device (self, desc);
  if (!ota_description_is_single_backup (desc))
    {
      /* as the device sent it: a value of the wrong type is not "missing" */
      g_autofree gchar *ota_type = ota_description_describe_field (desc, "ota_type");

      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      g_set_error (
          error, OTA_ERROR, OTA_ERROR_NOT_SUPPORTED,
          _ ("the device is not a single-backup build (ota_type \"%s\"): this upgrade method "
             "does not apply to it"),
          ota_type);
      return FALSE;
    }

  if (ota_description_needs_stage_two (desc))
    {
      set_state (self, OTA_DEVICE_STATE_NEEDS_RECOVERY);
      self->recovery_only = TRUE;
      emit_log (
          self, 0, OTA_LOG_LEVEL_WARNING, OTA_EVENT_CODE_RECOVERY,
          "The device is in its updater, waiting for stage two: recovering it with this file");
      warn_earlier_file (self, desc, ufw);
    }
  else if (g_strcmp0 (desc->ota_step, "0") == 0)
    {
      before = ota_description_copy (desc);
      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      if (!stage_one (self, firmware, error))
        return FALSE;
      self->step = STEP_REBOOT_ONE;
      emit_reboot_wait (self, 1, N_ ("The device is restarting into its updater"));
      g_clear_pointer (&desc, ota_description_free);
      if (wifi_rejoin (self, 1, TRUE, &local))
        desc = wait_for_step (self, "1", NULL, &local);
      if (desc == NULL)
        {
          if (ota_error_is_cancelled (local))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_propagate_prefixed_error (error, g_steal_pointer (&local), _ ("after stage one: "));
          return FALSE;
        }
      emit_device (self, desc);
    }
  else
    {
      g_autofree gchar *ota_step = ota_description_describe_field (desc, "ota_step");

      set_state (self, OTA_DEVICE_STATE_UNCHANGED);
      g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                   _ ("the device reports ota_step \"%s\", neither ready (\"0\") nor waiting for "
                      "stage two (\"1\")"),
                   ota_step);
      return FALSE;
    }

  if (!stage_two (self, firmware, error))
    return FALSE;
  return confirm (self, before, ufw, error);
}

gboolean
ota_session_flash (OtaSession *self, OtaFirmware *firmware, OtaUfw *ufw, GCancellable *cancellable,
                   GError **error)
{
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (OTA_IS_SESSION (self), FALSE);
  g_return_val_if_fail (OTA_IS_FIRMWARE (firmware), FALSE);

  /* a new flash: a fresh cancellable and no cancel pending, whatever the
   * last one ended with */
  g_mutex_lock (&self->cancel_lock);
  if (self->running)
    {
      g_mutex_unlock (&self->cancel_lock);
      g_set_error_literal (error, OTA_ERROR, OTA_ERROR_FAILED, _ ("a flash is already running"));
      return FALSE;
    }
  self->running = TRUE;
  self->cancel_kind = CANCEL_NONE;
  g_clear_object (&self->op);
  self->op = g_cancellable_new ();
  g_mutex_unlock (&self->cancel_lock);

  /* the caller's cancellable is a confirmed cancel; every step waits on the
   * session's own, which a dropped late cancel replaces */
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (external_cancelled_cb), self, NULL);
  ok = flash (self, firmware, ufw, error);
  wifi_end (self); /* nothing when a batch puts the PC's network back itself */
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);

  g_mutex_lock (&self->cancel_lock);
  self->running = FALSE;
  self->cancel_kind = CANCEL_NONE;
  g_ptr_array_set_size (self->spent_ops, 0);
  g_mutex_unlock (&self->cancel_lock);
  return ok;
}
