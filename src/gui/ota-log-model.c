/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaGui"

#include "ota-log-model.h"
#include "ota-i18n.h"

#include "ota-event-writer.h"
#include "ota-text.h"

struct _OtaLogModel {
  GObject parent_instance;

  GtkTextBuffer *buffer;
  GPtrArray *lines; /* JSON Lines, as otaflash --cli --json prints them */
  OtaEventWriter *writer;
  guint progress_stage; /* the readable log: one line per 10 % */
  gint progress_decile;
};

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OtaLogModel, ota_log_model, G_TYPE_OBJECT)

static const gchar *
or_dash (const gchar *s)
{
  return s != NULL && *s != '\0' ? s : "–";
}

static void
append_text (OtaLogModel *self, gdouble t, gboolean timed, const gchar *what)
{
  g_autofree gchar *safe = ota_text_sanitize (what, -1);
  /* the wall clock first: support matches it with the device's and the
   * line's own records; the seconds since the start follow */
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree gchar *clock = g_date_time_format (now, "%H:%M:%S");
  g_autofree gchar *line = timed ? g_strdup_printf ("%s %7.2f s  %s\n", clock, t, safe)
                                 : g_strdup_printf ("%s %7s    %s\n", clock, "", safe);
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (self->buffer, &end);
  gtk_text_buffer_insert (self->buffer, &end, line, -1);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* One readable line per event. */
static gchar *
event_to_text (const OtaEvent *ev)
{
  switch (ev->kind)
    {
    case OTA_EVENT_DEVICE:
      return g_strdup_printf (
          _ ("device: %s, firmware %s, %s, ota_step %s, uuid %s"),
          or_dash (ev->device->product_type), or_dash (ev->device->firmware_version),
          ota_description_is_single_backup (ev->device) ? _ ("single backup") : _ ("dual backup"),
          or_dash (ev->device->ota_step), or_dash (ev->device->uuid));
    case OTA_EVENT_STAGE:
      if (ev->state == OTA_STAGE_STATE_START)
        return g_strdup_printf (_ ("stage %u: start"), ev->stage);
      if (ev->message != NULL)
        return g_strdup_printf (_ ("stage %u: end, %s: %s"), ev->stage,
                                or_dash (ota_stage_outcome_to_string (ev->outcome)), ev->message);
      return g_strdup_printf (_ ("stage %u: end, %s"), ev->stage,
                              or_dash (ota_stage_outcome_to_string (ev->outcome)));
      case OTA_EVENT_PROGRESS: {
        g_autofree gchar *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, ev->bytes);
        g_autofree gchar *total = g_strdup_printf ("%" G_GUINT64_FORMAT, ev->total);

        if (ev->committed)
          return g_strdup_printf (
              _ ("stage %u: %u%% (%s of %s bytes), past the point of no return"), ev->stage,
              ev->percent, bytes, total);
        return g_strdup_printf (_ ("stage %u: %u%% (%s of %s bytes)"), ev->stage, ev->percent,
                                bytes, total);
      }
    case OTA_EVENT_LOG:
    default:
      if (ev->level == OTA_LOG_LEVEL_WARNING)
        return g_strdup_printf (_ ("warning, %s: %s"),
                                or_dash (ota_event_code_to_string (ev->code)),
                                or_dash (ota_event_get_text (ev)));
      return g_strdup_printf ("%s: %s", or_dash (ota_event_code_to_string (ev->code)),
                              or_dash (ota_event_get_text (ev)));
    }
}

void
ota_log_model_add_event (OtaLogModel *self, const OtaEvent *ev)
{
  g_autofree gchar *text = NULL;

  g_return_if_fail (OTA_IS_LOG_MODEL (self));
  ota_event_writer_event (self->writer, ev);
  if (ev->kind == OTA_EVENT_PROGRESS)
    {
      gint decile = (gint) (ev->percent / 10);

      if (ev->total == 0 || (decile == self->progress_decile && ev->stage == self->progress_stage))
        return;
      self->progress_decile = decile;
      self->progress_stage = ev->stage;
    }
  text = event_to_text (ev);
  append_text (self, ev->t, TRUE, text);
}

void
ota_log_model_add_file (OtaLogModel *self, const gchar *path, OtaUfw *ufw)
{
  g_autoptr (cJSON) obj = ota_event_file_to_json (path, ufw);
  g_autofree gchar *text = NULL;

  g_return_if_fail (OTA_IS_LOG_MODEL (self));
  ota_event_writer_object (self->writer, obj);
  text = g_strdup_printf (_ ("file: %s, version %s, SHA-256 %.16s…"), path != NULL ? path : "",
                          ufw != NULL ? or_dash (ota_ufw_get_version (ufw)) : "–",
                          ufw != NULL ? ota_ufw_get_sha256 (ufw) : "");
  append_text (self, 0, FALSE, text);
}

void
ota_log_model_add_result (OtaLogModel *self, const OtaAdvice *advice)
{
  g_autoptr (cJSON) obj = ota_advice_to_json (advice);
  g_autofree gchar *text = NULL;

  g_return_if_fail (OTA_IS_LOG_MODEL (self));
  ota_event_writer_object (self->writer, obj);
  text = g_strdup_printf (_ ("result: %s — %s"), advice->status, advice->message);
  append_text (self, 0, FALSE, text);
}

void
ota_log_model_clear (OtaLogModel *self)
{
  g_return_if_fail (OTA_IS_LOG_MODEL (self));
  gtk_text_buffer_set_text (self->buffer, "", -1);
  g_ptr_array_set_size (self->lines, 0);
  ota_event_writer_reset (self->writer);
  self->progress_stage = 0;
  self->progress_decile = -1;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

GtkTextBuffer *
ota_log_model_get_buffer (OtaLogModel *self)
{
  g_return_val_if_fail (OTA_IS_LOG_MODEL (self), NULL);
  return self->buffer;
}

GPtrArray *
ota_log_model_get_lines (OtaLogModel *self)
{
  g_return_val_if_fail (OTA_IS_LOG_MODEL (self), NULL);
  return self->lines;
}

gboolean
ota_log_model_save (OtaLogModel *self, const gchar *path, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);

  g_return_val_if_fail (OTA_IS_LOG_MODEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  for (guint i = 0; i < self->lines->len; i++)
    {
      g_string_append (text, g_ptr_array_index (self->lines, i));
      g_string_append_c (text, '\n');
    }
  return g_file_set_contents (path, text->str, (gssize) text->len, error);
}

static void
ota_log_model_finalize (GObject *object)
{
  OtaLogModel *self = OTA_LOG_MODEL (object);

  ota_event_writer_free (self->writer);
  g_ptr_array_unref (self->lines);
  g_clear_object (&self->buffer);
  G_OBJECT_CLASS (ota_log_model_parent_class)->finalize (object);
}

static void
ota_log_model_class_init (OtaLogModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ota_log_model_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ota_log_model_init (OtaLogModel *self)
{
  self->buffer = gtk_text_buffer_new (NULL);
  self->lines = g_ptr_array_new_with_free_func (g_free);
  self->writer = ota_event_writer_new ();
  ota_event_writer_add_lines (self->writer, self->lines);
  self->progress_decile = -1;
}

OtaLogModel *
ota_log_model_new (void)
{
  return g_object_new (OTA_TYPE_LOG_MODEL, NULL);
}
