/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define G_LOG_DOMAIN "OtaCore"

#include "ota-event-writer.h"

typedef struct {
  OtaEventWriterSink func;
  gpointer user_data;
  gboolean with_debug;
} Sink;

struct _OtaEventWriter {
  GArray *sinks; /* Sink */
  gboolean progress_seen;
  guint last_stage;
  guint last_percent;
  gboolean last_committed;
  guint unit;
};

OtaEventWriter *
ota_event_writer_new (void)
{
  OtaEventWriter *self = g_new0 (OtaEventWriter, 1);

  self->sinks = g_array_new (FALSE, TRUE, sizeof (Sink));
  return self;
}

void
ota_event_writer_free (OtaEventWriter *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->sinks);
  g_free (self);
}

void
ota_event_writer_add_sink (OtaEventWriter *self, OtaEventWriterSink sink, gpointer user_data,
                           gboolean with_debug)
{
  Sink s = { sink, user_data, with_debug };

  g_return_if_fail (self != NULL && sink != NULL);
  g_array_append_val (self->sinks, s);
}

static void
file_sink (const gchar *line, gpointer user_data)
{
  FILE *file = user_data;

  fputs (line, file);
  fputc ('\n', file);
  fflush (file);
}

void
ota_event_writer_add_file (OtaEventWriter *self, FILE *file, gboolean with_debug)
{
  ota_event_writer_add_sink (self, file_sink, file, with_debug);
}

static void
lines_sink (const gchar *line, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (line));
}

void
ota_event_writer_add_lines (OtaEventWriter *self, GPtrArray *lines)
{
  ota_event_writer_add_sink (self, lines_sink, lines, FALSE);
}

void
ota_event_writer_set_unit (OtaEventWriter *self, guint unit)
{
  self->unit = unit;
}

void
ota_event_writer_reset (OtaEventWriter *self)
{
  self->progress_seen = FALSE;
}

static void
write_line (OtaEventWriter *self, const cJSON *obj, gboolean debug)
{
  g_autoptr (cJSON) stamped = NULL;
  char *text;

  if (self->unit > 0 && !cJSON_HasObjectItem (obj, "unit"))
    {
      stamped = cJSON_Duplicate (obj, TRUE);
      cJSON_AddNumberToObject (stamped, "unit", self->unit);
      obj = stamped;
    }
  text = cJSON_PrintUnformatted (obj);

  for (guint i = 0; i < self->sinks->len; i++)
    {
      const Sink *s = &g_array_index (self->sinks, Sink, i);

      if (!debug || s->with_debug)
        s->func (text, s->user_data);
    }
  cJSON_free (text);
}

gboolean
ota_event_writer_event (OtaEventWriter *self, const OtaEvent *event)
{
  g_autoptr (cJSON) obj = NULL;

  g_return_val_if_fail (self != NULL && event != NULL, FALSE);
  if (event->kind == OTA_EVENT_PROGRESS)
    {
      if (self->progress_seen && event->percent == self->last_percent
          && event->stage == self->last_stage && event->committed == self->last_committed)
        return FALSE;
      self->progress_seen = TRUE;
      self->last_percent = event->percent;
      self->last_stage = event->stage;
      self->last_committed = event->committed;
    }
  obj = ota_event_to_json (event);
  write_line (self, obj, FALSE);
  return TRUE;
}

void
ota_event_writer_object (OtaEventWriter *self, const cJSON *obj)
{
  g_return_if_fail (self != NULL && obj != NULL);
  write_line (self, obj, FALSE);
}

void
ota_event_writer_debug (OtaEventWriter *self, const gchar *domain, const gchar *message)
{
  g_autoptr (cJSON) obj = cJSON_CreateObject ();

  cJSON_AddStringToObject (obj, "event", "debug");
  ota_json_add_string (obj, "domain", domain != NULL ? domain : "");
  ota_json_add_string (obj, "message", message);
  write_line (self, obj, TRUE);
}
