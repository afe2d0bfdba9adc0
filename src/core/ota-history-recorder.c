/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-history-recorder.h"

#include <string.h>

#include "ota-error.h"
#include "ota-event-writer.h"
#include "ota-event.h"

struct _OtaHistoryRecorder {
  GObject parent_instance;

  OtaHistory *history;
  gchar *ssid, *bssid;

  /* the current record */
  gboolean active;
  gint64 id;
  OtaFlash *engine; /* while active */
  gulong event_id;
  OtaEventWriter *writer;
  GString *log;
  gsize dropped; /* lines not kept: the log was full */
  guint n_devices;
  gboolean device_set; /* ota_history_recorder_set_device() wrote the device */
  gchar *joined;       /* the device network of this flash, when it joined one */
  gchar *last_version; /* of the last device event */
  guint last_stage;
  gint last_decile;
  gboolean last_committed;
  GError *error; /* the first failed write of the record */
};

G_DEFINE_TYPE (OtaHistoryRecorder, ota_history_recorder, G_TYPE_OBJECT)

static void
disconnect_engine (OtaHistoryRecorder *self)
{
  if (self->engine != NULL)
    {
      g_clear_signal_handler (&self->event_id, self->engine);
      g_clear_object (&self->engine);
    }
}

static void
ota_history_recorder_dispose (GObject *object)
{
  OtaHistoryRecorder *self = OTA_HISTORY_RECORDER (object);

  disconnect_engine (self);
  g_clear_object (&self->history);
  G_OBJECT_CLASS (ota_history_recorder_parent_class)->dispose (object);
}

static void
ota_history_recorder_finalize (GObject *object)
{
  OtaHistoryRecorder *self = OTA_HISTORY_RECORDER (object);

  g_free (self->ssid);
  g_free (self->bssid);
  g_free (self->joined);
  g_free (self->last_version);
  g_clear_pointer (&self->writer, ota_event_writer_free);
  if (self->log != NULL)
    g_string_free (self->log, TRUE);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (ota_history_recorder_parent_class)->finalize (object);
}

static void
ota_history_recorder_class_init (OtaHistoryRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ota_history_recorder_dispose;
  object_class->finalize = ota_history_recorder_finalize;
}

static void
ota_history_recorder_init (OtaHistoryRecorder *self)
{
}

OtaHistoryRecorder *
ota_history_recorder_new (OtaHistory *history)
{
  OtaHistoryRecorder *self;

  g_return_val_if_fail (OTA_IS_HISTORY (history), NULL);
  self = g_object_new (OTA_TYPE_HISTORY_RECORDER, NULL);
  self->history = g_object_ref (history);
  return self;
}

OtaHistory *
ota_history_recorder_get_history (OtaHistoryRecorder *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY_RECORDER (self), NULL);
  return self->history;
}

void
ota_history_recorder_set_network (OtaHistoryRecorder *self, const gchar *ssid, const gchar *bssid)
{
  g_return_if_fail (OTA_IS_HISTORY_RECORDER (self));
  g_free (self->ssid);
  g_free (self->bssid);
  self->ssid = g_strdup (ssid);
  self->bssid = bssid != NULL && *bssid != '\0' ? g_strdup (bssid) : NULL;
}

gint64
ota_history_recorder_get_id (OtaHistoryRecorder *self)
{
  g_return_val_if_fail (OTA_IS_HISTORY_RECORDER (self), 0);
  return self->id;
}

static void
log_line_cb (const gchar *line, gpointer user_data)
{
  OtaHistoryRecorder *self = user_data;

  if (self->log->len + strlen (line) + 1 > OTA_HISTORY_RECORDER_MAX_LOG)
    {
      self->dropped++;
      return;
    }
  g_string_append (self->log, line);
  g_string_append_c (self->log, '\n');
}

/* Progress only when a reader of the record cares: a new stage, each 10 %,
 * the point of no return. */
static gboolean
keep_progress (OtaHistoryRecorder *self, const OtaEvent *ev)
{
  gint decile = (gint) (ev->percent / 10);

  if (ev->stage == self->last_stage && decile == self->last_decile
      && ev->committed == self->last_committed)
    return FALSE;
  self->last_stage = ev->stage;
  self->last_decile = decile;
  self->last_committed = ev->committed;
  return TRUE;
}

static void
event_cb (OtaFlash *engine, const OtaEvent *ev, OtaHistoryRecorder *self)
{
  if (!self->active)
    return;
  if (ev->kind == OTA_EVENT_PROGRESS && !keep_progress (self, ev))
    return;
  ota_event_writer_event (self->writer, ev);
  /* the device network the flash joined (Wi-Fi steps), before the device */
  if (ev->kind == OTA_EVENT_LOG && ev->code == OTA_EVENT_CODE_WIFI
      && ev->wifi_step == OTA_WIFI_STEP_JOINED && ev->network != NULL && self->n_devices == 0)
    {
      g_free (self->joined);
      self->joined = g_strdup (ev->network);
    }
  if (ev->kind != OTA_EVENT_DEVICE || ev->device == NULL)
    return;
  self->n_devices++;
  g_free (self->last_version);
  self->last_version = g_strdup (ev->device->firmware_version);
  /* the device as it was before: the first read only */
  if (self->n_devices == 1 && !self->device_set && self->error == NULL)
    ota_history_record_device (self->history, self->id, ev->device, self->joined, &self->error);
}

gboolean
ota_history_recorder_begin (OtaHistoryRecorder *self, OtaFlash *engine, const gchar *path,
                            OtaUfw *ufw, GError **error)
{
  g_autoptr (OtaHistoryRecord) start = ota_history_record_new ();
  g_autoptr (cJSON) file = NULL;

  g_return_val_if_fail (OTA_IS_HISTORY_RECORDER (self), FALSE);
  g_return_val_if_fail (engine == NULL || OTA_IS_FLASH (engine), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (!self->active, FALSE);

  start->file_name = g_canonicalize_filename (path, NULL);
  if (ufw != NULL)
    {
      /* the SHA-256 of the validation pass: the file is not read again */
      start->file_size = (gint64) ota_ufw_get_size (ufw);
      start->file_sha256 = g_strdup (ota_ufw_get_sha256 (ufw));
    }
  start->ssid = g_strdup (self->ssid);
  start->bssid = g_strdup (self->bssid);
  self->id = ota_history_record_start (self->history, start, error);
  if (self->id == 0)
    return FALSE;

  self->active = TRUE;
  g_clear_error (&self->error);
  self->n_devices = 0;
  self->device_set = FALSE;
  g_clear_pointer (&self->joined, g_free);
  g_clear_pointer (&self->last_version, g_free);
  self->last_stage = 0;
  self->last_decile = -1;
  self->last_committed = FALSE;
  self->dropped = 0;
  if (self->log != NULL)
    g_string_truncate (self->log, 0);
  else
    self->log = g_string_new (NULL);
  g_clear_pointer (&self->writer, ota_event_writer_free);
  self->writer = ota_event_writer_new ();
  ota_event_writer_add_sink (self->writer, log_line_cb, self, FALSE);
  file = ota_event_file_to_json (path, ufw);
  ota_event_writer_object (self->writer, file);
  if (engine != NULL)
    {
      self->engine = g_object_ref (engine);
      self->event_id = g_signal_connect (engine, "event", G_CALLBACK (event_cb), self);
    }
  return TRUE;
}

void
ota_history_recorder_set_device (OtaHistoryRecorder *self, const OtaDescription *desc,
                                 const gchar *ssid)
{
  g_return_if_fail (OTA_IS_HISTORY_RECORDER (self));
  g_return_if_fail (desc != NULL);
  g_return_if_fail (self->active);

  self->device_set = TRUE;
  if (self->error == NULL)
    ota_history_record_device (self->history, self->id, desc, ssid, &self->error);
}

gboolean
ota_history_recorder_earlier_file (const gchar *uuid, gchar **out_name, gchar **out_sha256,
                                   gpointer user_data)
{
  OtaHistoryRecorder *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (OtaHistory) own = NULL;
  g_autoptr (GPtrArray) records = NULL;
  OtaHistoryQuery query = { 0 };

  g_return_val_if_fail (OTA_IS_HISTORY_RECORDER (self), FALSE);
  /* the front-end's connection belongs to its thread */
  own = ota_history_open (ota_history_get_path (self->history), &error);
  if (own != NULL)
    {
      query.device_uuid = uuid;
      query.limit = 2; /* this flash's own record may be one of them */
      records = ota_history_query (own, &query, &error);
    }
  if (records == NULL)
    {
      g_debug ("the history cannot tell this device's earlier flashes: %s", error->message);
      return FALSE;
    }
  for (guint i = 0; i < records->len; i++)
    {
      const OtaHistoryRecord *r = g_ptr_array_index (records, i);

      if (r->id == self->id)
        continue;
      if (g_strcmp0 (r->device_state, "needs-recovery") != 0
          && g_strcmp0 (r->outcome, OTA_HISTORY_OUTCOME_INTERRUPTED) != 0)
        return FALSE;
      *out_name = g_strdup (r->file_name);
      *out_sha256 = g_strdup (r->file_sha256);
      return TRUE;
    }
  return FALSE;
}

gboolean
ota_history_recorder_end (OtaHistoryRecorder *self, const OtaAdvice *advice, GError **error)
{
  g_autoptr (cJSON) result = NULL;
  const gchar *after;

  g_return_val_if_fail (OTA_IS_HISTORY_RECORDER (self), FALSE);
  g_return_val_if_fail (advice != NULL, FALSE);
  g_return_val_if_fail (self->active, FALSE);

  disconnect_engine (self);
  self->active = FALSE;
  if (self->dropped > 0)
    {
      g_autofree gchar *line = g_strdup_printf (
          "{\"event\":\"log\",\"level\":\"warning\",\"code\":\"log-truncated\","
          "\"message\":\"%" G_GSIZE_FORMAT " events not kept: the history keeps %d bytes of log\"}",
          self->dropped, OTA_HISTORY_RECORDER_MAX_LOG);
      g_string_append (self->log, line);
      g_string_append_c (self->log, '\n');
    }
  /* the result is always kept, even in a full log */
  result = ota_advice_to_json (advice);
  {
    g_autofree gchar *line = cJSON_PrintUnformatted (result);
    g_string_append (self->log, line);
    g_string_append_c (self->log, '\n');
  }

  /* after: what the device reported at the end; a second read of the
   * device (after a restart) tells it too when the flash failed */
  after = advice->firmware_version;
  if (after == NULL && self->n_devices >= 2)
    after = self->last_version;
  if (!ota_history_record_finish (self->history, self->id, advice, after, self->log->str,
                                  self->error == NULL ? error : NULL))
    {
      if (self->error != NULL)
        g_propagate_error (error, g_steal_pointer (&self->error));
      return FALSE;
    }
  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return FALSE;
    }
  return TRUE;
}
