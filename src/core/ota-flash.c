/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-flash.h"
#include "ota-i18n.h"

#include "ota-error.h"
#include "ota-progress-relay.h"

struct _OtaFlash {
  GObject parent_instance;

  OtaSession *session;
  OtaProgressRelay *relay; /* while running */
  GTask *task;             /* the caller's, while running */
  gboolean committed;
  gboolean cancelling;
  GError *error; /* the last run's; NULL: success (or none yet) */
  gboolean ran;
};

enum {
  PROP_0,
  PROP_COMMITTED,
  PROP_RUNNING,
  N_PROPS
};
static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_EVENT,
  SIGNAL_CANCEL_DROPPED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaFlash, ota_flash, G_TYPE_OBJECT)

static void
set_committed (OtaFlash *self, gboolean committed)
{
  if (self->committed == committed)
    return;
  self->committed = committed;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMMITTED]);
}

/* In the main context, in order. */
static void
relay_event_cb (const OtaEvent *event, gpointer user_data)
{
  OtaFlash *self = user_data;

  set_committed (self, ota_session_is_committed (self->session));
  if (event->kind == OTA_EVENT_LOG && event->code == OTA_EVENT_CODE_CANCEL_TOO_LATE)
    self->cancelling = FALSE;
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event);
  if (event->kind == OTA_EVENT_LOG && event->code == OTA_EVENT_CODE_CANCEL_TOO_LATE)
    g_signal_emit (self, signals[SIGNAL_CANCEL_DROPPED], 0);
}

typedef struct {
  OtaFirmware *firmware;
  OtaUfw *ufw;
} RunData;

static void
run_data_free (RunData *data)
{
  g_clear_object (&data->firmware);
  g_clear_object (&data->ufw);
  g_free (data);
}

static void
run_thread_cb (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OtaFlash *self = source;
  RunData *data = task_data;
  GError *error = NULL;

  if (ota_session_flash (self->session, data->firmware, data->ufw, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
run_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  OtaFlash *self = OTA_FLASH (source);
  g_autoptr (GTask) task = g_steal_pointer (&self->task);

  g_clear_error (&self->error);
  g_task_propagate_boolean (G_TASK (res), &self->error);
  /* every event before the result */
  ota_progress_relay_flush (self->relay);
  ota_progress_relay_disconnect (self->relay);
  g_clear_pointer (&self->relay, ota_progress_relay_unref);
  set_committed (self, ota_session_is_committed (self->session));
  self->ran = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  if (self->error != NULL)
    g_task_return_error (task, g_error_copy (self->error));
  else
    g_task_return_boolean (task, TRUE);
}

void
ota_flash_run_async (OtaFlash *self, OtaFirmware *firmware, OtaUfw *ufw, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) worker = NULL;
  RunData *data;

  g_return_if_fail (OTA_IS_FLASH (self));
  g_return_if_fail (OTA_IS_FIRMWARE (firmware));

  if (self->task != NULL)
    {
      g_task_report_new_error (self, callback, user_data, ota_flash_run_async, OTA_ERROR,
                               OTA_ERROR_FAILED, _ ("a flash is already running"));
      return;
    }
  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, ota_flash_run_async);
  self->cancelling = FALSE;
  self->relay = ota_progress_relay_new (NULL, relay_event_cb, self);
  ota_session_set_event_func (self->session, ota_progress_relay_push,
                              ota_progress_relay_ref (self->relay),
                              (GDestroyNotify) ota_progress_relay_unref);

  data = g_new0 (RunData, 1);
  data->firmware = g_object_ref (firmware);
  data->ufw = ufw != NULL ? g_object_ref (ufw) : NULL;
  worker = g_task_new (self, cancellable, run_done_cb, NULL);
  g_task_set_task_data (worker, data, (GDestroyNotify) run_data_free);
  /* the session checks the cancellable itself and decides what a cancel
   * means: the GTask must not return early on its own */
  g_task_set_return_on_cancel (worker, FALSE);
  g_task_set_check_cancellable (worker, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  g_task_run_in_thread (worker, run_thread_cb);
}

gboolean
ota_flash_run_finish (OtaFlash *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

OtaCancelAnswer
ota_flash_cancel (OtaFlash *self, OtaCancelKind kind)
{
  OtaCancelAnswer answer;

  g_return_val_if_fail (OTA_IS_FLASH (self), OTA_CANCEL_NOT_RUNNING);
  if (self->task == NULL)
    return OTA_CANCEL_NOT_RUNNING;
  answer = ota_session_cancel (self->session, kind);
  if (answer == OTA_CANCEL_TAKEN)
    self->cancelling = TRUE;
  return answer;
}

gboolean
ota_flash_is_cancelling (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), FALSE);
  return self->cancelling;
}

gboolean
ota_flash_is_running (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), FALSE);
  return self->task != NULL;
}

gboolean
ota_flash_get_committed (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), FALSE);
  return self->committed;
}

OtaDeviceState
ota_flash_get_device_state (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), OTA_DEVICE_STATE_UNKNOWN);
  return ota_session_get_device_state (self->session);
}

const gchar *
ota_flash_get_new_version (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), NULL);
  return ota_session_get_new_version (self->session);
}

OtaSession *
ota_flash_get_session (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), NULL);
  return self->session;
}

OtaAdvice *
ota_flash_dup_advice (OtaFlash *self)
{
  g_return_val_if_fail (OTA_IS_FLASH (self), NULL);
  g_return_val_if_fail (self->ran && self->task == NULL, NULL);
  return ota_advice_new (self->error, ota_session_get_device_state (self->session),
                         ota_session_get_new_version (self->session), NULL);
}

static void
ota_flash_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OtaFlash *self = OTA_FLASH (object);

  switch (prop_id)
    {
    case PROP_COMMITTED:
      g_value_set_boolean (value, self->committed);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->task != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
ota_flash_dispose (GObject *object)
{
  OtaFlash *self = OTA_FLASH (object);

  /* a run holds a reference on its engine: nothing runs when we get here */
  if (self->relay != NULL)
    ota_progress_relay_disconnect (self->relay);
  g_clear_pointer (&self->relay, ota_progress_relay_unref);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (ota_flash_parent_class)->dispose (object);
}

static void
ota_flash_finalize (GObject *object)
{
  OtaFlash *self = OTA_FLASH (object);

  g_clear_error (&self->error);
  G_OBJECT_CLASS (ota_flash_parent_class)->finalize (object);
}

static void
ota_flash_class_init (OtaFlashClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ota_flash_get_property;
  object_class->dispose = ota_flash_dispose;
  object_class->finalize = ota_flash_finalize;

  props[PROP_COMMITTED]
      = g_param_spec_boolean ("committed", NULL, NULL, FALSE,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  props[PROP_RUNNING]
      = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* OtaEvent, in the main context of run_async() */
  signals[SIGNAL_EVENT]
      = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                      G_TYPE_NONE, 1, OTA_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
  /* a safe cancel was overtaken by the point of no return: the flash goes on */
  signals[SIGNAL_CANCEL_DROPPED]
      = g_signal_new ("cancel-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 0);
}

static void
ota_flash_init (OtaFlash *self)
{
}

OtaFlash *
ota_flash_new (OtaSession *session)
{
  OtaFlash *self;

  g_return_val_if_fail (OTA_IS_SESSION (session), NULL);
  self = g_object_new (OTA_TYPE_FLASH, NULL);
  self->session = g_object_ref (session);
  return self;
}
