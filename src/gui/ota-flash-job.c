/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-flash-job.h"

#include "ota-progress-relay.h"

struct _OtaFlashJob {
  GObject parent_instance;

  OtaSession *session;
  OtaFirmware *firmware;
  OtaUfw *ufw;
  GCancellable *cancellable;
  OtaProgressRelay *relay;
  gboolean running;
  gboolean finished;
  gboolean safe_cancel;     /* a cancel before the point of no return is pending */
  GError *error;
};

enum { SIGNAL_EVENT, SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaFlashJob, ota_flash_job, G_TYPE_OBJECT)

/* In the main context, through the relay. */
static void
relay_event_cb (const OtaEvent *event, gpointer user_data)
{
  OtaFlashJob *self = user_data;

  /* the device passed the point of no return first: the flash goes on */
  if (event->kind == OTA_EVENT_LOG && g_strcmp0 (event->code, "cancel-too-late") == 0)
    self->safe_cancel = FALSE;
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event);
}

static void
flash_thread_cb (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  OtaFlashJob *self = source;
  GError *error = NULL;

  if (ota_session_flash (self->session, self->firmware, self->ufw, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
flash_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  OtaFlashJob *self = OTA_FLASH_JOB (source);

  g_task_propagate_boolean (G_TASK (res), &self->error);
  /* the worker is done: deliver what it said last, in order, then stop */
  ota_progress_relay_flush (self->relay);
  ota_progress_relay_disconnect (self->relay);
  self->running = FALSE;
  self->finished = TRUE;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

void
ota_flash_job_start (OtaFlashJob *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OTA_IS_FLASH_JOB (self));
  g_return_if_fail (!self->running && !self->finished);

  self->relay = ota_progress_relay_new (g_main_context_get_thread_default (), relay_event_cb, self);
  ota_session_set_event_func (self->session, ota_progress_relay_push,
                              ota_progress_relay_ref (self->relay),
                              (GDestroyNotify) ota_progress_relay_unref);
  self->running = TRUE;
  /* the task holds a reference on the job until the worker has returned */
  task = g_task_new (self, self->cancellable, flash_done_cb, NULL);
  g_task_set_source_tag (task, ota_flash_job_start);
  g_task_set_name (task, "[otaflash] flash");
  g_task_run_in_thread (task, flash_thread_cb);
}

void
ota_flash_job_cancel (OtaFlashJob *self)
{
  g_return_if_fail (OTA_IS_FLASH_JOB (self));
  g_cancellable_cancel (self->cancellable);
}

gboolean
ota_flash_job_cancel_safely (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), FALSE);
  if (!ota_session_cancel (self->session, FALSE))
    return FALSE;
  self->safe_cancel = TRUE;
  return TRUE;
}

gboolean
ota_flash_job_is_cancelled (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), FALSE);
  return self->safe_cancel || g_cancellable_is_cancelled (self->cancellable);
}

gboolean
ota_flash_job_is_committed (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), FALSE);
  return ota_session_is_committed (self->session);
}

gboolean
ota_flash_job_is_running (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), FALSE);
  return self->running;
}

const GError *
ota_flash_job_get_error (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), NULL);
  return self->error;
}

OtaDeviceState
ota_flash_job_get_device_state (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), OTA_DEVICE_STATE_UNKNOWN);
  return ota_session_get_device_state (self->session);
}

const gchar *
ota_flash_job_get_new_version (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), NULL);
  return self->finished ? ota_session_get_new_version (self->session) : NULL;
}

OtaSession *
ota_flash_job_get_session (OtaFlashJob *self)
{
  g_return_val_if_fail (OTA_IS_FLASH_JOB (self), NULL);
  return self->session;
}

static void
ota_flash_job_dispose (GObject *object)
{
  OtaFlashJob *self = OTA_FLASH_JOB (object);

  /* a job is only disposed once its task has returned (the task holds a
   * reference); this only drops what nobody will deliver any more */
  if (self->relay != NULL)
    ota_progress_relay_disconnect (self->relay);
  G_OBJECT_CLASS (ota_flash_job_parent_class)->dispose (object);
}

static void
ota_flash_job_finalize (GObject *object)
{
  OtaFlashJob *self = OTA_FLASH_JOB (object);

  g_clear_pointer (&self->relay, ota_progress_relay_unref);
  g_clear_object (&self->session);
  g_clear_object (&self->firmware);
  g_clear_object (&self->ufw);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (ota_flash_job_parent_class)->finalize (object);
}

static void
ota_flash_job_class_init (OtaFlashJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ota_flash_job_dispose;
  object_class->finalize = ota_flash_job_finalize;

  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ota_flash_job_init (OtaFlashJob *self)
{
  self->cancellable = g_cancellable_new ();
}

OtaFlashJob *
ota_flash_job_new (const gchar *host, guint16 ctp_port, guint16 http_port, guint16 ota_port,
                   OtaFirmware *firmware, OtaUfw *ufw)
{
  OtaFlashJob *self;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (OTA_IS_FIRMWARE (firmware), NULL);
  g_return_val_if_fail (OTA_IS_UFW (ufw), NULL);

  self = g_object_new (OTA_TYPE_FLASH_JOB, NULL);
  self->session = ota_session_new ();
  ota_session_set_host (self->session, host);
  ota_session_set_ports (self->session, ctp_port, http_port, ota_port);
  self->firmware = g_object_ref (firmware);
  self->ufw = g_object_ref (ufw);
  return self;
}
