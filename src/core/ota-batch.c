/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-batch.h"
#include "ota-i18n.h"

#include <string.h>

#include "ota-error.h"

struct _OtaBatch {
  GObject parent_instance;

  OtaFlash *engine;
  OtaFirmware *firmware;
  OtaUfw *ufw;
  guint count;
  gboolean allow_downgrade, allow_reinstall;
  gboolean asked_downgrade, asked_reinstall; /* asked once per batch */
  gchar *expect_product;
  guint poll_ms;
  OtaBatchConfirmFunc confirm;
  gpointer confirm_data;

  GHashTable *done; /* uuids of this batch */
  guint unit;
  gboolean in_unit;
  OtaDescription *device;
  OtaAdvice *advice;
  guint counts[OTA_OUTCOME_LAST];
  gboolean stop;
  GCancellable *wait_cancel;
  GTask *task; /* the run */
};

G_DEFINE_TYPE (OtaBatch, ota_batch, G_TYPE_OBJECT)

enum {
  SIGNAL_UNIT_START,
  SIGNAL_UNIT_END,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

static void
ota_batch_finalize (GObject *object)
{
  OtaBatch *self = OTA_BATCH (object);

  g_clear_object (&self->engine);
  g_clear_object (&self->firmware);
  g_clear_object (&self->ufw);
  g_free (self->expect_product);
  g_hash_table_unref (self->done);
  g_clear_pointer (&self->device, ota_description_free);
  g_clear_pointer (&self->advice, ota_advice_free);
  g_clear_object (&self->wait_cancel);
  G_OBJECT_CLASS (ota_batch_parent_class)->finalize (object);
}

static void
ota_batch_class_init (OtaBatchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_batch_finalize;
  signals[SIGNAL_UNIT_START]
      = g_signal_new ("unit-start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                      NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_UNIT_END] = g_signal_new ("unit-end", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ota_batch_init (OtaBatch *self)
{
  self->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->poll_ms = 100;
}

OtaBatch *
ota_batch_new (OtaFlash *engine, OtaFirmware *firmware, OtaUfw *ufw)
{
  OtaBatch *self;

  g_return_val_if_fail (OTA_IS_FLASH (engine), NULL);
  g_return_val_if_fail (OTA_IS_FIRMWARE (firmware) && OTA_IS_UFW (ufw), NULL);
  self = g_object_new (OTA_TYPE_BATCH, NULL);
  self->engine = g_object_ref (engine);
  self->firmware = g_object_ref (firmware);
  self->ufw = g_object_ref (ufw);
  return self;
}

void
ota_batch_set_count (OtaBatch *self, guint count)
{
  self->count = count;
}

void
ota_batch_set_allow_downgrade (OtaBatch *self, gboolean allow)
{
  self->allow_downgrade = allow;
}

void
ota_batch_set_allow_reinstall (OtaBatch *self, gboolean allow)
{
  self->allow_reinstall = allow;
}

void
ota_batch_set_expect_product (OtaBatch *self, const gchar *product)
{
  g_free (self->expect_product);
  self->expect_product = g_strdup (product);
}

void
ota_batch_set_poll_interval (OtaBatch *self, guint interval_ms)
{
  self->poll_ms = MAX (interval_ms, 1);
}

void
ota_batch_set_confirm_func (OtaBatch *self, OtaBatchConfirmFunc func, gpointer user_data)
{
  self->confirm = func;
  self->confirm_data = user_data;
}

/* ---- versions and outcomes ------------------------------------------------------ */

gint
ota_batch_compare_versions (const gchar *a, const gchar *b)
{
  const gchar *p = a != NULL ? a : "";
  const gchar *q = b != NULL ? b : "";

  while (*p != '\0' || *q != '\0')
    {
      if (g_ascii_isdigit (*p) && g_ascii_isdigit (*q))
        {
          guint64 x = g_ascii_strtoull (p, (gchar **) &p, 10);
          guint64 y = g_ascii_strtoull (q, (gchar **) &q, 10);

          if (x != y)
            return x < y ? -1 : 1;
          continue;
        }
      if (*p != *q)
        {
          /* a missing part is older: "1.0" < "1.0.1" */
          if (*p == '\0')
            return -1;
          if (*q == '\0')
            return 1;
          return *p < *q ? -1 : 1;
        }
      p++;
      q++;
    }
  return 0;
}

guint
ota_batch_outcome_severity (OtaOutcome outcome)
{
  switch (outcome)
    {
    case OTA_OUTCOME_NEEDS_RECOVERY:
      return 9;
    case OTA_OUTCOME_NO_REBOOT:
      return 8;
    case OTA_OUTCOME_WIFI:
      return 7;
    case OTA_OUTCOME_FAILED_UNCHANGED:
      return 6;
    case OTA_OUTCOME_NOT_REACHABLE:
      return 5;
    case OTA_OUTCOME_REFUSED:
      return 4;
    case OTA_OUTCOME_INVALID_FILE:
      return 3;
    case OTA_OUTCOME_NOTHING_TO_DO:
      return 2;
    case OTA_OUTCOME_CANCELLED:
      return 1;
    case OTA_OUTCOME_SUCCESS:
    case OTA_OUTCOME_LAST:
    default:
      return 0;
    }
}

/* ---- getters -------------------------------------------------------------------- */

void
ota_batch_stop (OtaBatch *self)
{
  self->stop = TRUE;
  if (self->wait_cancel != NULL)
    g_cancellable_cancel (self->wait_cancel);
}

gboolean
ota_batch_is_stopped (OtaBatch *self)
{
  return self->stop;
}

gboolean
ota_batch_in_unit (OtaBatch *self)
{
  return self->in_unit;
}

guint
ota_batch_get_unit (OtaBatch *self)
{
  return self->unit;
}

const OtaDescription *
ota_batch_get_device (OtaBatch *self)
{
  return self->device;
}

const OtaAdvice *
ota_batch_get_advice (OtaBatch *self)
{
  return self->advice;
}

guint
ota_batch_get_n_outcome (OtaBatch *self, OtaOutcome outcome)
{
  g_return_val_if_fail (outcome < OTA_OUTCOME_LAST, 0);
  return self->counts[outcome];
}

OtaExitCode
ota_batch_get_exit_code (OtaBatch *self)
{
  OtaOutcome worst = OTA_OUTCOME_SUCCESS;

  for (guint o = 0; o < OTA_OUTCOME_LAST; o++)
    if (self->counts[o] > 0 && ota_batch_outcome_severity (o) > ota_batch_outcome_severity (worst))
      worst = o;
  /* the exit code of that outcome, as the advice table gives it */
  switch (worst)
    {
    case OTA_OUTCOME_NEEDS_RECOVERY:
      return OTA_EXIT_NEEDS_RECOVERY;
    case OTA_OUTCOME_NO_REBOOT:
      return OTA_EXIT_NO_REBOOT;
    case OTA_OUTCOME_WIFI:
      return OTA_EXIT_WIFI;
    case OTA_OUTCOME_FAILED_UNCHANGED:
      return OTA_EXIT_FAILED_UNCHANGED;
    case OTA_OUTCOME_NOT_REACHABLE:
      return OTA_EXIT_NOT_REACHABLE;
    case OTA_OUTCOME_REFUSED:
      return OTA_EXIT_REFUSED;
    case OTA_OUTCOME_INVALID_FILE:
      return OTA_EXIT_INVALID_FILE;
    case OTA_OUTCOME_NOTHING_TO_DO:
      return OTA_EXIT_NOTHING_TO_DO;
    case OTA_OUTCOME_CANCELLED:
      return OTA_EXIT_CANCELLED;
    case OTA_OUTCOME_SUCCESS:
    case OTA_OUTCOME_LAST:
    default:
      return OTA_EXIT_SUCCESS;
    }
}

/* ---- waiting for the next unit -------------------------------------------------- */

typedef struct {
  OtaSession *session;
  GHashTable *done; /* a snapshot: the worker never touches the batch */
  guint poll_ms;
} Wait;

static void
wait_free (gpointer data)
{
  Wait *w = data;

  g_object_unref (w->session);
  g_hash_table_unref (w->done);
  g_free (w);
}

static void
wait_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Wait *w = task_data;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (OtaDescription) desc = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _ ("stopped while waiting for the next device"));
          return;
        }
      /* nothing there, the unit just done, or one rebooting: read again */
      desc = ota_session_read_device (w->session, cancellable, &error);
      if (desc != NULL && desc->uuid != NULL && *desc->uuid != '\0'
          && !g_hash_table_contains (w->done, desc->uuid))
        {
          g_task_return_pointer (task, g_steal_pointer (&desc),
                                 (GDestroyNotify) ota_description_free);
          return;
        }
      if (error != NULL)
        g_debug ("waiting for the next device: %s", error->message);
      g_cancellable_set_error_if_cancelled (cancellable, NULL);
      {
        GPollFD pfd;

        if (g_cancellable_make_pollfd (cancellable, &pfd))
          {
            g_poll (&pfd, 1, (gint) w->poll_ms);
            g_cancellable_release_fd (cancellable);
          }
        else
          g_usleep ((gulong) w->poll_ms * 1000);
      }
    }
}

static void next_unit (OtaBatch *self);

static void
end_unit (OtaBatch *self, OtaAdvice *advice)
{
  g_clear_pointer (&self->advice, ota_advice_free);
  self->advice = advice;
  self->counts[advice->outcome]++;
  self->in_unit = FALSE;
  /* a cancelled unit is the technician's Ctrl-C: the batch ends with it */
  if (advice->outcome == OTA_OUTCOME_CANCELLED || ota_flash_is_cancelling (self->engine))
    self->stop = TRUE;
  g_signal_emit (self, signals[SIGNAL_UNIT_END], 0, self->unit);
  next_unit (self);
}

static void
flash_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (OtaBatch) self = user_data;

  ota_flash_run_finish (OTA_FLASH (source), res, NULL);
  end_unit (self, ota_flash_dup_advice (self->engine));
}

/* Asks once per batch; without a question function it is refused. */
static gboolean
allowed (OtaBatch *self, OtaBatchQuestion question, gboolean *allow, gboolean *asked)
{
  if (*allow || *asked || self->confirm == NULL)
    return *allow;
  *asked = TRUE;
  *allow = self->confirm (self, question, self->device, ota_ufw_get_version (self->ufw),
                          self->confirm_data);
  return *allow;
}

/* The batch's safety rules, before anything is sent to the unit. */
static gboolean
check_unit (OtaBatch *self, GError **error)
{
  const OtaDescription *d = self->device;
  const gchar *file_version = ota_ufw_get_version (self->ufw);
  gint cmp;

  if (self->expect_product != NULL && g_strcmp0 (d->product_type, self->expect_product) != 0)
    {
      g_autofree gchar *got = ota_description_describe_field (d, "product_type");

      g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                   _ ("the device is a %s, this batch expects %s (--expect-product)"), got,
                   self->expect_product);
      return FALSE;
    }
  /* a unit waiting for stage two is finished whatever it ran before */
  if (ota_description_needs_stage_two (d) || file_version == NULL || d->firmware_version == NULL)
    return TRUE;
  cmp = ota_batch_compare_versions (d->firmware_version, file_version);
  if (cmp == 0
      && !allowed (self, OTA_BATCH_QUESTION_REINSTALL, &self->allow_reinstall,
                   &self->asked_reinstall))
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_NOTHING_TO_DO,
                   _ ("the device runs %s already, the file's version (--allow-reinstall flashes "
                      "it again)"),
                   file_version);
      return FALSE;
    }
  if (cmp > 0
      && !allowed (self, OTA_BATCH_QUESTION_DOWNGRADE, &self->allow_downgrade,
                   &self->asked_downgrade))
    {
      g_set_error (error, OTA_ERROR, OTA_ERROR_REFUSED,
                   _ ("the device runs %s, newer than the file's %s: a downgrade "
                      "(--allow-downgrade allows it)"),
                   d->firmware_version, file_version);
      return FALSE;
    }
  return TRUE;
}

static void
wait_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  OtaBatch *self = OTA_BATCH (source);
  g_autoptr (GError) error = NULL;
  OtaDescription *desc = g_task_propagate_pointer (G_TASK (res), &error);

  g_clear_object (&self->wait_cancel);
  if (desc == NULL)
    {
      self->stop = TRUE;
      next_unit (self);
      return;
    }
  self->unit++;
  self->in_unit = TRUE;
  g_clear_pointer (&self->device, ota_description_free);
  self->device = desc;
  g_hash_table_add (self->done, g_strdup (desc->uuid));
  g_signal_emit (self, signals[SIGNAL_UNIT_START], 0, self->unit);
  if (!check_unit (self, &error))
    {
      /* refused before anything was sent: the device is unchanged */
      end_unit (self, ota_advice_new (error, OTA_DEVICE_STATE_UNCHANGED, NULL, NULL));
      return;
    }
  ota_flash_run_async (self->engine, self->firmware, self->ufw, NULL, flash_done_cb,
                       g_object_ref (self));
}

static void
next_unit (OtaBatch *self)
{
  GTask *wait;
  Wait *w;

  if (self->task == NULL)
    return;
  if (self->stop || (self->count > 0 && self->unit >= self->count))
    {
      GTask *task = g_steal_pointer (&self->task);

      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  w = g_new0 (Wait, 1);
  w->session = g_object_ref (ota_flash_get_session (self->engine));
  w->done = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->done);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_add (w->done, g_strdup (key));
  }
  w->poll_ms = self->poll_ms;
  self->wait_cancel = g_cancellable_new ();
  wait = g_task_new (self, self->wait_cancel, wait_done_cb, NULL);
  g_task_set_source_tag (wait, next_unit);
  g_task_set_task_data (wait, w, wait_free);
  g_task_run_in_thread (wait, wait_thread);
  g_object_unref (wait);
}

void
ota_batch_run_async (OtaBatch *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                     gpointer user_data)
{
  g_return_if_fail (OTA_IS_BATCH (self) && self->task == NULL);
  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, ota_batch_run_async);
  next_unit (self);
}

gboolean
ota_batch_run_finish (OtaBatch *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
